from celery import shared_task

from .security import purge_failures


@shared_task
def purge_login_failures():
    """Daily (beat): forget login failures older than the retention period. Idempotent."""
    return purge_failures()
