"""Read-only queries for the staff pages and the API: which cases a user sees, their queue,
their inbox, a case's history. Nothing here changes data.

Lists use keyset pagination on (created DESC, id DESC) with an opaque cursor, never an
offset or a count of the table, and read ``viewflow_task`` through the partial indexes of
``workflows/migrations/0001_queue_indexes.py``.
"""

import base64
import binascii
import datetime as dt
import json
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Count, F, Max, OuterRef, Q, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from audit.models import AuditEvent
from registry.models import BankAccount, ContributionEntry, Employer, EmploymentPeriod, Person
from roles.backends import unit_paths_where
from roles.models import OrgUnit, RoleAssignment
from roles.powers import POWER_PERMISSION, Power, roles_with
from roles.selectors import delegate_ids_of, grants_for, users_with_unit_permission

from .errors import InvalidInput
from .models import PRIORITY_RANK, Case

HUMAN = "HUMAN"
DEFAULT_LIMIT = 50
MAX_LIMIT = 200

# Queue permission of a task -> the power a user needs at the task's unit to take it.
QUEUE_POWERS = {
    "roles.work_cases": Power.WORK_CASE,
    "roles.decide_cases": Power.DECIDE_CASE,
    "roles.medical_cases": Power.MEDICAL_DECISION,
}

# Up to this many (permission, unit) queues, the queue query reads each queue's first rows
# straight off the partial index and merges them; above it (regional and central staff, whose
# queues are a large share of all tasks), one branch per permission with the list of units,
# which keeps the planning time down.
MAX_QUEUE_BRANCHES = 16

TASK_ROW_RELATED = (
    "process__case__person",
    "process__case__employer",
    "process__case__owning_unit",
    "process__case__benefitclaim",
    "owner",
)


@dataclass
class Page:
    """One page of a keyset-paginated list: ``next_cursor`` is None on the last page."""

    rows: list
    next_cursor: str | None = None
    units: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)  # what the reader should know about this page


# --- Visibility -----------------------------------------------------------------------------------


def unit_ids_by_power(grants, powers):
    """{power: ids of every unit where one of ``grants`` gives it} in one query, and the units.

    The same answer as ``roles.selectors.unit_ids_where`` for each power, for grants already read.
    """
    return units_under({power: {g.unit_path for g in grants if power in g.powers} for power in powers})


def units_under(roots):
    """{key: ids of the units under any of its ``roots`` paths} and {id: unit}, in one query."""
    all_roots = set().union(*roots.values()) if roots else set()
    if not all_roots:
        return {key: set() for key in roots}, {}
    query = Q()
    for path in all_roots:
        query |= Q(path__startswith=path)
    units = {u.pk: u for u in OrgUnit.objects.filter(query).only("id", "path", "name", "code", "level")}
    by_key = {
        key: {pk for pk, u in units.items() if any(u.path.startswith(p) for p in paths)} for key, paths in roots.items()
    }
    return by_key, units


def cases_visible_to(user, *, grants=None):
    """The cases ``user`` may see: those owned by a unit where they hold the power to view cases.

    ``grants``: the user's grants when the caller already read them (``roles.selectors.grants_for``).
    """
    if grants is None:
        grants = grants_for(user)
    ids = unit_ids_by_power(grants, [Power.VIEW_CASE])[0][Power.VIEW_CASE]
    if not ids:
        return Case.objects.none()
    return Case.objects.filter(owning_unit_id__in=ids)


# --- Cursor ---------------------------------------------------------------------------------------


