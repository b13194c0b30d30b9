"""Deadlines: which open cases are overdue, what happens to them, and who sees them.

Every case type gets its due date at submission from the parameter ``sla.<case_type>.days``.
A case is *overdue* when it is in one of its type's ``OPEN_STATES`` and its due date is before
the day considered (the due day itself is still in time).

The daily job (``mark_overdue``: Celery beat, or ``manage.py mark_overdue``) finds the overdue
cases not yet marked (``Case.overdue_since`` empty) in batches, and marks each in its own
transaction through ``case_mark_overdue``: lock, set ``overdue_since``, audit event
``case.overdue``, alerts for the supervisors of the unit whose queue holds the open task, then
the type's escalation rule (``RULES``). The same job closes resolved grievances whose reopening
window has passed. Running it twice the same day does nothing the second time; a case that is
no longer open, or no longer late, is not touched.

Escalation rules, per case type (``RULES``):

=====================  ===================  =====================================================
case type              rule                 what happens
=====================  ===================  =====================================================
benefit_claim          ``decision_up``      an overdue *decision* task held in the queue of the
contribution_refund    ``decision_up``      unit that owns the case, at any depth of the tree,
arrears_waiver         ``decision_up``      moves to the parent unit's queue (same flow node), the
                                            parent becomes the deciding unit, escalation level +1;
                                            a decision already above the owning unit (sent up for
                                            its amount, or by an earlier escalation) stays, and so
                                            does one at the top unit; any other open task: alerts
                                            only
grievance              ``next_level``       ``cases.grievances.grievance_escalate`` moves the
                                            grievance to the next level up
medical_commission     ``alert``            alerts only
representative_payee   ``alert``            alerts only
power_of_attorney      ``alert``            alerts only
=====================  ===================  =====================================================

Alerts (``StaffAlert``): kind *overdue* for the supervisors and branch managers (roles valid
today, and the delegates of those roles) of the unit whose queue holds the open task, or of the
owning unit when the case has no open task; when that unit has none, the nearest unit above that
has. After an escalation, kind *escalated* for those of the unit that now holds the task.
"""

import base64
import binascii
import datetime as dt
import json
import logging
from dataclasses import asdict, dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from roles.models import OrgUnit, Role, RoleAssignment
from roles.powers import Power
from roles.selectors import delegate_ids_of, grants_for
from workflows import routing

from . import catalog, engine, labels
from .catalog import DECISION_UP, NEXT_LEVEL, POLICIES
from .errors import DomainError, InvalidInput
from .grievances import DEADLINE_JOB, grievance_close, grievance_escalate
from .models import CASE_MODELS, Case, Grievance, GrievanceState, StaffAlert
from .selectors import Page, unit_ids_by_power

log = logging.getLogger(__name__)

# --- Rules ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeadlineRule:
    escalation: str
    description: str


# Each type's policy comes from its declaration in the registry (cases.catalog).
RULES = {case_type: DeadlineRule(spec.deadline, POLICIES[spec.deadline]) for case_type, spec in catalog.TYPES.items()}

# The queue permission of decision tasks (every flow's deciding node).
DECISION_PERMISSION = "roles.decide_cases"
# Who is alerted about a unit's overdue work.
SUPERVISING_ROLES = (Role.SUPERVISOR, Role.BRANCH_MANAGER)
# Powers by which a user sees a unit's overdue cases.
OVERSIGHT_POWERS = (Power.REASSIGN_TASK, Power.DECIDE_CASE)

BATCH_SIZE = 500


# --- Which cases are open, which are overdue ----------------------------------------------------------


def open_cases_q():
    """Cases in one of their type's open states: one branch per open state, naming the types for
    which it is open, so that each branch walks the (state, due_date) or the
    (owning_unit, state, due_date) index."""
    types_by_state = {}
    for case_type, model in CASE_MODELS.items():
        for state in model.OPEN_STATES:
            types_by_state.setdefault(str(state), set()).add(str(case_type))
    query = Q(pk__in=[])
    for state, types in sorted(types_by_state.items()):
        if len(types) == len(CASE_MODELS):
            query |= Q(state=state)
        else:
            query |= Q(state=state, case_type__in=sorted(types))
    return query


def overdue_q(on):
    """Open cases whose due date is before ``on``."""
    return open_cases_q() & Q(due_date__lt=on)


def is_overdue(case, on):
    model = CASE_MODELS[case.case_type]
    return case.state in model.OPEN_STATES and case.due_date is not None and case.due_date < on


def became_overdue_at(due_date):
    """The moment a case due on ``due_date`` became overdue: the start of the next day."""
    return timezone.make_aware(dt.datetime.combine(due_date + dt.timedelta(days=1), dt.time.min))


def days_overdue(due_date, on):
    return (on - due_date).days


# --- Who is alerted ------------------------------------------------------------------------------------


