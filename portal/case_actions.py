"""What a person may do on their own case besides answering and withdrawing, and what the office
sent them: the rules the case page offers its forms by, and the delivery of decisions and requests.

Each action is offered exactly when the engine would accept it (the same transition check and the
same period checks: ``medical.check_appeal``, ``grievances.check_reopening``). A decision or a
request for information is delivered when the person's case page shows it: the engine records it
once (``engine.case_delivery_record``), with a receipt."""

from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from audit.models import AuditEvent
from cases import catalog, engine, grievances, labels, medical
from cases.models import CaseType
from roles.errors import DomainError

from .forms_case import AppealForm, DocumentForm, ReopenForm

# The engine's own refusals of an appeal or a reopening out of their period, by type.
APPEAL_CHECKS = {CaseType.MEDICAL_COMMISSION: medical.check_appeal}
REOPEN_CHECKS = {CaseType.GRIEVANCE: grievances.check_reopening}
# What undoes a decision: after one of these, the earlier decision is no longer the case's.
UNDOING = ("appeal", "reopen")


def _has_service(case, what):
    spec = catalog.TYPES[case.case_type]
    return hasattr(spec.services, f"{spec.prefix}_{what}")


def _passes(check, case, on):
    if check is None:
        return True
    try:
        check(case, on)
    except DomainError:
        return False
    return True


def may_add_document(case):
    """A document may be added to a case filed and not closed for good."""
    return case.state != labels.INITIAL_STATE and not engine.case_closed(case)


def may_appeal(case, on=None):
    """The decision may be appealed now: the type has the service and the engine would allow it."""
    if not _has_service(case, "appeal") or not hasattr(case, "appeal") or not can_proceed(case.appeal):
        return False
    return _passes(APPEAL_CHECKS.get(case.case_type), case, on or timezone.localdate())


def may_reopen(case, on=None):
    """The grievance's answer may be contested now (within its reopening period)."""
    if not _has_service(case, "reopen") or not hasattr(case, "reopen") or not can_proceed(case.reopen):
        return False
    return _passes(REOPEN_CHECKS.get(case.case_type), case, on or timezone.localdate())


def offered_forms(case, bound):
    """The forms of the case page for these actions, each None when not offered (``bound``: the
    form sent back with its errors, by slot)."""
    return {
        "document_form": (bound.get("document") or DocumentForm()) if may_add_document(case) else None,
        "appeal_form": (bound.get("appeal") or AppealForm()) if may_appeal(case) else None,
        "reopen_form": (bound.get("reopen") or ReopenForm()) if may_reopen(case) else None,
    }


# --- What the office sent, and its delivery --------------------------------------------------------


def _sent_events(case):
    """The case's events that sent something to the person, undid a decision, or delivered (one query)."""
    whats = (*engine.DELIVERED_DECISIONS, *engine.DELIVERED_REQUESTS, *UNDOING, "delivered")
    return list(
        AuditEvent.objects.filter(
            subject_type="case", subject_id=str(case.pk), action__in=[f"{case.case_type}.{what}" for what in whats]
        )
        .order_by("seq")
        .values("seq", "action", "occurred_at", "payload")
    )


def shown(case, events):
    """(the decision event shown, the request event shown): the latest decision unless an appeal or
    a reopening came after it, and the latest request while the office waits for the answer."""
    decision = request = None
    for event in events:
        what = event["action"].partition(".")[2]
        if what in engine.DELIVERED_DECISIONS:
            decision = event
        elif what in UNDOING:
            decision = None
        elif what in engine.DELIVERED_REQUESTS:
            request = event
    if case.state != "awaiting_info":
        request = None
    return decision, request


def _when(at):
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M")


def decision_rows(case, event):
    """The decision as the person reads it: {label: value}, the outcome first."""
    what = event["action"].partition(".")[2]
    rows = {
        _("Decision"): str(labels.event_label(event["action"], case.case_type)),
        _("Date"): _when(event["occurred_at"]),
    }
    if what == "approve" and getattr(case, "approved_amount", None) is not None:
        rows[_("Amount approved")] = str(case.approved_amount)
        if getattr(case, "recommended_instalments", None):
            rows[_("Number of payments")] = str(case.recommended_instalments)
    if what in ("decide", "decide_appeal") and getattr(case, "degree_percent", None) is not None:
        rows[_("Degree of disability")] = f"{case.degree_percent} %"
        rows[_("Permanent")] = _("yes") if case.permanent else _("no")
        if case.review_date:
            rows[_("Review on")] = case.review_date.isoformat()
        if case.state == "decided":
            rows[_("You may appeal until")] = medical.appeal_deadline(case).isoformat()
    if what == "resolve" and getattr(case, "answer", ""):
        rows[_("The office's answer")] = case.answer
        if case.state == "resolved" and case.reopen_until:
            rows[_("You may contest it until")] = case.reopen_until.isoformat()
    note = getattr(case, "decision_note", "")
    if note and what in ("reject", "decide", "decide_appeal"):
        rows[_("Reason")] = note
    return rows


def _delivered_content(case, event, decision_rows_):
    if event["action"].endswith(".request_info"):
        return {
            _("Delivered to you"): _("The office's request for information of %(at)s")
            % {"at": _when(event["occurred_at"])},
            _("Question"): (event["payload"] or {}).get("question", "") or getattr(case, "info_request", ""),
        }
    return {
        _("Delivered to you"): _("The decision of %(at)s") % {"at": _when(event["occurred_at"])},
        **decision_rows_,
    }


def deliver(case, actor, events):
    """Record the delivery of the decision and the request the page shows, each once. Returns
    (decision rows or None, the receipts issued now)."""
    decision, request = shown(case, events)
    done = {(e["payload"] or {}).get("event") for e in events if e["action"].endswith(".delivered")}
    rows = decision_rows(case, decision) if decision else None
    issued = []
    for event in filter(None, (request, decision)):
        if event["seq"] in done:
            continue
        receipt = engine.case_delivery_record(
            case_id=case.pk,
            actor=actor,
            seq=event["seq"],
            submitted=_delivered_content(case, event, rows if event is decision else {}),
        )
        if receipt is not None:
            issued.append(receipt)
    return rows, issued


def page_context(case, actor, bound):
    """What the case page adds for these actions: the decision shown (its delivery recorded first,
    so the page lists its receipt and its history event) and the forms offered."""
    rows, _issued = deliver(case, actor, _sent_events(case))
    return {"decision": rows, **offered_forms(case, bound)}
