from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from .models import Notification


@shared_task(bind=True, max_retries=5, default_retry_delay=30)
def send_notification(self, notification_id):
    """Send one notification. Idempotent: a redelivered task finds it sent and stops."""
    with transaction.atomic():
        notification = Notification.objects.select_for_update().select_related("person").get(pk=notification_id)
        if notification.status == Notification.Status.SENT:
            return "already sent"
        notification.attempts += 1
        try:
            EmailMessage(
                subject=notification.subject,
                body=notification.body,
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[notification.person.email],
                headers={"Message-ID": f"<{notification.key}@socius>"},
            ).send()
        except OSError as exc:
            notification.outcome = str(exc)[:200]
            notification.save(update_fields=["attempts", "outcome"])
            raise self.retry(exc=exc) from exc
        notification.status = Notification.Status.SENT
        notification.sent_at = timezone.now()
        notification.outcome = "delivered to the mail backend"
        notification.save(update_fields=["status", "sent_at", "attempts", "outcome"])
        return "sent"


@shared_task
def pay_due_claims_task():
    """Daily payment run (beat). Safe to run twice: paid instalments are not due any more."""
    from .payments import pay_due_claims

    paid, closed, refused = pay_due_claims()
    return {"paid": paid, "closed": closed, "refused": len(refused)}


@shared_task
def mark_overdue_task():
    """Daily deadline job (beat): mark overdue cases, alert, escalate; close expired grievances.
    Safe to run twice: a marked case is not marked again."""
    from .deadlines import mark_overdue

    return mark_overdue().as_dict()
