"""Staff pages of the supervisor: team workload, a caseworker's tasks and their reassignment (one
or many at once), decisions waiting, and charts of the queues over time.

Everything is limited to the units where the user may reassign tasks or decide cases (their
subtrees, ``cases.workload.supervision_scope``); a unit, person or task outside it answers 404
like a missing one. Reads go through ``cases.workload``; moves through
``cases.assignment.tasks_reassign`` (one transaction per case, through ``cases.engine``).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from cases import workload
from cases.assignment import MAX_BATCH, tasks_reassign
from roles.errors import DomainError
from roles.powers import Power

from .navigation import staff_grants
from .svg_charts import bar_chart, grouped
from .views import _label_rows

QUEUE_LABELS = {
    "roles.work_cases": gettext_lazy("Work"),
    "roles.decide_cases": gettext_lazy("Decisions"),
    "roles.medical_cases": gettext_lazy("Medical"),
}
QUEUE_ORDER = ("roles.work_cases", "roles.decide_cases", "roles.medical_cases")
APPROVALS_PAGE_SIZE = 50


def _scope(request, *, reassign=False):
    """The user's supervision scope; 403 when they supervise nothing (a page, not an object)."""
    scope = workload.supervision_scope(request.user)
    if not (scope.reassign if reassign else scope.ids):
        raise PermissionDenied(_("You supervise no unit."))
    return scope


def _unit(scope, unit_id, request=None):
    """The unit of the URL (or of the unit picker's ``?unit=``), which must be supervised; by
    default the first unit at the top of the user's scope."""
    if unit_id is None and request is not None and request.GET.get("unit"):
        try:
            unit_id = int(request.GET["unit"])
        except ValueError:
            raise Http404(_("No such unit.")) from None
    if unit_id is None:
        return scope.top_units()[0]
    if unit_id not in scope.ids:
        raise Http404(_("No such unit."))
    return scope.units[unit_id]


def _unit_choices(scope, unit):
    top = min(u.path.count(".") for u in scope.ordered())
    return [
        {"unit": u, "indent": "– " * (u.path.count(".") - top), "current": u.pk == unit.pk} for u in scope.ordered()
    ]


@login_required
@require_GET
def team_workload(request, unit_id=None):
    """Open and overdue tasks per caseworker of a unit, and the unassigned queues of the unit and
    of the units just below it."""
    scope = _scope(request)
    unit = _unit(scope, unit_id, request)
    workers, queues = workload.team_workload(unit, scope)
    queue_rows = [
        {
            "unit": q.unit,
            "sizes": [_size(q.sizes.get(p, 0), p in q.capped) for p in QUEUE_ORDER],
            "total": _size(q.total, bool(q.capped)),
            "is_unit": q.unit.pk == unit.pk,
        }
        for q in queues
    ]
    context = {
        "unit": unit,
        "units": _unit_choices(scope, unit),
        "workers": [
            {"worker": w, "open": grouped(w.open), "overdue": grouped(w.overdue), "has_overdue": w.overdue > 0}
            for w in workers
        ],
        "queue_rows": queue_rows,
        "queue_labels": [QUEUE_LABELS[p] for p in QUEUE_ORDER],
        "may_reassign": unit.pk in scope.reassign,
        "section": "team",
    }
    return render(request, "backoffice/team/workload.html", context)


def _size(n, capped):
    """A queue's size; a capped count reads "at least"."""
    return _("%(n)s or more") % {"n": grouped(n)} if capped else grouped(n)


def _person(scope, user_id):
    person = workload.team_member(scope, user_id)
    if person is None:
        raise Http404(_("No such person in your team."))
    return person


def _label(user):
    return user.get_full_name() or user.get_username()


@login_required
@require_GET
def team_person(request, user_id):
    """The tasks a caseworker holds in the supervisor's units, oldest first, to reassign."""
    scope = _scope(request, reassign=True)
    person = _person(scope, user_id)
    after = request.GET.get("after")
    try:
        page = workload.tasks_held(person, scope, after=after)
    except DomainError as exc:
        messages.error(request, exc.message)
        after = None
        page = workload.tasks_held(person, scope)
    _label_rows(page.rows)
    queues = [(task.owner_permission, task.queue_unit) for task in page.rows]
    candidates = [u for u in workload.staff_for_queues(queues) if u.pk != person.pk] if queues else []
    context = {
        "person": person,
        "person_label": _label(person),
        "page": page,
        "first_page": bool(after),
        "candidates": [{"pk": u.pk, "label": _label(u)} for u in candidates],
        "max_batch": MAX_BATCH,
        "section": "team",
    }
    return render(request, "backoffice/team/person.html", context)


