"""Reassigning many tasks at once (a caseworker going on leave, a team rebalanced).

Each task moves through the one-case services of ``cases.engine`` (``task_reassign`` to give it
to someone, ``task_release`` to put it back in its queue): each case is locked, the actor's
authority checked, the task moved and its audit event written in the case's own transaction.
One refusal therefore undoes nothing of the others; every refusal is returned with its message.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from viewflow.workflow.models import Task

from . import engine
from .errors import DomainError, InvalidInput

# The most tasks one request moves: each is a transaction of its own (lock, checks, audit event).
MAX_BATCH = 200


@dataclass
class Refusal:
    task_id: int
    reference: str
    message: str


@dataclass
class BulkResult:
    moved: list = field(default_factory=list)  # references of the cases whose task moved
    refused: list = field(default_factory=list)  # Refusal, in the order the tasks were given


def tasks_reassign(*, task_ids, actor, to_user=None, from_user_id=None):
    """Give each task of ``task_ids`` to ``to_user``, or back to its queue when ``to_user`` is None.

    ``from_user_id``: the person the tasks were chosen from; a task that person no longer holds is
    refused rather than taken from whoever holds it now. At most ``MAX_BATCH`` tasks (InvalidInput
    above). One query finds the tasks' cases, then each case is one transaction of the engine."""
    task_ids = list(dict.fromkeys(int(pk) for pk in task_ids))
    if not task_ids:
        raise InvalidInput(_("Choose at least one task."), field="task")
    if len(task_ids) > MAX_BATCH:
        raise InvalidInput(
            _("At most %(max)s tasks can be moved at once; you chose %(n)s.") % {"max": MAX_BATCH, "n": len(task_ids)},
            field="task",
        )
    cases = {
        pk: (case_id, reference)
        for pk, case_id, reference in Task.objects.filter(pk__in=task_ids).values_list(
            "pk", "process__case__id", "process__case__reference"
        )
    }
    result = BulkResult()
    for task_id in task_ids:
        case_id, reference = cases.get(task_id, (None, ""))
        if case_id is None:
            result.refused.append(Refusal(task_id, reference, _("No such task.")))
            continue
        try:
            if to_user is None:
                engine.task_release(case_id=case_id, actor=actor, task_id=task_id, owner_id=from_user_id)
            else:
                engine.task_reassign(
                    case_id=case_id, actor=actor, to_user=to_user, task_id=task_id, owner_id=from_user_id
                )
        except DomainError as exc:
            result.refused.append(Refusal(task_id, reference, str(exc.message)))
        else:
            result.moved.append(reference)
    return result


__all__ = ["MAX_BATCH", "BulkResult", "Refusal", "tasks_reassign"]
