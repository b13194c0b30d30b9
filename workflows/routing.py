"""Task routing on viewflow's Process and Task tables.

Every function runs inside the case service's transaction, after the case row is locked. Each
task event (created, assigned, unassigned, reassigned, completed, cancelled) writes exactly one
audit event on the case's chain, through the ``audit`` callable the service passes (its
``Step.audit``); starting and finishing a process write none. Tasks are never loaded twice and
users never loaded to compare owners. A refusal raises a domain error (``roles.errors``). This
module imports nothing from ``cases``: the case and the flow node are passed in.

Each function that opens, moves or closes a task also sets the copy of the open task on the
case row (``Case.task_*``, see ``MIRROR_FIELDS``); the caller's ``Step.save`` writes it with the
case (``cases.engine.BASE_FIELDS``), so the copy changes in the same transaction as the task.
"""

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import PROCESS, STATUS

from roles.errors import Conflict, InvalidInput
from roles.models import OrgUnit

OPEN = (STATUS.NEW, STATUS.ASSIGNED)

# The case's columns that copy its open human task.
MIRROR_FIELDS = ("task_status", "task_pk", "task_owner", "task_queue", "task_unit", "task_created")


def mirror(case, task):
    """Copy ``task`` onto ``case`` as its open task, or clear the copy when it is closed."""
    if task is None or task.status not in OPEN:
        case.task_status, case.task_pk, case.task_owner_id = "", None, None
        case.task_queue, case.task_unit_id, case.task_created = "", None, None
        return
    case.task_status = task.status
    case.task_pk = task.pk
    case.task_owner_id = task.owner_id
    case.task_queue = task.owner_permission
    case.task_unit_id = int(task.owner_permission_obj_pk)
    case.task_created = task.created


def _unit_content_type():
    return ContentType.objects.get_for_model(OrgUnit)


def process_start(flow_class, *, at=None):
    process = Process(flow_class=flow_class, status=PROCESS.NEW, created=at or timezone.now())
    process.save(force_insert=True)
    return process


def process_finish(process, *, at=None):
    Process.objects.filter(pk=process.pk).update(status=PROCESS.DONE, finished=at or timezone.now())


def task_create(case, node, *, unit, audit, at=None):
    """Open a human task of ``node`` in ``unit``'s queue."""
    permission = node.flow_class.QUEUE_PERMISSIONS[node.name]
    task = Task(
        process_id=case.process_id,
        flow_task=node,
        flow_task_type="HUMAN",
        status=STATUS.NEW,
        created=at or timezone.now(),
        owner_permission=permission,
        owner_permission_content_type=_unit_content_type(),
        owner_permission_obj_pk=str(unit.pk),
    )
    task.save(force_insert=True)
    mirror(case, task)
    audit("task.created", payload={"task": task.pk, "node": node.name, "queue": unit.code})
    return task


def open_task(case, *, lock=False):
    """The open human task of a case (a case has at most one)."""
    qs = Task.objects.filter(process_id=case.process_id, status__in=OPEN, flow_task_type="HUMAN")
    if lock:
        qs = qs.select_for_update()
    return qs.order_by("-id").first()


def task_assign(case, task, user, *, audit):
    if task.status != STATUS.NEW:
        raise Conflict(_("This task has already been taken."))
    task.owner_id = user.pk
    task.status = STATUS.ASSIGNED
    task.assigned = timezone.now()
    task.save(update_fields=["owner", "status", "assigned"])
    mirror(case, task)
    audit("task.assigned", payload={"task": task.pk, "node": task.flow_task.name, "owner": user.get_username()})
    return task


def task_unassign(case, task, *, audit):
    if task.status != STATUS.ASSIGNED:
        raise Conflict(_("This task is not assigned."))
    previous = task.owner_id
    task.owner_id = None
    task.status = STATUS.NEW
    task.assigned = None
    task.save(update_fields=["owner", "status", "assigned"])
    mirror(case, task)
    audit("task.unassigned", payload={"task": task.pk, "node": task.flow_task.name, "previous_owner_id": previous})
    return task


def task_reassign(case, task, user, *, audit):
    if task.status not in OPEN:
        raise Conflict(_("This task is closed."))
    if task.owner_id == user.pk:
        raise InvalidInput(_("The task is already assigned to this person."), field="user")
    previous = task.owner_id
    task.owner_id = user.pk
    task.status = STATUS.ASSIGNED
    task.assigned = timezone.now()
    task.save(update_fields=["owner", "status", "assigned"])
    mirror(case, task)
    audit(
        "task.reassigned",
        payload={
            "task": task.pk,
            "node": task.flow_task.name,
            "previous_owner_id": previous,
            "owner": user.get_username(),
        },
    )
    return task


def task_complete(case, task, *, user, audit, outcome=""):
    if task.status not in OPEN:
        raise Conflict(_("This task is closed."))
    if task.owner_id is None and user is not None:
        task.owner_id = user.pk
        task.assigned = timezone.now()
    task.status = STATUS.DONE
    task.finished = timezone.now()
    task.save(update_fields=["owner", "assigned", "status", "finished"])
    mirror(case, None)
    audit("task.completed", payload={"task": task.pk, "node": task.flow_task.name, "outcome": outcome})
    return task


def task_cancel(case, task, *, audit, reason=""):
    task.status = STATUS.CANCELED
    task.finished = timezone.now()
    task.save(update_fields=["status", "finished"])
    mirror(case, None)
    audit("task.cancelled", payload={"task": task.pk, "node": task.flow_task.name, "reason": reason})
    return task