def encode_cursor(row):
    raw = json.dumps([row.created.isoformat(), row.pk], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor):
    """(created, id) from a cursor made by ``encode_cursor``; InvalidInput if it is not one."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        created, pk = json.loads(base64.urlsafe_b64decode(padded.encode()))
        created = dt.datetime.fromisoformat(created)
        if created.tzinfo is None or not isinstance(pk, int):
            raise ValueError(cursor)
    except (ValueError, TypeError, binascii.Error, UnicodeError):
        raise InvalidInput(_("This page link is not valid any more; start from the first page."), field="after")
    return created, pk


def _after(cursor):
    """The rows after the cursor in (created DESC, id DESC) order."""
    if not cursor:
        return Q()
    created, pk = decode_cursor(cursor)
    return Q(created__lte=created) & (Q(created__lt=created) | Q(id__lt=pk))


def _limit(limit):
    return max(1, min(int(limit), MAX_LIMIT))


def _page(rows, limit, **extra):
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows=rows, next_cursor=encode_cursor(rows[-1]) if more and rows else None, **extra)


ORDER = ("-created", "-id")


# --- Sorting ---------------------------------------------------------------------------------------


CASE_PREFIX = "process__case__"


@dataclass(frozen=True)
class Key:
    """One column of a sort order: its lookup from the task, direction, and whether it may be NULL
    (NULLs sort last)."""

    lookup: str
    descending: bool = False
    nullable: bool = False

    def order(self):
        expression = F(self.lookup)
        return (
            expression.desc()
            if self.descending
            else expression.asc(nulls_last=True)
            if self.nullable
            else expression.asc()
        )

    def on_case(self):
        """This key read from the case's copy of its open task (``Case.task_*``)."""
        if self.lookup.startswith(CASE_PREFIX):
            lookup = self.lookup[len(CASE_PREFIX) :]
        else:
            lookup = {"created": "task_created", "id": "task_pk"}[self.lookup]
        return Key(lookup, self.descending, self.nullable)

    def value(self, task):
        target = task
        for part in self.lookup.split("__"):
            target = getattr(target, "pk" if part == "id" else part)
        return target


DUE = Key("process__case__due_date", nullable=True)
RANK = Key("process__case__priority_rank", descending=True)
CASE_ID = Key("process__case__id")
CREATED_ASC, ID_ASC = Key("created"), Key("id")

# Sorts of the queue and the inbox: their keys, each ending with a unique one (keyset pagination).
# By due date and by priority, ties go in case order: the case indexes (case_due,
# case_priority_due) then give the whole order and the database reads a page's rows, not every
# case due on the same day.
SORTS = {
    "newest": (Key("created", descending=True), Key("id", descending=True)),
    "oldest": (CREATED_ASC, ID_ASC),
    "due": (DUE, CASE_ID, ID_ASC),
    "priority": (RANK, DUE, CASE_ID, ID_ASC),
    # The order of "take next": most urgent first, then the earliest due date, then the task
    # that has waited longest.
    "take_next": (RANK, DUE, CREATED_ASC, ID_ASC),
}
SORT_CHOICES = (
    ("newest", gettext_lazy("Newest first")),
    ("oldest", gettext_lazy("Oldest first")),
    ("due", gettext_lazy("Due date, earliest first")),
    ("priority", gettext_lazy("Priority, most urgent first")),
)
DEFAULT_SORT = "newest"


def _sort(sort):
    if sort in (None, ""):
        return DEFAULT_SORT
    if sort not in SORTS:
        raise InvalidInput(_("Choose a sort order from the list."), field="sort")
    return sort


def _json_value(value):
    if isinstance(value, dt.datetime):
        return ["t", value.isoformat()]
    if isinstance(value, dt.date):
        return ["d", value.isoformat()]
    return value


def _from_json(value):
    if isinstance(value, list):
        kind, text = value
        if kind == "t":
            parsed = dt.datetime.fromisoformat(text)
            if parsed.tzinfo is None:
                raise ValueError(text)
            return parsed
        if kind == "d":
            return dt.date.fromisoformat(text)
        raise ValueError(kind)
    if value is not None and not isinstance(value, int):
        raise ValueError(value)
    return value


