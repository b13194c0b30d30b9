"""Read-only queries for the supervisor pages: a team's workload, a caseworker's tasks, the
decisions waiting for a supervisor, and the figures of the queue charts. Nothing here changes data.

Scope: the units where the user holds the power to reassign tasks or to decide cases (their
subtrees). Every function runs a fixed number of grouped queries, whatever the number of tasks,
on the partial indexes of ``workflows/migrations`` (0001: queues and inboxes; 0002: open tasks
by unit, finished tasks by unit) and the snapshot table of ``workflows.models``.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist
from django.db import connection
from django.db.models import Count, Exists, Min, OuterRef, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from roles.backends import unit_paths_where
from roles.models import AuthorityLimit, RoleAssignment
from roles.powers import POWER_PERMISSION, Power, roles_with
from roles.selectors import delegate_ids_of
from workflows.models import QueueSnapshot

from .models import Case
from .selectors import (
    HUMAN,
    MAX_QUEUE_BRANCHES,
    QUEUE_POWERS,
    TASK_ROW_RELATED,
    Page,
    _int_or_none,
    decode_cursor,
    unit_ids_by_power,
    units_under,
)

# Powers by which a user supervises a unit's work (brief: reassign or decide there).
SUPERVISING_POWERS = (Power.REASSIGN_TASK, Power.DECIDE_CASE)
# The queue permission of decision tasks (every flow's deciding node).
DECISION_PERMISSION = "roles.decide_cases"
OPEN = (STATUS.NEW, STATUS.ASSIGNED)
# Powers for which a role makes someone a member of a unit's team.
TEAM_POWERS = (Power.WORK_CASE, Power.DECIDE_CASE, Power.MEDICAL_DECISION)
# A caseworker's page lists this many tasks at most: as many as one request may move.
PERSON_PAGE_SIZE = 100
# A queue's size on the workload page is counted up to this many tasks ("more than").
QUEUE_COUNT_CAP = 5_000
# Above this many open tasks in a chart's subtree, today's live figure reads "more than".
LIVE_COUNT_CAP = 100_000
CHART_DAYS = 30


@dataclass
class Scope:
    """The units a supervisor oversees: ``units`` {id: OrgUnit} for both powers together,
    ``reassign`` and ``decide`` the ids where each power is held."""

    units: dict
    reassign: set
    decide: set

    @property
    def ids(self):
        return self.reassign | self.decide

    def top_units(self):
        """The units at the top of the supervised subtrees, by path."""
        units = sorted((self.units[pk] for pk in self.ids), key=lambda u: u.path)
        return [u for u in units if not any(o.path != u.path and u.path.startswith(o.path) for o in units)]

    def subtree_ids(self, unit):
        return {pk for pk in self.ids if self.units[pk].path.startswith(unit.path)}

    def children(self, unit):
        depth = unit.path.count(".") + 1
        return sorted(
            (
                u
                for pk, u in self.units.items()
                if pk in self.ids and u.path.startswith(unit.path) and u.path.count(".") == depth
            ),
            key=lambda u: u.path,
        )

    def ordered(self):
        """Every supervised unit in tree order (for a unit picker)."""
        return sorted((self.units[pk] for pk in self.ids), key=lambda u: u.path)


def supervision_scope(user):
    """The ``Scope`` of ``user``, as django-guardian's rows give them the supervising powers
    (``roles.backends``: one query, once per user object) and the units (one query)."""
    roots = {power: unit_paths_where(user, POWER_PERMISSION[power]) for power in SUPERVISING_POWERS}
    by_power, units = units_under(roots)
    return Scope(units=units, reassign=by_power[Power.REASSIGN_TASK], decide=by_power[Power.DECIDE_CASE])


def _strs(ids):
    return [str(pk) for pk in sorted(ids)]


# --- Team workload ---------------------------------------------------------------------------------


@dataclass
class Worker:
    user: object
    open: int = 0
    overdue: int = 0
    oldest: dt.datetime | None = None


@dataclass
class QueueSize:
    unit: object
    sizes: dict = field(default_factory=dict)  # {queue permission: unassigned tasks, at most the cap}
    capped: set = field(default_factory=set)  # the queues holding more than QUEUE_COUNT_CAP tasks

    @property
    def total(self):
        return sum(self.sizes.values())


def team_workload(unit, scope, *, on=None):
    """The workload of ``unit``'s team: (workers, queue sizes).

    Workers: the staff holding a role that works cases at ``unit`` and whoever holds a task of
    its queues, with their open tasks there, how many of those are overdue (the case's due date
    before ``on``) and the oldest. Queue sizes: unassigned tasks per queue of ``unit`` and of
    each supervised unit just below it, each counted up to ``QUEUE_COUNT_CAP``. Three queries."""
    on = on or timezone.localdate()
    # The case is reached by its process id (unique on the case table), not through viewflow's
    # process table, which the planner would otherwise scan whole.
    late = Case.objects.filter(process_id=OuterRef("process_id"), due_date__lt=on)
    by_owner = list(
        Task.objects.filter(status=STATUS.ASSIGNED, flow_task_type=HUMAN, owner_permission_obj_pk=str(unit.pk))
        .values("owner_id")
        .annotate(n=Count("pk"), late=Count("pk", filter=Exists(late)), oldest=Min("created"))
        .order_by()
    )
    team_roles = sorted({role for power in TEAM_POWERS for role in roles_with(power)})
    members = RoleAssignment.objects.filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=on), org_unit=unit, role__in=team_roles, valid_from__lte=on
    ).values("user_id")
    owner_ids = [row["owner_id"] for row in by_owner]
    users = get_user_model().objects.filter(Q(pk__in=members, is_active=True) | Q(pk__in=owner_ids))
    workers = {u.pk: Worker(user=u) for u in users.order_by("last_name", "first_name", "username")}
    for row in by_owner:
        worker = workers.get(row["owner_id"])
        if worker is not None:
            worker.open, worker.overdue, worker.oldest = row["n"], row["late"], row["oldest"]

    queue_units = [unit, *scope.children(unit)]
    sizes = {u.pk: QueueSize(unit=u) for u in queue_units}
    counts = _capped_queue_counts([(permission, u.pk) for u in queue_units for permission in QUEUE_POWERS])
    for obj_pk, permission, n in counts:
        entry = sizes.get(_int_or_none(obj_pk))
        if entry is not None:
            entry.sizes[permission] = min(n, QUEUE_COUNT_CAP)
            if n > QUEUE_COUNT_CAP:
                entry.capped.add(permission)
    return list(workers.values()), [sizes[u.pk] for u in queue_units]


def _capped_queue_counts(queues):
    """[(unit id as text, queue permission, n)] for the unassigned tasks of each (permission, unit)
    of ``queues``, each counted up to ``QUEUE_COUNT_CAP + 1``: one statement, one branch per
    queue, each reading at most that many entries of the open-tasks-by-unit partial index."""
    if not queues:
        return []
    # Each branch keeps its LIMIT inside a derived table: compound statements may not limit
    # their parts directly on every database.
    branch = (
        "SELECT obj_pk, perm FROM (SELECT owner_permission_obj_pk AS obj_pk, owner_permission AS perm "
        "FROM viewflow_task WHERE status = %s AND flow_task_type = %s AND owner_permission = %s "
        "AND owner_permission_obj_pk = %s LIMIT %s) AS b{i}"
    )
    parts, params = [], []
    for i, (permission, unit_id) in enumerate(queues):
        parts.append(branch.format(i=i))
        params += [STATUS.NEW, HUMAN, permission, str(unit_id), QUEUE_COUNT_CAP + 1]
    sql = f"SELECT obj_pk, perm, COUNT(*) FROM ({' UNION ALL '.join(parts)}) AS queues GROUP BY obj_pk, perm"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def team_member(scope, user_id):
    """The active or inactive user ``user_id`` if they hold a role at a unit of ``scope``, or a task
    in one of its queues; None otherwise (one query)."""
    ids = sorted(scope.reassign)
    if not ids:
        return None
    roles = RoleAssignment.objects.filter(org_unit_id__in=ids).values("user_id")
    tasks = Task.objects.filter(status=STATUS.ASSIGNED, owner_id=user_id, owner_permission_obj_pk__in=_strs(ids))
    return (
        get_user_model().objects.filter(pk=user_id).filter(Q(pk__in=roles) | Q(pk__in=tasks.values("owner_id"))).first()
    )


def open_tasks_of(cases):
    """{case id: its open human task with the owner} for ``cases`` (one query, on the partial
    index of open tasks by process)."""
    by_process = {case.process_id: case.pk for case in cases if case.process_id}
    tasks = Task.objects.filter(process_id__in=list(by_process), status__in=OPEN, flow_task_type=HUMAN)
    return {by_process[task.process_id]: task for task in tasks.select_related("owner")}


# --- A caseworker's tasks ------------------------------------------------------------------------------


def _after_ascending(cursor):
    if not cursor:
        return Q()
    created, pk = decode_cursor(cursor)
    return Q(created__gte=created) & (Q(created__gt=created) | Q(id__gt=pk))


def _ascending_page(rows, limit, **extra):
    from .selectors import encode_cursor

    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows=rows, next_cursor=encode_cursor(rows[-1]) if more and rows else None, **extra)


def tasks_held(person, scope, *, after=None, limit=None):
    """The open tasks ``person`` holds in the queues where the supervisor may reassign, oldest
    first, keyset-paginated, ``PERSON_PAGE_SIZE`` by default (one query)."""
    limit = limit or PERSON_PAGE_SIZE
    ids = sorted(scope.reassign)
    rows = list(
        Task.objects.filter(
            _after_ascending(after),
            status=STATUS.ASSIGNED,
            flow_task_type=HUMAN,
            owner_id=person.pk,
            owner_permission_obj_pk__in=_strs(ids),
        )
        .select_related(*TASK_ROW_RELATED)
        .order_by("created", "id")[: limit + 1]
    )
    for task in rows:
        task.queue_unit = scope.units.get(_int_or_none(task.owner_permission_obj_pk))
    return _ascending_page(rows, limit)


def task_ids_held(person, scope, *, limit):
    """Ids of up to ``limit`` tasks ``person`` holds where the supervisor may reassign, oldest first."""
    return list(
        Task.objects.filter(
            status=STATUS.ASSIGNED,
            flow_task_type=HUMAN,
            owner_id=person.pk,
            owner_permission_obj_pk__in=_strs(scope.reassign),
        )
        .order_by("created", "id")
        .values_list("pk", flat=True)[:limit]
    )


def tasks_in_scope(task_ids, scope):
    """{task id: (queue permission, unit)} of the given tasks that sit in a queue where the
    supervisor may reassign (one query); the others are missing, as if they did not exist."""
    found = Task.objects.filter(
        pk__in=list(task_ids), owner_permission_obj_pk__in=_strs(scope.reassign), flow_task_type=HUMAN
    ).values_list("pk", "owner_permission", "owner_permission_obj_pk")
    return {pk: (permission, scope.units[int(obj_pk)]) for pk, permission, obj_pk in found}


def staff_for_queues(queues, on=None):
    """Active users who may do tasks of every kind in ``queues`` (pairs of queue permission and
    unit) by a role at the unit or above, or by a delegation of such a role; two queries whatever
    the number of queues. A user who may do only some of them is listed too: the service refuses
    the others one by one."""
    on = on or timezone.localdate()
    assignments = RoleAssignment.objects.none()
    query = Q(pk__in=[])
    pairs = sorted({(permission, unit.pk): unit for permission, unit in queues}.items())
    for (permission, _pk), unit in pairs:
        query |= Q(role__in=roles_with(QUEUE_POWERS[permission]), org_unit__path__in=unit.ancestor_paths())
    assignments = RoleAssignment.objects.filter(
        query, Q(valid_to__isnull=True) | Q(valid_to__gte=on), valid_from__lte=on
    )
    powers = {QUEUE_POWERS[permission] for (permission, _pk), _u in pairs}
    delegate_ids = delegate_ids_of(assignments, powers, on)
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(pk__in=assignments.values("user_id")) | Q(pk__in=delegate_ids))
        .order_by("last_name", "first_name", "username")
    )


# --- Decisions waiting ----------------------------------------------------------------------------------

# The case types whose decision tasks carry what a supervisor needs to know before deciding (an
# amount, or who verified the request: four eyes)
# (benefit claims come with the task rows, see ``TASK_ROW_RELATED``).
DECISION_DETAILS = ("contributionrefund", "arrearswaiver", "representativepayee", "powerofattorney")


def _decision_details(case_ids):
    """{case id: the case as the type that carries its recommendation} for the cases of
    ``DECISION_DETAILS`` types (one query; apart from the task rows, whose joins the planner
    would otherwise spend longer ordering than running)."""
    details = {}
    for case in Case.objects.filter(pk__in=case_ids).select_related(*DECISION_DETAILS):
        for name in DECISION_DETAILS:
            try:
                details[case.pk] = getattr(case, name)
            except ObjectDoesNotExist:
                continue
    return details


def _decision_case(case, details):
    try:
        return case.benefitclaim
    except ObjectDoesNotExist:
        return details.get(case.pk, case)


def decision_total(case):
    """The amount a decision approves, by which the authority limit is checked (the rule of each
    type's decide service: a claim's instalment times their number; a refund's or waiver's
    recommended amount); None when the type decides no amount."""
    amount = getattr(case, "recommended_amount", None)
    if amount is None:
        return None
    instalments = getattr(case, "recommended_instalments", None)
    return amount * instalments if instalments else amount


def prepared_by(case):
    """Ids of the people who prepared the decision (four eyes: they may not take it)."""
    ids = {
        getattr(case, "recommended_by_id", None),
        getattr(case, "recommended_on_behalf_of_id", None),
        getattr(case, "previous_decider_id", None),
        getattr(case, "verified_by_id", None),
    }
    return ids - {None}


def approvals_waiting(user, grants, *, after=None, limit=50, on=None):
    """Decision tasks waiting in the queues of the units where ``user`` may decide cases, oldest
    first, keyset-paginated on (created, id). Each row carries ``case`` (as its own type),
    ``total``, ``own_work`` (four eyes: the user or the person they act for prepared it) and
    ``above_limit`` (no grant of the user covers the amount there). Queries: the units (1), the
    task ids (1), the rows (1), the decision details (1), the authority limits (1)."""
    on = on or timezone.localdate()
    limit = max(1, min(int(limit), 200))
    by_power, units = unit_ids_by_power(grants, [Power.DECIDE_CASE])
    ids = by_power[Power.DECIDE_CASE]
    base = Task.objects.filter(
        _after_ascending(after), status=STATUS.NEW, flow_task_type=HUMAN, owner_permission=DECISION_PERMISSION
    )
    if len(ids) <= MAX_QUEUE_BRANCHES:
        # One branch per unit walks its queue's partial index in order and stops after a page.
        branches = [
            Task.objects.filter(
                pk__in=base.filter(owner_permission_obj_pk=pk).order_by("created", "id").values("pk")[: limit + 1]
            )
            .order_by()
            .values("pk")
            for pk in _strs(ids)
        ] or [Task.objects.none().values("pk")]
        selected = branches[0].union(*branches[1:], all=True) if len(branches) > 1 else branches[0]
    else:
        selected = (
            base.filter(owner_permission_obj_pk__in=_strs(ids)).order_by("created", "id").values("pk")[: limit + 1]
        )
    page_ids = [row["pk"] for row in selected]
    rows = list(
        Task.objects.filter(pk__in=page_ids).select_related(*TASK_ROW_RELATED).order_by("created", "id")[: limit + 1]
    )
    details = _decision_details([task.process.case.pk for task in rows])
    deciding = [g for g in grants if Power.DECIDE_CASE in g.powers]
    limits = {}
    for role, level, amount in (
        AuthorityLimit.objects.filter(
            role__in=sorted({g.role for g in deciding}) or [""],
            level__in=sorted({g.unit_level for g in deciding}) or [""],
            valid_from__lte=on,
        )
        .order_by("role", "level", "-valid_from")
        .values_list("role", "level", "amount")
    ):
        limits.setdefault((role, level), amount)
    for task in rows:
        unit = units.get(_int_or_none(task.owner_permission_obj_pk))
        task.queue_unit = unit
        case = _decision_case(task.process.case, details)
        task.case = case
        task.total = decision_total(case)
        covering = [g for g in deciding if unit is not None and g.covers(unit)]
        acting = {user.pk} | {g.on_behalf_of_id for g in covering if g.on_behalf_of_id}
        task.own_work = bool(prepared_by(case) & acting)
        task.above_limit = task.total is not None and not any(
            (g.role, g.unit_level) in limits
            and (limits[(g.role, g.unit_level)] is None or task.total <= limits[(g.role, g.unit_level)])
            for g in covering
        )
    return _ascending_page(rows, limit, units=units)


# --- Charts ------------------------------------------------------------------------------------------


@dataclass
class DayFigure:
    day: dt.date
    value: int | None  # None: no snapshot that day
    live: bool = False


def open_tasks_by_day(unit_ids, *, on=None, days=CHART_DAYS):
    """Open tasks (assigned or not) in the queues of ``unit_ids`` on each of the ``days`` days up
    to ``on`` (today by default): past days from the daily snapshots (None for a day without
    one), today's live figure counted up to ``LIVE_COUNT_CAP``. Two queries.
    Returns (figures, capped)."""
    on = on or timezone.localdate()
    start = on - dt.timedelta(days=days - 1)
    by_day = dict(
        QueueSnapshot.objects.filter(unit_id__in=sorted(unit_ids), day__gte=start, day__lt=on)
        .values_list("day")
        .annotate(n=Sum("open_tasks"))
        .order_by()
    )
    # Only indexed columns, no ordering: the count reads the open-tasks-by-unit index alone.
    live = (
        Task.objects.filter(status__in=OPEN, flow_task_type=HUMAN, owner_permission_obj_pk__in=_strs(unit_ids))
        .order_by()
        .values("owner_permission_obj_pk")[: LIVE_COUNT_CAP + 1]
        .count()
    )
    figures = [DayFigure(day, by_day.get(day)) for day in _days(start, on - dt.timedelta(days=1))]
    figures.append(DayFigure(on, min(live, LIVE_COUNT_CAP), live=True))
    return figures, live > LIVE_COUNT_CAP


def completed_by_day(unit_ids, *, on=None, days=CHART_DAYS):
    """Tasks finished in the queues of ``unit_ids`` on each of the ``days`` days up to ``on``:
    ({day: {"work": n, "decisions": n}} for every day, 0 included). One grouped query on the
    index of finished tasks by unit."""
    on = on or timezone.localdate()
    start = on - dt.timedelta(days=days - 1)
    since = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
    result = {day: {"work": 0, "decisions": 0} for day in _days(start, on)}
    rows = (
        Task.objects.filter(
            status=STATUS.DONE, flow_task_type=HUMAN, owner_permission_obj_pk__in=_strs(unit_ids), finished__gte=since
        )
        .annotate(day=TruncDate("finished"))
        .values_list("day", "owner_permission")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for day, permission, n in rows:
        if day in result:
            result[day]["decisions" if permission == DECISION_PERMISSION else "work"] += n
    return result


def _days(first, last):
    day = first
    while day <= last:
        yield day
        day += dt.timedelta(days=1)


__all__ = [
    "Scope",
    "approvals_waiting",
    "completed_by_day",
    "open_tasks_by_day",
    "open_tasks_of",
    "staff_for_queues",
    "supervision_scope",
    "task_ids_held",
    "tasks_held",
    "tasks_in_scope",
    "team_member",
    "team_workload",
]
