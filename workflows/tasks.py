from celery import shared_task


@shared_task
def queue_snapshot_task():
    """Daily (beat): record the open tasks of every queue for the supervisors' charts.
    Safe to run twice: a day's rows are written once."""
    from cases.snapshots import queue_snapshot_take

    return {"rows": queue_snapshot_take()}
