"""Audit pages: search the trail, a subject's chain status, verification runs, CSV export.

For users holding the power to read the audit trail, and read-only: the only writes are the
records of what the auditor did (a verification asked for, an export), made by
``audit.activity``. An auditor sees the events of the units in their subtree (at the central
office: the whole trail, events without a unit included); a subject outside that scope, like a
missing one, answers 404. Full verifications read every chain, so they are for auditors who
see the whole trail.
"""

import csv
import json
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from audit import activity, selectors
from audit.models import VerificationRun
from audit.services import SYSTEM_LABEL
from audit.verify import verify_subject
from cases.models import Case
from roles.models import OrgUnit
from roles.powers import Power
from roles.selectors import is_top_unit_path

from .forms_audit import SUBJECT_TYPES, AuditSearchForm
from .navigation import staff_grants

SECTION = "audit"
CASE = "case"
SUBJECT_LABELS = dict(SUBJECT_TYPES)


@dataclass(frozen=True)
class Scope:
    """Where an auditor reads: ``units`` (ids) or None for the whole trail, and the grant by
    which they act (recorded with what they do)."""

    units: frozenset | None
    unit_id: int
    on_behalf_of_id: int | None

    @property
    def whole_trail(self):
        return self.units is None


def _scope(request):
    """The auditor's scope (one query for an auditor below the top unit, none at the top unit);
    404 for a user who may not read the trail."""
    grants = [g for g in staff_grants(request) if Power.READ_AUDIT in g.powers]
    if not grants:
        raise Http404(_("No such page."))
    grants.sort(key=lambda g: (g.on_behalf_of_id is not None, len(g.unit_path)))
    grant = grants[0]
    if any(is_top_unit_path(g.unit_path) for g in grants):
        units = None
    else:
        subtree = Q()
        for g in grants:
            subtree |= Q(path__startswith=g.unit_path)
        units = frozenset(OrgUnit.objects.filter(subtree).values_list("id", flat=True))
    return Scope(units=units, unit_id=grant.unit_id, on_behalf_of_id=grant.on_behalf_of_id)


def _case_id(subject_id):
    """The case id a subject id names, or None if it is not a plain number a row could have."""
    return int(subject_id) if subject_id.isascii() and subject_id.isdigit() and len(subject_id) <= 18 else None


def _case_row(**lookup):
    return Case.objects.filter(**lookup).values("pk", "reference", "owning_unit_id", "audit_seq", "audit_hash").first()


def _subject_or_404(scope, subject_type, subject_id):
    """Check that the auditor may read the subject; the case row (as a dict) for a case.

    A case is in scope when its owning unit is; any other subject (or a case whose row is gone)
    when it has events and all of them are in scope."""
    if subject_type == CASE and _case_id(subject_id) is not None:
        case = _case_row(pk=_case_id(subject_id))
        if case is not None:
            if scope.units is not None and case["owning_unit_id"] not in scope.units:
                raise Http404(_("No such subject."))
            return case
    if not selectors.subject_in_scope(subject_type, subject_id, scope.units):
        raise Http404(_("No such subject."))
    return None


def _filters_or_404(form, scope):
    """The search filters of a valid form; a case reference or a subject outside scope: 404."""
    reference = form.cleaned_data.get("reference")
    if reference:
        case = _case_row(reference=reference)
        if case is None or (scope.units is not None and case["owning_unit_id"] not in scope.units):
            raise Http404(_("No such case."))
        return form.filters(subject_type=CASE, subject_id=str(case["pk"]))
    filters = form.filters()
    if filters.subject_id:
        _subject_or_404(scope, filters.subject_type, filters.subject_id)
    return filters


def _labels(events):
    """Unit names and case references of the events shown (two queries, whatever their number)."""
    unit_ids = {e.org_unit_id for e in events if e.org_unit_id is not None}
    case_ids = {_case_id(e.subject_id) for e in events if e.subject_type == CASE} - {None}
    units = dict(OrgUnit.objects.filter(pk__in=unit_ids).values_list("pk", "name")) if unit_ids else {}
    references = dict(Case.objects.filter(pk__in=case_ids).values_list("pk", "reference")) if case_ids else {}
    return units, {str(pk): ref for pk, ref in references.items()}


def _actor(event):
    return _("system") if event.actor_id is None and event.actor_label == SYSTEM_LABEL else event.actor_label


def _rows(events):
    units, references = _labels(events)
    return [
        {
            "event": e,
            "actor": _actor(e),
            "on_behalf_of": e.on_behalf_of.get_username() if e.on_behalf_of_id else "",
            "unit": units.get(e.org_unit_id, ""),
            "subject_label": SUBJECT_LABELS.get(e.subject_type, e.subject_type),
            "reference": references.get(e.subject_id, "") if e.subject_type == CASE else "",
            "details": json.dumps(e.payload, ensure_ascii=False, sort_keys=True) if e.payload else "",
        }
        for e in events
    ]


def _query(request, **changes):
    query = request.GET.copy()
    query.pop("after", None)
    for key, value in changes.items():
        query[key] = value
    return query.urlencode()


@login_required
@require_GET
def audit_search(request):
    scope = _scope(request)
    form = AuditSearchForm(request.GET if request.GET.keys() - {"after"} else None)
    page = None
    if form.is_bound and not form.is_valid():
        pass  # the errors show on the form
    else:
        filters = _filters_or_404(form, scope) if form.is_bound else selectors.EventFilters()
        try:
            page = selectors.search_events(filters, units=scope.units, after=request.GET.get("after"))
        except selectors.InvalidCursor:
            messages.error(request, _("This page link is not valid any more; here is the first page."))
            page = selectors.search_events(filters, units=scope.units)
    context = {
        "section": SECTION,
        "form": form,
        "rows": _rows(page.rows) if page else [],
        "searched": page is not None,
        "next_query": _query(request, after=page.next_cursor) if page and page.next_cursor else "",
        "first_query": _query(request) if request.GET.get("after") else None,
        "export_query": _query(request),
        "whole_trail": scope.whole_trail,
    }
    return render(request, "backoffice/audit/search.html", context)


