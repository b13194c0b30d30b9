"""Staff pages for oversight: overdue cases in the user's subtree, and the case report.

They read through ``cases.deadlines`` and ``cases.reports`` and hold no rule of their own.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from cases import deadlines, labels, reports, workload
from roles.errors import DomainError
from roles.powers import Power

from .navigation import staff_grants

PAGE_SIZE = 50


_grants = staff_grants  # the user's grants, read once per request (shared with the navigation)


@login_required
@require_GET
def overdue(request):
    """Overdue cases in the subtrees where the user may reassign tasks or decide cases, most overdue
    first, with who holds each one's open task (linked to their tasks, to reassign them), and the
    user's unread alerts."""
    after = request.GET.get("after")
    try:
        page = deadlines.overdue_cases_visible_to(request.user, after=after, limit=PAGE_SIZE, grants=_grants(request))
    except DomainError as exc:
        messages.error(request, exc.message)
        after = None
        page = deadlines.overdue_cases_visible_to(request.user, limit=PAGE_SIZE, grants=_grants(request))
    tasks = workload.open_tasks_of(page.rows)
    for case in page.rows:
        case.open_task = tasks.get(case.pk)
    grants = _grants(request)
    context = {
        "page": page,
        "alerts": deadlines.unread_alerts(request.user),
        "first_page": bool(after),
        "supervises": any(g.powers.intersection(deadlines.OVERSIGHT_POWERS) for g in grants),
        "may_reassign": any(Power.REASSIGN_TASK in g.powers for g in grants),
        "section": "overdue",
    }
    return render(request, "backoffice/overdue.html", context)


@login_required
@require_GET
def report(request):
    """The case report (the same numbers as ``manage.py case_report``) for the units the user may see."""
    roots = reports.visible_roots(request.user, grants=_grants(request))
    if not roots:
        raise PermissionDenied(_("You hold no role that lets you see cases."))
    data = reports.case_report(roots=roots)
    rows = []
    for case_type, entry in data["types"].items():
        states = labels.state_labels(case_type)
        rows.append(
            {
                "case_type": case_type,
                "label": entry["label"],
                "total": entry["total"],
                "overdue": entry["overdue"],
                "states": [(state, states.get(state, state), n) for state, n in entry["states"].items()],
            }
        )
    return render(request, "backoffice/report.html", {"report": data, "rows": rows, "section": "report"})