def encode_sort_cursor(sort, row):
    """A cursor after ``row`` in the order ``sort``; the newest-first order keeps the plain cursor."""
    if sort == DEFAULT_SORT:
        return encode_cursor(row)
    raw = json.dumps([sort, *(_json_value(k.value(row)) for k in SORTS[sort])], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_sort_cursor(sort, cursor):
    if sort == DEFAULT_SORT:
        return list(decode_cursor(cursor))
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        name, *values = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if name != sort or len(values) != len(SORTS[sort]):
            raise ValueError(cursor)
        values = [_from_json(v) for v in values]
        keys = SORTS[sort]
        if any(v is None and not k.nullable for k, v in zip(keys, values, strict=True)):
            raise ValueError(cursor)
    except (ValueError, TypeError, binascii.Error, UnicodeError):
        raise InvalidInput(_("This page link is not valid any more; start from the first page."), field="after")
    return values


def _keyset(sort, cursor, keys=None):
    """The rows after ``cursor`` in the order ``sort``: a row comes after when its first key that
    differs comes after; NULLs come last. The first key also bounds the index range. ``keys``:
    the sort's keys as other lookups read them (``Key.on_case``)."""
    if not cursor:
        return Q()
    keys, values = keys or SORTS[sort], _decode_sort_cursor(sort, cursor)
    condition = None
    for key, value in reversed(list(zip(keys, values, strict=True))):
        if value is None:  # only NULLs follow, and they are equal here
            later, equal = Q(pk__in=[]), Q(**{f"{key.lookup}__isnull": True})
        else:
            later = Q(**{f"{key.lookup}__{'lt' if key.descending else 'gt'}": value})
            if key.nullable:
                later |= Q(**{f"{key.lookup}__isnull": True})
            equal = Q(**{key.lookup: value})
        condition = later if condition is None else later | (equal & condition)
    first, value = keys[0], values[0]
    if value is not None and not first.nullable:
        condition &= Q(**{f"{first.lookup}__{'lte' if first.descending else 'gte'}": value})
    return condition


def _sorted_page(rows, limit, sort, **extra):
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows=rows, next_cursor=encode_sort_cursor(sort, rows[-1]) if more and rows else None, **extra)


# --- Queue ----------------------------------------------------------------------------------------

# How many persons and employers a search by name may match before it asks for more letters.
SUBJECT_MATCHES = 200


@dataclass
class Subject:
    """The persons and employers a search of the subject found (two queries)."""

    person_ids: list
    employer_ids: list

    @property
    def too_many(self):
        return len(self.person_ids) >= SUBJECT_MATCHES or len(self.employer_ids) >= SUBJECT_MATCHES

    def q(self, prefix=CASE_PREFIX):
        return Q(**{f"{prefix}person_id__in": self.person_ids}) | Q(**{f"{prefix}employer_id__in": self.employer_ids})


def find_subject(text):
    """Persons whose social security number is ``text`` or whose last name starts with it, and
    employers whose registration number is ``text`` or whose name starts with it. Exact numbers
    read the unique indexes, names the prefix indexes of migration cases 0004."""
    text = " ".join(str(text).split())
    persons = Person.objects.filter(Q(ssn=text) | Q(last_name__istartswith=text)).order_by()
    employers = Employer.objects.filter(Q(registration_number=text) | Q(name__istartswith=text)).order_by()
    return Subject(
        person_ids=list(persons.values_list("pk", flat=True)[:SUBJECT_MATCHES]),
        employer_ids=list(employers.values_list("pk", flat=True)[:SUBJECT_MATCHES]),
    )


def _case_filters(benefit_type, state, due_before, due_after, case_type=None, priority=None, prefix=CASE_PREFIX):
    """The filters as a Q on the case, its lookups starting with ``prefix`` ("" on Case itself)."""
    q = {}
    if case_type:
        q["case_type"] = case_type
    if benefit_type:
        q["benefitclaim__benefit_type"] = benefit_type
    if state:
        q["state"] = state
    if priority:
        if priority not in PRIORITY_RANK:
            raise InvalidInput(_("Choose a priority from the list."), field="priority")
        q["priority_rank"] = PRIORITY_RANK[priority]
    if due_before:
        q["due_date__lte"] = due_before
    if due_after:
        q["due_date__gte"] = due_after
    return Q(**{f"{prefix}{lookup}": value for lookup, value in q.items()})


def _queue_branches(base, queues, limit, order=ORDER):
    """One ordered, limited selection of task ids per queue (or per permission when the user
    reaches many units). Each branch walks the partial index
    (owner_permission, owner_permission_obj_pk, created DESC, id DESC), forwards or backwards, and
    stops after ``limit`` rows, so the merge reads at most branches x limit rows whatever the
    queue size."""
    pairs = [(permission, str(pk)) for permission, ids in queues.items() for pk in sorted(ids)]
    if len(pairs) <= MAX_QUEUE_BRANCHES:
        selections = [base.filter(owner_permission=perm, owner_permission_obj_pk=pk) for perm, pk in pairs]
    else:
        selections = [
            base.filter(owner_permission=perm, owner_permission_obj_pk__in=[str(pk) for pk in ids])
            for perm, ids in queues.items()
            if ids
        ]
    # A branch keeps its ORDER BY ... LIMIT inside an IN (...) subquery: compound statements
    # may not order or limit their parts on every database.
    return [
        Task.objects.filter(pk__in=s.order_by(*order).values("pk")[:limit]).order_by().values("pk") for s in selections
    ]


