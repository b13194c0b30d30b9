"""Telling people about their cases: a message in their account, an e-mail and an SMS.

Recording. :func:`notify_person` runs inside the service's transaction and records one
``Notification`` per channel, keyed ``<case reference>:<topic>:<audit sequence>:<channel>``
(unique in the database), so the notifications exist only if the change commits:

- ``portal``: the message in the person's account. Storing it is delivering it: it is
  recorded as sent at once; ``read_at`` is set when the person opens it
  (:func:`portal_message_open`).
- ``email``: to the person's e-mail address, through Django's mail backend
  (``EMAIL_BACKEND``, from ``SOCIUS_EMAIL_BACKEND``).
- ``sms``: to the person's mobile phone, through the SMS backend (``SOCIUS_SMS_BACKEND``,
  see ``cases/sms.py``).

A channel that cannot be used is still recorded, with status ``skipped`` and the reason in
``outcome`` (no e-mail address, no mobile phone, no SMS gateway configured): staff can see
why a person was not reached, and a later change of address does not resend old messages.

Sending. After commit (``transaction.on_commit``) one Celery task per pending e-mail or SMS
(``cases.tasks.send_notification``) calls :func:`deliver`, which works in two transactions:

1. it counts the attempt and commits (``attempts + 1``, only while the notification is
   pending and below :data:`MAX_ATTEMPTS`): a run that dies later is still counted, and a
   message that kills its worker again and again is given up (``failed``) instead of being
   redelivered forever;
2. it locks the notification row (``SELECT ... FOR UPDATE``), returns at once if it is no
   longer pending, otherwise hands the message to the backend and records ``sent``,
   ``sent_at`` and the backend's receipt in ``outcome`` in the same transaction. A failing
   backend records the error in ``outcome``; the task retries it later, and the last retry
   marks the notification ``failed``.

Celery acknowledges the message only after the task ran and gives it back to the broker when
the worker process dies (``CELERY_TASK_ACKS_LATE``, ``CELERY_TASK_REJECT_ON_WORKER_LOST``), so
a task killed at any point is run again. What is guaranteed, once the service has committed
and the task has been published:

- before the backend call (waiting for the lock, connecting): nothing was sent and nothing
  but the attempt was committed; the redelivered task sends it. Exactly once, every backend;
- two runs at once (a redelivery while the first still runs): the second waits for the row
  lock, then finds the notification sent and stops. Exactly once, every backend;
- after the task committed ``sent``, before the broker had the acknowledgement: the
  redelivered task finds it sent. Exactly once, every backend;
- killed between the backend's acceptance and the commit of ``sent`` (a window of one
  UPDATE and a COMMIT): the redelivered task calls the backend again with the same
  notification key. Backends with ``idempotent = True`` deliver it once: the locmem and file
  SMS backends, and a real SMS gateway adapter that passes the key as the gateway's
  idempotency key (the interface ``cases/sms.py`` documents). Django's mail backends take no
  idempotency key: an e-mail may be sent twice in this window, with the same
  ``Message-ID: <key@socius>`` header for receiving systems to recognise it. The logging SMS
  backend logs it twice.
- ``portal`` messages are rows written in the service's transaction: exactly once.

The publish itself happens after the commit; if the process dies between the two, or the
broker refuses the message, the notification stays ``pending`` (the error is logged, the
service's result stands). An hourly sweep (``cases.tasks.resend_stale_notifications``, Celery
beat) publishes again every e-mail and SMS still pending :data:`STALE_AFTER` after it was
recorded (:func:`stale_pending`, on a partial index of pending notifications).
"""

import datetime as dt
from functools import partial

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import OperationalError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from roles.errors import DomainError

from . import sms
from .models import Notification

Channel = Notification.Channel
Status = Notification.Status

# Channels a Celery task sends; portal messages are delivered by being stored.
SENT_BY_TASK = (Channel.EMAIL, Channel.SMS)
# Runs of the task (retries and redeliveries after a lost worker) before a notification is failed.
MAX_ATTEMPTS = 10
# How long a sending task waits for a notification row locked by another run.
LOCK_TIMEOUT = "60s"
# An SMS carries the subject and the start of the body; the full text is in the account.
SMS_MAX_CHARS = 320

# Outcomes, stored in English and marked for translation where they are shown.
STORED = gettext_noop("stored in the person's account")
NO_EMAIL = gettext_noop("no e-mail address")
NO_PHONE = gettext_noop("no mobile phone number")
NO_GATEWAY = gettext_noop("no SMS gateway configured")
EMAIL_ACCEPTED = gettext_noop("accepted by the mail backend")
GIVEN_UP = "given up after %d attempts"


class MessageNotFound(DomainError):
    code = "not_found"
    status = 404
    default_message = _("No such message.")


class DeliveryError(Exception):
    """A send failed and may succeed later; the failure is recorded on the notification."""


def notification_key(case, topic, step, channel):
    return f"{case.reference}:{topic}:{step.case.audit_seq}:{channel}"


def sms_text(subject, body):
    text = f"{subject}\n{body}".strip()
    return text if len(text) <= SMS_MAX_CHARS else text[: SMS_MAX_CHARS - 1] + "…"


