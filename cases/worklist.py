"""The caseworker's services beyond one case's own steps: take the next task from the queues,
and a supervisor's change of a case's priority. Built from the pieces of ``cases.engine``: lock,
authority, change, audit event, save, in one transaction.
"""

from django.db import transaction
from django.utils.translation import gettext as _
from viewflow.workflow.models import Task

from roles.errors import DomainError
from roles.powers import Power
from roles.selectors import authorize, grants_for, limits_of

from . import catalog, engine, selectors
from .errors import CaseNotFound, CaseTransitionError, Conflict, InvalidInput, NotAuthorized
from .models import MedicalCommission, Priority

# Candidates read at a time by "take next"; the next ones are read only when all were taken.
TAKE_NEXT_BATCH = 5


class NothingToTake(Conflict):
    """No task is left in the user's queues."""


def _take_exact(*, case_id, task_id, actor):
    """Take task ``task_id`` of case ``case_id`` if it is still that case's open task."""
    return engine.task_take_exact(case_id=case_id, task_id=task_id, actor=actor)


def task_take_next(*, actor):
    """Take the most urgent task waiting in ``actor``'s queues: highest priority, then the
    earliest due date (none last), then the oldest task. When someone else takes a candidate
    first (or the case moved on), the next one is tried. Returns (case, task); raises
    ``NothingToTake`` when no task is left."""
    queues, _units = selectors.user_queues(actor)
    if not queues:
        raise NothingToTake(_("There is no task waiting in your queues."))
    tried = set()
    while True:
        candidates = selectors.queue_task_ids(queues, sort="take_next", limit=TAKE_NEXT_BATCH, exclude=tried)
        if not candidates:
            raise NothingToTake(_("There is no task waiting in your queues."))
        rows = dict(Task.objects.filter(pk__in=candidates).values_list("pk", "process__case__id"))
        for task_id in candidates:
            tried.add(task_id)
            case_id = rows.get(task_id)
            if case_id is None:
                continue
            try:
                return _take_exact(case_id=case_id, task_id=task_id, actor=actor)
            except (Conflict, CaseTransitionError, NotAuthorized, CaseNotFound):
                continue  # taken, finished or moved meanwhile: the next one


def take_refusals(actor, tasks, grants=None):
    """{task id: why not} for the queue rows ``tasks`` (read with ``selectors.TASK_ROW_RELATED`` and
    their ``queue_unit``) that ``actor`` may not take: the step checks of the task's type (four
    eyes with delegation, the limit a recommended approval needs, commission membership) as
    ``engine.task_take`` applies them, so that a queue offers "Take" only where the service would
    accept it. One query per type with a checked step on the page (its own fields, and a
    commission's sessions), and one for the authority limits."""
    checked = {}
    for task in tasks:
        case = task.process.case
        if task.flow_task.name in catalog.TYPES[case.case_type].step_checks:
            checked.setdefault(case.case_type, []).append(task)
    if not checked:
        return {}
    grants = grants_for(actor) if grants is None else grants
    limits = limits_of(grants)  # a recommended approval needs a limit covering it
    refusals = {}
    for case_type, rows in checked.items():
        spec = catalog.TYPES[case_type]
        found = spec.model.objects.filter(pk__in=[t.process.case.pk for t in rows])
        if hasattr(spec.model, "deciding_unit"):  # where a decision's limit is read
            found = found.select_related("deciding_unit")
        if spec.model is MedicalCommission:
            found = found.prefetch_related("sessions__members")
        typed = {case.pk: case for case in found}
        for task in rows:
            case = typed[task.process.case.pk]
            known = {"grants": grants, "limits": limits}
            if spec.model is MedicalCommission:
                known["sessions"] = list(case.sessions.all())
            try:
                power = engine.PERMISSION_POWER[task.owner_permission]
                authority = authorize(actor, power, unit=task.queue_unit, grants=grants)
                catalog.check_step(case, task.flow_task.name, actor, authority, known)
            except DomainError as exc:
                refusals[task.pk] = exc.message
    return refusals


def case_set_priority(*, case_id, actor, priority, reason):
    """A supervisor (who may reassign tasks at the case's unit) changes the case's priority,
    with the reason, which the audit event keeps."""
    if priority not in Priority.values:
        raise InvalidInput(_("Choose a priority from the list."), field="priority")
    reason = engine.required_text(reason, _("Give the reason for the change."), "reason")
    with transaction.atomic():
        case = engine.lock_any(case_id)
        authority = engine.grant(actor, Power.REASSIGN_TASK, case.owning_unit)
        if case.priority == priority:
            raise InvalidInput(_("The case already has this priority."), field="priority")
        step = engine.step_for(case, actor, authority)
        before = case.priority
        case.priority = priority
        step.audit(
            "case.priority_changed", payload={"previous_priority": before, "priority": priority, "reason": reason}
        )
        step.save("priority")
        return case