# --- Export -------------------------------------------------------------------------------------

CSV_HEADER = (
    "id",
    "occurred_at",
    "subject_type",
    "subject_id",
    "case_reference",
    "seq",
    "action",
    "actor",
    "on_behalf_of",
    "org_unit_id",
    "from_state",
    "to_state",
    "details",
    "request_id",
    "client_ip",
    "prev_hash",
    "hash",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value):
    """A cell a spreadsheet will not run as a formula: text starting with = + - @ (or a tab or
    carriage return) gets a leading quote."""
    if value is None:
        return ""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class _Line:
    """csv.writer writes into this and gets the line back."""

    def write(self, value):
        return value


def _csv_lines(filters, units):
    writer = csv.writer(_Line())
    yield writer.writerow(CSV_HEADER)
    batch = []
    for event in selectors.iter_events(filters, units=units):
        batch.append(event)
        if len(batch) == selectors.EXPORT_CHUNK:
            yield from _csv_rows(writer, batch)
            batch = []
    yield from _csv_rows(writer, batch)


def _csv_rows(writer, events):
    if not events:
        return
    _units, references = _labels([e for e in events if e.subject_type == CASE])
    for e in events:
        yield writer.writerow(
            [
                csv_cell(v)
                for v in (
                    e.pk,
                    e.occurred_at.isoformat(),
                    e.subject_type,
                    e.subject_id,
                    references.get(e.subject_id, "") if e.subject_type == CASE else "",
                    e.seq,
                    e.action,
                    e.actor_label,
                    e.on_behalf_of.get_username() if e.on_behalf_of_id else "",
                    e.org_unit_id,
                    e.from_state,
                    e.to_state,
                    json.dumps(e.payload, ensure_ascii=False, sort_keys=True) if e.payload else "",
                    e.request_id,
                    e.client_ip,
                    e.prev_hash,
                    e.hash,
                )
            ]
        )


@login_required
@require_GET
def audit_export(request):
    """The events of the current search as CSV, streamed in keyset chunks (no row cap); the
    export itself is recorded in the trail, with its filters."""
    scope = _scope(request)
    form = AuditSearchForm(request.GET)
    if not form.is_valid():
        messages.error(request, _("Correct the search before exporting it."))
        return redirect(reverse("audit_search") + "?" + _query(request))
    filters = _filters_or_404(form, scope)
    recorded = filters.as_dict()
    if form.cleaned_data.get("reference"):
        recorded["reference"] = form.cleaned_data["reference"]
    activity.export_recorded(
        actor=request.user, filters=recorded, org_unit_id=scope.unit_id, on_behalf_of_id=scope.on_behalf_of_id
    )
    response = StreamingHttpResponse(_csv_lines(filters, scope.units), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="audit-events-{stamp}.csv"'
    return response


# --- Chain status -------------------------------------------------------------------------------


@login_required
@require_GET
def audit_chain(request, subject_type, subject_id):
    """Verify one subject's chain now and show OK or the first broken link."""
    scope = _scope(request)
    case = _subject_or_404(scope, subject_type, subject_id)
    summary = selectors.chain_summary(subject_type, subject_id)
    recorded = []
    if case is not None and (case["audit_seq"] or summary is not None):
        recorded.append((_("the case record"), case["audit_seq"], case["audit_hash"]))
    result = verify_subject(subject_type, subject_id, recorded_heads=recorded)
    context = {
        "section": SECTION,
        "subject_type": subject_type,
        "subject_id": subject_id,
        "subject_label": SUBJECT_LABELS.get(subject_type, subject_type),
        "case": case,
        "summary": summary,
        "result": result,
        "first_problem": result.problems[0] if result.problems else "",
        "search_query": urlencode({"subject_type": subject_type, "subject_id": subject_id}),
    }
    return render(request, "backoffice/audit/chain.html", context)


# --- Verification runs --------------------------------------------------------------------------


def _whole_trail_scope(request):
    scope = _scope(request)
    if not scope.whole_trail:
        raise Http404(_("No such page."))
    return scope


@login_required
@require_GET
def audit_verifications(request):
    _whole_trail_scope(request)
    runs = selectors.recent_runs()
    context = {
        "section": SECTION,
        "runs": runs,
        # one run at a time: one in progress is the newest
        "in_progress": runs[0] if runs and runs[0].in_progress else None,
    }
    return render(request, "backoffice/audit/verifications.html", context)


@login_required
@require_POST
def audit_verification_start(request):
    scope = _whole_trail_scope(request)
    try:
        run = activity.verification_start(
            actor=request.user, org_unit_id=scope.unit_id, on_behalf_of_id=scope.on_behalf_of_id
        )
    except activity.VerificationInProgress as exc:
        messages.error(request, exc.message)
        return redirect("audit_verifications")
    messages.success(request, _("The verification was started."))
    return redirect("audit_verification", run_id=run.pk)


@login_required
@require_GET
def audit_verification(request, run_id):
    _whole_trail_scope(request)
    run = selectors.verification_run(run_id)
    if run is None:
        raise Http404(_("No such verification."))
    context = {"section": SECTION, "run": run, "Status": VerificationRun.Status}
    return render(request, "backoffice/audit/verification.html", context)
