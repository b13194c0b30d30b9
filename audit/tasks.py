from celery import shared_task

from .services import create_checkpoint


@shared_task
def audit_checkpoint():
    """Periodic (beat): idempotent, a second run finds nothing new."""
    cp = create_checkpoint()
    return cp.pk if cp else None