def notify_person(case, topic, step, *, subject, body, person=None):
    """Record the portal message, e-mail and SMS for ``person`` (default: the case's person)
    in the current transaction; the e-mail and SMS are sent after commit. Returns the
    notifications (none when the case has no person)."""
    person = person or case.person
    if person is None:
        return []
    now = timezone.now()
    subject, body = str(subject), str(body)
    email = (person.email or "").strip()
    phone = (person.phone or "").strip()
    sms_skipped = NO_PHONE if not phone else NO_GATEWAY if not settings.SOCIUS_SMS_BACKEND else ""

    def row(channel, *, recipient="", text=body, status=Status.PENDING, outcome="", sent_at=None):
        return Notification(
            key=notification_key(case, topic, step, channel),
            person=person,
            case=case,
            channel=channel,
            recipient=recipient,
            subject=subject[:200],
            body=text,
            status=status,
            outcome=outcome,
            created_at=now,
            sent_at=sent_at,
        )

    notifications = Notification.objects.bulk_create(
        [
            row(Channel.PORTAL, status=Status.SENT, outcome=STORED, sent_at=now),
            row(Channel.EMAIL, recipient=email, **({} if email else {"status": Status.SKIPPED, "outcome": NO_EMAIL})),
            row(
                Channel.SMS,
                recipient=phone,
                text=sms_text(subject, body),
                **({"status": Status.SKIPPED, "outcome": sms_skipped} if sms_skipped else {}),
            ),
        ]
    )
    from .tasks import send_notification

    for notification in notifications:
        if notification.status == Status.PENDING:
            # robust: a broker failure after commit is logged and does not undo nor fail the
            # service call, nor stop the other notifications' publishing.
            transaction.on_commit(partial(send_notification.delay, notification.pk), robust=True)
    return notifications


# --- Sending (called by cases.tasks.send_notification) ------------------------------------------


def _set_lock_timeout():
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")


def _claim_attempt(notification_id):
    """Count one attempt and commit it. False when there is nothing (more) to send."""
    with transaction.atomic():
        _set_lock_timeout()
        pending = Notification.objects.filter(pk=notification_id, status=Status.PENDING, channel__in=SENT_BY_TASK)
        if pending.filter(attempts__lt=MAX_ATTEMPTS).update(attempts=F("attempts") + 1):
            return True
        pending.update(status=Status.FAILED, outcome=GIVEN_UP % MAX_ATTEMPTS)
        return False


def _send(notification):
    """Hand the message to its backend; return the receipt to record."""
    if notification.channel == Channel.EMAIL:
        EmailMessage(
            subject=notification.subject,
            body=notification.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[notification.recipient],
            headers={"Message-ID": f"<{notification.key}@socius>"},
        ).send()
        return EMAIL_ACCEPTED
    backend = sms.get_backend()
    if backend is None:
        raise sms.SmsError(NO_GATEWAY)
    receipt = backend.send(sms.SmsMessage(key=notification.key, to=notification.recipient, body=notification.body))
    return f"{type(backend).__name__}: {receipt}"


def deliver(notification_id, *, final=False):
    """Send one e-mail or SMS notification (see the module documentation for what is
    guaranteed). Returns the notification's status afterwards. A backend failure is recorded;
    it raises :class:`DeliveryError` for a retry, or marks the notification failed if
    ``final``."""
    try:
        claimed = _claim_attempt(notification_id)
    except OperationalError as exc:  # lock timeout: another run holds the row
        raise DeliveryError(str(exc)) from exc
    if not claimed:
        return Notification.objects.filter(pk=notification_id).values_list("status", flat=True).first()
    failure = None
    try:
        with transaction.atomic():
            _set_lock_timeout()
            notification = Notification.objects.select_for_update().get(pk=notification_id)
            if notification.status != Status.PENDING:
                return notification.status  # another run sent it while this one waited
            try:
                receipt = _send(notification)
            except Exception as exc:  # whatever the backend raised is recorded, then retried
                failure = exc
                if final:
                    notification.status = Status.FAILED
                notification.outcome = f"attempt {notification.attempts}: {type(exc).__name__}: {exc}"[:200]
                notification.save(update_fields=["status", "outcome"])
            else:
                notification.status = Status.SENT
                notification.sent_at = timezone.now()
                notification.outcome = receipt[:200]
                notification.save(update_fields=["status", "sent_at", "outcome"])
    except OperationalError as exc:
        raise DeliveryError(str(exc)) from exc
    if failure is not None and not final:
        raise DeliveryError(str(failure)) from failure
    return notification.status


# --- Messages in the person's account ------------------------------------------------------------


def portal_messages(person, *, before=None, limit=20):
    """The person's account messages, newest first. Keyset pagination: pass the last shown
    message's ``(created_at, id)`` as ``before`` for the next page."""
    messages = Notification.objects.filter(person=person, channel=Channel.PORTAL)
    if before is not None:
        created_at, pk = before
        messages = messages.filter(Q(created_at__lt=created_at) | Q(created_at=created_at, pk__lt=pk))
    return list(messages.order_by("-created_at", "-pk")[:limit])


def portal_message_open(*, notification_id, person):
    """``person`` opens one of their account messages: the first opening sets ``read_at``."""
    with transaction.atomic():
        try:
            message = Notification.objects.select_for_update().get(
                pk=notification_id, person=person, channel=Channel.PORTAL
            )
        except Notification.DoesNotExist:
            raise MessageNotFound()
        if message.read_at is None:
            message.read_at = timezone.now()
            message.save(update_fields=["read_at"])
    return message


# Longer than the longest retry delay of send_notification (cases/tasks.py RETRY_DELAYS), so the
# sweep never races a retry that is only waiting for its turn.
STALE_AFTER = dt.timedelta(hours=2)


def stale_pending(*, now=None, limit=1000):
    """Ids of e-mail and SMS notifications still pending long after they were recorded: their
    publication was lost (the process died between commit and publish, or the broker refused)."""
    now = now or timezone.now()
    return list(
        Notification.objects.filter(status=Status.PENDING, channel__in=SENT_BY_TASK, created_at__lt=now - STALE_AFTER)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