def _task_ids(request):
    try:
        return [int(v) for v in request.POST.getlist("task")]
    except ValueError:
        raise Http404(_("No such task.")) from None


@login_required
@require_POST
def team_reassign(request, user_id):
    """Move the chosen tasks of a caseworker (or all of them, up to the batch size) to another
    person or back to their queues; show what moved and what was refused, and why."""
    scope = _scope(request, reassign=True)
    person = _person(scope, user_id)
    back = reverse("team_person", kwargs={"user_id": person.pk})
    if request.POST.get("select_all"):
        ids = workload.task_ids_held(person, scope, limit=MAX_BATCH + 1)
    else:
        ids = _task_ids(request)
    if not ids:
        messages.error(request, _("Choose at least one task."))
        return redirect(back)
    found = workload.tasks_in_scope(ids, scope)
    if len(found) != len(set(ids)):
        raise Http404(_("No such task."))
    target = request.POST.get("to", "")
    to_user = None
    if target != "queue":
        try:
            target_id = int(target)
        except ValueError:
            messages.error(request, _("Choose who receives the tasks, or put them back in the queue."))
            return redirect(back)
        to_user = next((u for u in workload.staff_for_queues(found.values()) if u.pk == target_id), None)
        if to_user is None or to_user.pk == person.pk:
            messages.error(request, _("This person may not receive these tasks."))
            return redirect(back)
    try:
        result = tasks_reassign(task_ids=ids, actor=request.user, to_user=to_user, from_user_id=person.pk)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    context = {
        "person": person,
        "person_label": _label(person),
        "to_label": _label(to_user) if to_user else None,
        "result": result,
        "moved_text": grouped(len(result.moved)),
        "refused_text": grouped(len(result.refused)),
        "section": "team",
    }
    return render(request, "backoffice/team/reassigned.html", context)


@login_required
@require_GET
def team_approvals(request):
    """Decisions waiting in the queues of the units where the user may decide, oldest first; those
    the user prepared (four eyes) or whose amount is above their limit are marked."""
    grants = staff_grants(request)
    if not any(Power.DECIDE_CASE in g.powers for g in grants):
        raise PermissionDenied(_("You may not decide cases."))
    after = request.GET.get("after")
    try:
        page = workload.approvals_waiting(request.user, grants, after=after, limit=APPROVALS_PAGE_SIZE)
    except DomainError as exc:
        messages.error(request, exc.message)
        after = None
        page = workload.approvals_waiting(request.user, grants, limit=APPROVALS_PAGE_SIZE)
    _label_rows(page.rows)
    context = {"page": page, "first_page": bool(after), "section": "team"}
    return render(request, "backoffice/team/approvals.html", context)


@login_required
@require_GET
def team_charts(request, unit_id=None):
    """Open tasks per day (daily snapshots and today's live figure) and tasks finished per day in a
    unit's subtree, over the last 30 days."""
    scope = _scope(request)
    unit = _unit(scope, unit_id, request)
    ids = scope.subtree_ids(unit)
    today = timezone.localdate()
    open_figures, capped = workload.open_tasks_by_day(ids, on=today)
    finished = workload.completed_by_day(ids, on=today)
    open_chart = bar_chart([(f.day, f.value) for f in open_figures], live_days={today})
    work_chart = bar_chart([(day, v["work"] + v["decisions"]) for day, v in finished.items()])
    rows = [
        {
            "day": day,
            "work": grouped(v["work"]),
            "decisions": grouped(v["decisions"]),
            "total": grouped(v["work"] + v["decisions"]),
        }
        for day, v in finished.items()
    ]
    context = {
        "unit": unit,
        "units": _unit_choices(scope, unit),
        "open_chart": open_chart,
        "capped": capped,
        "cap_text": grouped(workload.LIVE_COUNT_CAP),
        "finished_chart": work_chart,
        "finished_rows": rows,
        "days": workload.CHART_DAYS,
        "section": "team",
    }
    return render(request, "backoffice/team/charts.html", context)
