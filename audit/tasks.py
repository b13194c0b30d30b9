import logging

from celery import shared_task

from .services import CheckpointDeferred, create_checkpoint

logger = logging.getLogger(__name__)


@shared_task
def audit_checkpoint():
    """Periodic (beat): idempotent, a second run finds nothing new. Returns the checkpoint id."""
    try:
        cp = create_checkpoint()
    except CheckpointDeferred as exc:
        # Left for the next run; the events stay uncovered until then, nothing is lost.
        logger.warning("audit checkpoint deferred: %s", exc)
        return None
    if cp is None:
        return None
    # Logged so that the newest checkpoint is also recorded outside the database.
    logger.info("audit checkpoint %s:%s (%s events, %s chains)", cp.pk, cp.hash, cp.event_count, cp.head_count)
    return cp.pk


@shared_task
def run_verification(run_id):
    """A full verification asked for by an auditor (audit.activity). Idempotent: a finished run
    is left as it is, so a redelivered task does nothing. Returns the run's status."""
    from .activity import verification_execute

    run = verification_execute(run_id)
    return run.status if run is not None else None