def supervisors_of(unit, on=None):
    """Active users holding a supervising role at ``unit`` on ``on`` (today by default), or acting
    for such a holder by delegation; if ``unit`` has none, those of the nearest unit above that has
    (two queries per unit looked at)."""
    on = on or timezone.localdate()
    users = get_user_model().objects.filter(is_active=True)
    for path in unit.ancestor_paths():
        assignments = RoleAssignment.objects.filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=on),
            role__in=SUPERVISING_ROLES,
            org_unit__path=path,
            valid_from__lte=on,
        )
        delegate_ids = delegate_ids_of(assignments, OVERSIGHT_POWERS, on)
        found = list(users.filter(Q(pk__in=assignments.values("user_id")) | Q(pk__in=delegate_ids)).order_by("pk"))
        if found:
            return found
    return []


def _alert(case, users, kind, message, at):
    StaffAlert.objects.bulk_create(
        [StaffAlert(user=user, case=case, kind=kind, message=message[:300], created_at=at) for user in users]
    )
    return len(users)


# --- Marking one case --------------------------------------------------------------------------------


@dataclass
class Marked:
    """What ``case_mark_overdue`` did to one case."""

    case_id: int
    reference: str
    alerts: int = 0
    escalated_to: str | None = None  # code of the unit now holding the work, when escalated
    escalation_refused: str = ""  # why the type's escalation did not happen, when it was refused


def _queue_unit(case, task):
    if task is None:
        return case.owning_unit
    return engine.task_queue(case, task)[0]


def _decision_up(case, step, task, unit):
    """Move an overdue decision task held in the queue of the unit that owns the case (at any depth)
    to the parent unit's queue. Returns (the parent unit, the case fields to save), or (None, [])
    when the rule does not apply: another task, a decision already above the owning unit, or the
    top unit, which has no parent."""
    if task is None or task.owner_permission != DECISION_PERMISSION:
        return None, []
    if unit.pk != case.owning_unit_id or unit.parent_id is None:
        return None, []
    parent = OrgUnit.objects.get(pk=unit.parent_id)
    engine.task_move(case, step, task.flow_task, parent)
    fields = []
    if hasattr(case, "deciding_unit"):
        case.deciding_unit = parent
        fields.append("deciding_unit")
    case.escalation_level += 1
    step.audit(
        "case.escalated",
        payload={"from": unit.code, "to": parent.code, "level": case.escalation_level, "node": task.flow_task.name},
    )
    return parent, fields


def case_mark_overdue(*, case_id, on=None):
    """Mark one case overdue, in one transaction, if it still is on ``on`` (today by default) and is
    not marked yet; then alert its supervisors and apply its type's escalation rule (``RULES``).
    Returns a ``Marked``, or None when there was nothing to do (not open, not late, already marked).
    """
    on = on or timezone.localdate()
    with transaction.atomic():
        case = engine.lock_any(case_id)
        if case.overdue_since is not None or not is_overdue(case, on):
            return None
        rule = RULES[case.case_type]
        now = timezone.now()
        step = engine.step_for(case, None)
        task = routing.open_task(case, lock=True) if case.process_id else None
        unit = _queue_unit(case, task)
        days = days_overdue(case.due_date, on)
        case.overdue_since = became_overdue_at(case.due_date)
        step.audit(
            "case.overdue",
            payload={
                "due_date": case.due_date,
                "days_overdue": days,
                "queue": unit.code,
                "node": task.flow_task.name if task is not None else "",
                "rule": rule.escalation,
            },
        )
        result = Marked(case_id=case.pk, reference=case.reference)
        result.alerts += _alert(
            case,
            supervisors_of(unit),
            StaffAlert.Kind.OVERDUE,
            _("Case %(ref)s is %(days)s day(s) past its due date (%(due)s), in the queue of %(unit)s.")
            % {"ref": case.reference, "days": days, "due": case.due_date.isoformat(), "unit": unit.name},
            now,
        )
        moved, fields = _decision_up(case, step, task, unit) if rule.escalation == DECISION_UP else (None, [])
        step.save(*fields)
        if rule.escalation == NEXT_LEVEL:
            moved, refusal = _next_level(case, on)
            result.escalation_refused = refusal
        if moved is not None:
            result.escalated_to = moved.code
            result.alerts += _alert(
                case,
                supervisors_of(moved),
                StaffAlert.Kind.ESCALATED,
                _("Case %(ref)s was escalated to %(unit)s: it is past its due date (%(due)s).")
                % {"ref": case.reference, "unit": moved.name, "due": case.due_date.isoformat()},
                now,
            )
        return result


def _next_level(case, on):
    """The type's own escalation service (grievances), after this service saved its changes.
    Runs in a savepoint: a refusal (already at the top, say) leaves the mark and the alerts.
    Returns (the unit now holding the task or None, the refusal message or "")."""
    reason = _("Past its due date (%(due)s).") % {"due": case.due_date.isoformat()}
    try:
        grievance_escalate(case_id=case.pk, actor=DEADLINE_JOB, reason=reason, on=on)
    except DomainError as exc:
        log.info("case %s not escalated: %s", case.pk, exc.message)
        return None, exc.message
    escalated = Case.objects.select_related("owning_unit").get(pk=case.pk)
    task = routing.open_task(escalated) if escalated.process_id else None
    return _queue_unit(escalated, task), ""


