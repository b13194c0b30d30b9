from celery import shared_task

from .services import object_permissions_refresh


@shared_task
def refresh_object_permissions():
    """Every minute (beat): roles and delegations that started or ended take effect in the guardian
    mirror. Idempotent."""
    return object_permissions_refresh()