def user_queues(user):
    """({queue permission: ids of the units where ``user`` may take its tasks}, {id: unit}), as
    django-guardian's rows say (``roles.backends``: the user's unit permissions, one query once
    per user object; a permission on a unit reaches its subtree), and the units (1 query)."""
    ids, units = units_under({permission: unit_paths_where(user, permission) for permission in QUEUE_POWERS})
    return {permission: found for permission, found in ids.items() if found}, units


def _mirror_branches(base, queues, limit, order):
    """``_queue_branches`` on the cases' copy of their open task (``Case.task_*``): one ordered,
    limited selection of task ids per queue (or per permission when the user reaches many units),
    each walking a partial index of cases waiting in a queue (migration cases 0005)."""
    pairs = [(permission, pk) for permission, ids in queues.items() for pk in sorted(ids)]
    if len(pairs) <= MAX_QUEUE_BRANCHES:
        selections = [base.filter(task_queue=perm, task_unit_id=pk) for perm, pk in pairs]
    else:
        selections = [base.filter(task_queue=perm, task_unit_id__in=sorted(ids)) for perm, ids in queues.items() if ids]
    return [
        Case.objects.filter(pk__in=s.order_by(*order).values("pk")[:limit]).order_by().values("task_pk")
        for s in selections
    ]


def queue_task_ids(
    queues, *, sort=DEFAULT_SORT, filters=None, case_filters=None, after=None, limit=DEFAULT_LIMIT, exclude=()
):
    """The ids of up to ``limit`` open, unassigned tasks of ``queues`` in the order ``sort``
    (one query). ``filters``: a Q from the task to its case (``_case_filters``); ``case_filters``
    instead: a Q on the case itself (``prefix=""``), for filters that few waiting tasks may match.

    Without filters, newest or oldest first, each queue's first rows come straight off its
    partial index; otherwise the database starts from the matching cases, or walks the case
    indexes in the order of the sort (priority and due date), and reaches each case's open task
    through the partial index on open tasks by process. With ``case_filters``, it selects the
    cases waiting in each queue by their copy of the open task (``Case.task_*``), through the
    partial indexes of waiting cases by queue and state or due date, and returns their tasks' ids:
    a state or a due date that few waiting tasks have reads those cases only."""
    sort = _sort(sort)
    if case_filters:
        keys = [k.on_case() for k in SORTS[sort]]
        base = Case.objects.filter(
            _keyset(sort, after, keys),
            case_filters,
            task_status=STATUS.NEW,
            owning_unit_id__in=set().union(*queues.values()),
        )
        if exclude:
            base = base.exclude(task_pk__in=list(exclude))
        branches = _mirror_branches(base, queues, limit, [k.order() for k in keys])
        selected = branches[0].union(*branches[1:], all=True) if len(branches) > 1 else branches[0]
        return [row["task_pk"] for row in selected]
    filters = filters or Q()
    base = Task.objects.filter(_keyset(sort, after), status=STATUS.NEW, flow_task_type=HUMAN)
    if exclude:
        base = base.exclude(pk__in=list(exclude))
    order = [k.order() for k in SORTS[sort]]
    if not filters and sort in ("newest", "oldest"):
        branches = _queue_branches(base, queues, limit, order)
        selected = branches[0].union(*branches[1:], all=True) if len(branches) > 1 else branches[0]
    else:
        in_queue = Q()
        for permission, ids in queues.items():
            in_queue |= Q(owner_permission=permission, owner_permission_obj_pk__in=[str(pk) for pk in ids])
        reachable = set().union(*queues.values())
        selected = (
            base.filter(in_queue, filters, process__case__owning_unit_id__in=reachable)
            .order_by(*order)
            .values("pk")[:limit]
        )
    return [row["pk"] for row in selected]


