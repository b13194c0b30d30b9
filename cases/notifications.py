"""Telling people about their cases. A notification is recorded inside the service's transaction
(so it exists only if the change commits) and sent by Celery after commit, once."""

from django.db import transaction
from django.utils import timezone

from .models import Notification


def notify_person(case, topic, step, *, subject, body, person=None):
    person = person or case.person
    if person is None or not person.email:
        return None
    notification = Notification.objects.create(
        key=f"{case.reference}:{topic}:{step.case.audit_seq}:email",
        person=person,
        case=case,
        channel=Notification.Channel.EMAIL,
        recipient=person.email,
        subject=str(subject),
        body=str(body),
        created_at=timezone.now(),
    )
    from .tasks import send_notification

    transaction.on_commit(lambda: send_notification.delay(notification.pk))
    return notification
