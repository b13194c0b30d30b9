from celery import shared_task

from . import notifications

# Waits between the attempts of a failed send (seconds): each is far below the broker's
# visibility timeout (CELERY_BROKER_TRANSPORT_OPTIONS), or Redis would hand the delayed
# message to a second worker before its time.
RETRY_DELAYS = (30, 120, 600, 1800, 3600)


@shared_task(bind=True, max_retries=len(RETRY_DELAYS), default_retry_delay=RETRY_DELAYS[0])
def send_notification(self, notification_id):
    """Send one e-mail or SMS notification. Safe to run again at any point: see
    cases/notifications.py for what is guaranteed per backend."""
    final = self.request.retries >= self.max_retries
    try:
        return notifications.deliver(notification_id, final=final)
    except notifications.DeliveryError as exc:
        raise self.retry(exc=exc, countdown=RETRY_DELAYS[self.request.retries]) from exc


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


@shared_task
def activate_due_payees_task():
    """Daily (beat): representative payees approved from a date that has come become active. Idempotent."""
    from .payees import activate_due_payees

    activated, refused = activate_due_payees()
    return {"activated": activated, "refused": len(refused)}


@shared_task
def finalise_medical_decisions_task():
    """Daily (beat): medical decisions whose appeal period ended become final. Idempotent."""
    from .medical import finalise_due_decisions

    finalised, refused = finalise_due_decisions()
    return {"finalised": finalised, "refused": len(refused)}


@shared_task
def resend_stale_notifications():
    """Hourly (beat): publish again the notifications whose publication was lost. Safe: sending is
    idempotent, so a notification published twice is still sent once."""
    ids = notifications.stale_pending()
    for notification_id in ids:
        send_notification.delay(notification_id)
    return len(ids)