def unit_queue(
    user,
    *,
    case_type=None,
    benefit_type=None,
    state=None,
    priority=None,
    due_before=None,
    due_after=None,
    subject=None,
    sort=None,
    after=None,
    limit=DEFAULT_LIMIT,
):
    """Open, unassigned human tasks in the queues of the units where ``user`` may do them.

    A task sits in the queue named by its ``owner_permission`` on the unit
    ``owner_permission_obj_pk``; a user sees it where they hold the matching power
    (``QUEUE_POWERS``). Filters apply to the task's case; ``subject`` is a person's social
    security number or an employer's registration number, or the start of a name. ``sort`` is
    one of ``SORTS`` (newest first by default). Keyset-paginated: ``after`` is the
    ``next_cursor`` of the previous page, in the same sort. Queries: the user's guardian rows (1,
    once per user object), the units (1), the subject (2, when searched), the task ids (1), the
    rows (1).
    """
    limit = _limit(limit)
    sort = _sort(sort)
    queues, units = user_queues(user)
    if not queues:
        return Page(rows=[])
    # A state or a due-date range: the cases' copy of their open task (see queue_task_ids). The
    # benefit is on the claim's own table, which those indexes do not cover: with it, the
    # database walks the case indexes in the order of the sort as without a state.
    on_case = bool(state or due_before or due_after) and not benefit_type
    prefix = "" if on_case else CASE_PREFIX
    filters = _case_filters(benefit_type, state, due_before, due_after, case_type, priority, prefix=prefix)
    notes = []
    if subject:
        found = find_subject(subject)
        filters &= found.q(prefix=prefix)
        if found.too_many:
            notes.append(_("Many people or employers match this name; only some are searched. Type more of the name."))
    # The ids first, then the rows by primary key: joined into one statement, the planner keeps
    # the written join order over the case, claim and person tables (seconds at 1M cases).
    ids = queue_task_ids(
        queues,
        sort=sort,
        filters=None if on_case else filters,
        case_filters=filters if on_case else None,
        after=after,
        limit=limit + 1,
    )
    order = [k.order() for k in SORTS[sort]]
    rows = list(Task.objects.filter(pk__in=ids).select_related(*TASK_ROW_RELATED).order_by(*order)[: limit + 1])
    for task in rows:
        task.queue_unit = units.get(_int_or_none(task.owner_permission_obj_pk))
    page = _sorted_page(rows, limit, sort, units=units)
    page.notes = notes
    return page


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# --- Inbox ----------------------------------------------------------------------------------------


def inbox(user, after=None, limit=DEFAULT_LIMIT, sort=None):
    """The open tasks assigned to ``user`` in the order ``sort`` (newest first by default),
    keyset-paginated (one query)."""
    limit = _limit(limit)
    sort = _sort(sort)
    tasks = Task.objects.filter(_keyset(sort, after), owner_id=user.pk, status=STATUS.ASSIGNED, flow_task_type=HUMAN)
    if sort == "due":
        # Through the cases' copy of their open task: the database walks the partial index
        # (task_owner, due_date, id) of held tasks in order and stops after a page, however many
        # tasks the user holds.
        tasks = tasks.filter(process__case__task_owner_id=user.pk, process__case__task_status=STATUS.ASSIGNED)
    rows = list(tasks.select_related(*TASK_ROW_RELATED).order_by(*(k.order() for k in SORTS[sort]))[: limit + 1])
    return _sorted_page(rows, limit, sort)


# --- One case ---------------------------------------------------------------------------------------


def case_history(case):
    """Every audit event of the case, oldest first (one query)."""
    return (
        AuditEvent.objects.filter(subject_type="case", subject_id=str(case.pk))
        .select_related("actor", "on_behalf_of")
        .order_by("seq")
    )


def open_task_of(case):
    """The case's open human task with its owner, or None (one query)."""
    if not case.process_id:
        return None
    return (
        Task.objects.filter(process_id=case.process_id, status__in=(STATUS.NEW, STATUS.ASSIGNED), flow_task_type=HUMAN)
        .select_related("owner")
        .order_by("-id")
        .first()
    )


def _months_ago(months, today=None):
    today = today or timezone.localdate()
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    return dt.date(year, month + 1, 1)


