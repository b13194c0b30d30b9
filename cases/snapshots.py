"""The daily snapshot of the work queues, read by the supervisors' charts.

Run once a day by Celery beat (``workflows.tasks.queue_snapshot_task``). One grouped query counts
the open tasks by queue unit, case type and status; the rows are inserted in bulk. Running it
again the same day inserts nothing (one row per day, unit and case type: the first count stands).
"""

from django.db.models import Count
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from workflows.models import QueueSnapshot

from .selectors import HUMAN, _int_or_none


def queue_snapshot_take(*, on=None):
    """Record today's (or ``on``'s) open tasks per unit and case type; returns how many rows were
    new. Two queries and one bulk insert, whatever the number of tasks."""
    on = on or timezone.localdate()
    now = timezone.now()
    counts = {}
    for obj_pk, case_type, status, n in (
        Task.objects.filter(status__in=(STATUS.NEW, STATUS.ASSIGNED), flow_task_type=HUMAN)
        .values_list("owner_permission_obj_pk", "process__case__case_type", "status")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        unit_id = _int_or_none(obj_pk)
        if unit_id is None or case_type is None:
            continue
        entry = counts.setdefault((unit_id, case_type), [0, 0])
        entry[0] += n
        if status == STATUS.NEW:
            entry[1] += n
    existing = set(QueueSnapshot.objects.filter(day=on).values_list("unit_id", "case_type"))
    rows = [
        QueueSnapshot(day=on, unit_id=unit_id, case_type=case_type, open_tasks=n, unassigned=new, taken_at=now)
        for (unit_id, case_type), (n, new) in sorted(counts.items())
        if (unit_id, case_type) not in existing
    ]
    QueueSnapshot.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
    return len(rows)