# --- The daily job ---------------------------------------------------------------------------------------


@dataclass
class OverdueRun:
    """What one run of the deadline job did."""

    on: dt.date
    marked: int = 0
    escalated: int = 0
    alerts: int = 0
    grievances_closed: int = 0
    refused: list = field(default_factory=list)  # (case id, message)

    def as_dict(self):
        data = asdict(self)
        data["on"] = self.on.isoformat()
        data["refused"] = [list(item) for item in self.refused]
        return data


def overdue_unmarked_ids(on, batch=BATCH_SIZE):
    """Ids of open cases due before ``on`` and not yet marked, by ascending id, one query a batch."""
    last = 0
    base = Case.objects.filter(overdue_q(on), overdue_since__isnull=True)
    while True:
        ids = list(base.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:batch])
        yield from ids
        if len(ids) < batch:
            return
        last = ids[-1]


def expired_resolved_grievance_ids(on, batch=BATCH_SIZE):
    """Ids of resolved grievances whose reopening window ended before ``on``, one query a batch."""
    last = 0
    base = Grievance.objects.filter(state=GrievanceState.RESOLVED, reopen_until__lt=on)
    while True:
        ids = list(base.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:batch])
        yield from ids
        if len(ids) < batch:
            return
        last = ids[-1]


def mark_overdue(*, on=None):
    """The daily deadline job: mark every overdue case (``case_mark_overdue``, one transaction each)
    and close resolved grievances past their reopening window. Returns an ``OverdueRun``."""
    on = on or timezone.localdate()
    run = OverdueRun(on=on)
    for case_id in overdue_unmarked_ids(on):
        try:
            marked = case_mark_overdue(case_id=case_id, on=on)
        except DomainError as exc:
            run.refused.append((case_id, exc.message))
            continue
        if marked is None:
            continue
        run.marked += 1
        run.alerts += marked.alerts
        run.escalated += marked.escalated_to is not None
    close_expired_grievances(on, run)
    return run


def close_expired_grievances(on, run):
    for case_id in expired_resolved_grievance_ids(on):
        try:
            grievance_close(case_id=case_id, actor=DEADLINE_JOB, on=on)
        except DomainError as exc:
            run.refused.append((case_id, exc.message))
            continue
        run.grievances_closed += 1


# --- What supervisors see -----------------------------------------------------------------------------

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


def encode_cursor(case):
    raw = json.dumps([case.due_date.isoformat(), case.pk], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor):
    """(due date, id) from a cursor made by ``encode_cursor``; InvalidInput if it is not one."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        due, pk = json.loads(base64.urlsafe_b64decode(padded.encode()))
        due = dt.date.fromisoformat(due)
        if not isinstance(pk, int) or isinstance(pk, bool):
            raise ValueError(cursor)
    except (ValueError, TypeError, binascii.Error, UnicodeError):
        raise InvalidInput(_("This page link is not valid any more; start from the first page."), field="after")
    return due, pk


def oversight_unit_ids(user, grants=None):
    """Ids of the units where ``user`` may reassign tasks or decide cases (one query after the grants)."""
    if grants is None:
        grants = grants_for(user)
    by_power, units = unit_ids_by_power(grants, list(OVERSIGHT_POWERS))
    return set().union(*by_power.values()), units


def overdue_cases_visible_to(user, *, after=None, limit=DEFAULT_LIMIT, on=None, grants=None):
    """Overdue cases (open, due before ``on``, today by default) owned by a unit in a subtree where
    ``user`` may reassign tasks or decide cases; most overdue first, keyset-paginated on
    (due date, id): ``after`` is the previous page's ``next_cursor``.
    Queries: the grants (2, unless given), the units (1), the cases (1)."""
    on = on or timezone.localdate()
    limit = max(1, min(int(limit), MAX_LIMIT))
    unit_ids, units = oversight_unit_ids(user, grants)
    if not unit_ids:
        return Page(rows=[])
    qs = Case.objects.filter(overdue_q(on), owning_unit_id__in=sorted(unit_ids))
    if after:
        due, pk = decode_cursor(after)
        qs = qs.filter(Q(due_date__gt=due) | Q(due_date=due, pk__gt=pk))
    rows = list(qs.order_by("due_date", "pk")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    for case in rows:
        case.days_overdue = days_overdue(case.due_date, on)
        case.state_label = labels.state_in_sentence(case)
        case.unit = units.get(case.owning_unit_id)
    return Page(rows=rows, next_cursor=encode_cursor(rows[-1]) if more and rows else None, units=units)


def unread_alerts(user, limit=DEFAULT_LIMIT):
    """The user's unread staff alerts, newest first, with their case (one query)."""
    return list(
        StaffAlert.objects.filter(user=user, read_at__isnull=True)
        .select_related("case")
        .order_by("-created_at", "-pk")[:limit]
    )


__all__ = [
    "RULES",
    "DeadlineRule",
    "Marked",
    "OverdueRun",
    "case_mark_overdue",
    "mark_overdue",
    "overdue_cases_visible_to",
    "overdue_q",
    "open_cases_q",
    "supervisors_of",
    "unread_alerts",
]
