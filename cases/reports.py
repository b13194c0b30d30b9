"""The case report: for each case type, how many cases are in each state and how many are overdue.

One GROUP BY query counts the cases by type and state, one counts the overdue cases by type
(open in their type's sense and due before the day, the definition of ``cases.deadlines``),
whatever the number of types, states or cases. The management command ``case_report`` and the
staff page ``/report/`` both call ``case_report``: the page limits it to the units the user may
see.
"""

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from roles.powers import Power
from roles.selectors import grants_for

from .deadlines import overdue_q
from .labels import state_labels
from .models import CASE_MODELS, Case, CaseType


def visible_roots(user, grants=None):
    """Paths of the units at the top of the subtrees where ``user`` may view cases (no query when
    ``grants`` are given): a supervisor's unit, or the central office for central staff."""
    if grants is None:
        grants = grants_for(user)
    paths = sorted({g.unit_path for g in grants if Power.VIEW_CASE in g.powers})
    # A subtree inside another adds nothing.
    return [p for p in paths if not any(p != q and p.startswith(q) for q in paths)]


def _scope(roots):
    if roots is None:
        return Q()
    query = Q(pk__in=[])
    for path in roots:
        query |= Q(owning_unit__path__startswith=path)
    return query


def case_report(*, roots=None, on=None):
    """{"generated_at", "on", "types": {case_type: {"label", "states": {state: n}, "overdue": n,
    "total": n}}} for the cases owned by units under ``roots`` (unit paths; None: every unit).
    Every type and every state of its state machine is listed, with 0 when there are none.
    Two queries."""
    on = on or timezone.localdate()
    scope = _scope(roots)
    types = {}
    for case_type, model in CASE_MODELS.items():
        types[case_type] = {
            "label": str(CaseType(case_type).label),
            "states": {state: 0 for state in model.States.values},
            "overdue": 0,
            "total": 0,
        }
    by_state = (
        Case.objects.filter(scope)
        .values_list("case_type", "state")
        .annotate(n=Count("pk"))
        .order_by("case_type", "state")
    )
    for case_type, state, n in by_state:
        entry = types.get(case_type)
        if entry is None:
            continue
        entry["states"][state] = entry["states"].get(state, 0) + n
        entry["total"] += n
    overdue = Case.objects.filter(scope, overdue_q(on)).values_list("case_type").annotate(n=Count("pk")).order_by()
    for case_type, n in overdue:
        if case_type in types:
            types[case_type]["overdue"] = n
    return {"generated_at": timezone.now().isoformat(), "on": on.isoformat(), "types": types}


def report_as_text(report):
    """The report for people: one block per case type."""
    lines = [_("Case report, %(on)s (generated %(at)s)") % {"on": report["on"], "at": report["generated_at"]}]
    for case_type, entry in report["types"].items():
        states = state_labels(case_type)
        lines.append("")
        lines.append(
            _("%(type)s: %(total)s case(s), %(overdue)s overdue")
            % {"type": entry["label"], "total": entry["total"], "overdue": entry["overdue"]}
        )
        for state, n in entry["states"].items():
            lines.append(f"  {str(states.get(state, state)):<32} {n:>8}")
    return "\n".join(lines)