def mask_account(iban):
    """An account number shown by its first and last four characters."""
    iban = (iban or "").replace(" ", "")
    if len(iban) <= 8:
        return "•" * len(iban)
    return f"{iban[:4]} •••• {iban[-4:]}"


def subject_registry(case):
    """What the registry holds on the case's person or employer, in one query: for a person the
    current bank account (masked), the current employment, and a summary of the contribution
    ledger (months recorded, the last one, insurable earnings of the last twelve months); for an
    employer its current employees and the same ledger summary. None when the case has neither."""
    since = _months_ago(12)
    if case.person_id:
        accounts = BankAccount.objects.filter(person=OuterRef("pk"), valid_to__isnull=True).order_by(
            "-valid_from", "-id"
        )
        jobs = EmploymentPeriod.objects.filter(person=OuterRef("pk"), end__isnull=True).order_by("-start", "-id")
        ledger = ContributionEntry.objects.filter(person=OuterRef("pk")).order_by().values("person")
        row = (
            Person.objects.filter(pk=case.person_id)
            .annotate(
                account_iban=Subquery(accounts.values("iban")[:1]),
                account_verified=Subquery(accounts.values("verified")[:1]),
                employer_name=Subquery(jobs.values("employer__name")[:1]),
                employed_since=Subquery(jobs.values("start")[:1]),
                ledger_months=Subquery(ledger.annotate(n=Count("id")).values("n")),
                ledger_last=Subquery(ledger.annotate(m=Max("period")).values("m")),
                ledger_earnings=Subquery(
                    ledger.filter(period__gte=since).annotate(t=Sum("insurable_earnings")).values("t")
                ),
            )
            .values(
                "account_iban",
                "account_verified",
                "employer_name",
                "employed_since",
                "ledger_months",
                "ledger_last",
                "ledger_earnings",
            )
            .first()
        )
        if row is None:
            return None
        row["kind"] = "person"
        row["account"] = mask_account(row.pop("account_iban"))
        return row
    if case.employer_id:
        staff = EmploymentPeriod.objects.filter(employer=OuterRef("pk"), end__isnull=True).order_by().values("employer")
        ledger = ContributionEntry.objects.filter(employer=OuterRef("pk")).order_by().values("employer")
        row = (
            Employer.objects.filter(pk=case.employer_id)
            .annotate(
                employees=Subquery(staff.annotate(n=Count("id")).values("n")),
                ledger_last=Subquery(ledger.annotate(m=Max("period")).values("m")),
                ledger_earnings=Subquery(
                    ledger.filter(period__gte=since).annotate(t=Sum("insurable_earnings")).values("t")
                ),
            )
            .values("employees", "ledger_last", "ledger_earnings")
            .first()
        )
        if row is None:
            return None
        row["kind"] = "employer"
        return row
    return None


# --- Staff ---------------------------------------------------------------------------------------


def staff_who_may(power, unit, on=None):
    """Active users who hold ``power`` at ``unit`` on ``on`` (today by default), by a role at the
    unit or above it, or by a delegation of such a role. For today and a power that routes work,
    guardian's rows answer (``roles.backends``: one query when evaluated); otherwise the roles and
    delegations of that day (one query now, one when evaluated)."""
    users = get_user_model().objects.filter(is_active=True).order_by("last_name", "first_name", "username")
    perm = POWER_PERMISSION.get(power)
    if perm is not None and on in (None, timezone.localdate()):
        return users.filter(pk__in=users_with_unit_permission(perm, unit))
    on = on or timezone.localdate()
    assignments = RoleAssignment.objects.filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=on),
        role__in=roles_with(power),
        org_unit__path__in=unit.ancestor_paths(),
        valid_from__lte=on,
    )
    delegate_ids = delegate_ids_of(assignments, [power], on)
    return users.filter(Q(pk__in=assignments.values("user_id")) | Q(pk__in=delegate_ids))


__all__ = [
    "Page",
    "QUEUE_POWERS",
    "SORTS",
    "SORT_CHOICES",
    "find_subject",
    "queue_task_ids",
    "user_queues",
    "case_history",
    "cases_visible_to",
    "decode_cursor",
    "encode_cursor",
    "inbox",
    "mask_account",
    "open_task_of",
    "subject_registry",
    "staff_who_may",
    "unit_ids_by_power",
    "unit_queue",
]
