"""The portal's pages for a person: my page (cases, messages, payments), a case as the person
sees it, and filing a request of any type with the form its registry entry names.

Views hold no rule: they read the person's own records and call the type's filing service
through the registry's form (``cases.forms``); a service's refusal is shown on the field it
names."""

from django.contrib import messages
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_fsm import can_proceed

from audit.actors import ActorKind
from audit.models import AuditEvent
from cases import catalog, labels
from cases.forms import FilingForm, filing_form
from cases.labels import filing_kinds
from cases.models import Case, CaseType, Receipt
from cases.receipts import normalised, pdf_response, receipt_context, receipt_issue, submitted_by
from cases.receipts import receipt_pdf as receipt_pdf_bytes
from registry.models import Payment
from registry.selectors import on_file
from roles.errors import DomainError

from .access import actor_of, agent_of, in_scope, mandate_of, own_case, person_of, person_required, scoped
from .case_actions import page_context as case_actions_context
from .forms import WithdrawForm
from .forms_case import AnswerForm
from .views_messages import notifications_of

# What the person is asked to do, by the state their case waits in.
EXPECTED = {
    "awaiting_info": labels.EXPECTED_FROM_PERSON,
}
RECENT = 20  # messages and payments shown on my page


def _rows(cases):
    return [
        {
            "case": case,
            "type": labels.type_label(case.case_type),
            "state": labels.state_label(case.case_type, case.state),
            "expected": EXPECTED.get(case.state),
        }
        for case in cases
    ]


@person_required
@require_GET
def home(request):
    """My page: my cases of every type with their state in plain words, what the office expects
    from me, my messages and my payments. Four queries whatever the numbers."""
    person = person_of(request)
    cases = scoped(request, Case.objects.filter(person=person)).order_by("-created_at", "-pk")
    notes = notifications_of(request).order_by("-created_at")
    payments = Payment.objects.filter(schedule__person=person).select_related("schedule").order_by("-due_date", "-pk")
    if mandate_of(request) is not None:  # a representative reads what concerns the mandate's scope
        payments = payments if in_scope(request, CaseType.BENEFIT_CLAIM) else payments.none()
    context = {
        "person": person,
        "rows": _rows(cases),
        "notes": list(notes[:RECENT]),
        "payments": list(payments[:RECENT]),
        "section": "home",
    }
    return render(request, "portal/home.html", context)


def _timeline(case, person, agent=None):
    """The case's history written for the person: what happened to it, by the person, their
    representative or the office (never a staff member's name or the office's internal steps).
    ``agent``: the representative reading it for ``person``, if so."""
    mine = f"person:{person.pk}"
    events = AuditEvent.objects.filter(
        Q(action__startswith=f"{case.case_type}.") | Q(action="document.added", actor_identity=mine),
        subject_type="case",
        subject_id=str(case.pk),
    ).order_by("seq")
    return [
        {
            "at": event.occurred_at,
            "what": labels.person_event_label(event.action, case.case_type),
            "by": _who(event, mine, agent),
        }
        for event in events.only("occurred_at", "action", "actor_kind", "actor_identity", "acting_for")
    ]


def _who(event, mine, agent=None):
    """Who did it, as the person reads it: they, their representative, the office or a job (as
    the representative ``agent`` reads it for them: they as representative, or the person)."""
    if event.actor_kind == ActorKind.REPRESENTATIVE and (event.acting_for or "").startswith(mine + " "):
        if agent is not None and event.actor_identity == f"person:{agent.pk}":
            return _("You, as representative")
        return _("Your representative")
    if event.actor_identity == mine:
        return _("The person you represent") if agent is not None else _("You")
    if event.actor_kind == ActorKind.SYSTEM:
        return _("Automatic processing")
    return _("Social security office")


def _may_answer(case):
    spec = catalog.TYPES[case.case_type]
    return case.state == "awaiting_info" and hasattr(spec.services, f"{spec.prefix}_receive_info")


def _may_withdraw(case):
    return can_proceed(case.withdraw)


def _case_page(request, case, *, answer=None, withdraw=None, revoke=None, status=200, **bound):
    from .views_acting import RevokeForm, may_revoke

    person = person_of(request)
    agent = agent_of(request) if mandate_of(request) is not None else None
    # First: what the page shows of the office's decision and request is delivered (portal/case_actions.py).
    actions = case_actions_context(case, actor_of(request), bound)
    context = {
        "receipts": list(case.receipts.order_by("issued_at", "pk")),
        "case": case,
        "type": labels.type_label(case.case_type),
        "state": labels.state_label(case.case_type, case.state),
        "question": getattr(case, "info_request", "") if case.state == "awaiting_info" else "",
        "timeline": _timeline(case, person, agent),
        "answer_form": (answer or AnswerForm()) if _may_answer(case) else None,
        "withdraw_form": (withdraw or WithdrawForm()) if _may_withdraw(case) else None,
        "revoke_form": (revoke or RevokeForm()) if may_revoke(request, case) else None,
        "section": "home",
        **actions,
    }
    return render(request, "portal/case.html", context, status=status)


@person_required
@require_GET
def case_detail(request, reference):
    return _case_page(request, own_case(request, reference))


def _act(request, reference, form_class, allowed, call, done, slot, kind):
    """One person's action on their own case: the form, then the type's one service."""
    case = own_case(request, reference)
    form = form_class(request.POST)
    if not allowed(case):
        messages.error(request, _("This is not possible any more: the request has moved on."))
        return redirect(reverse("portal:case", kwargs={"reference": case.reference}))
    if form.is_valid():
        spec = catalog.TYPES[case.case_type]
        actor = actor_of(request)
        try:
            with transaction.atomic():
                call(spec, case, actor, form.cleaned_data)
                receipt = receipt_issue(case=case, kind=kind, submitted=submitted_by(form), actor=actor)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, done)
            return redirect(reverse("portal:receipt", kwargs={"code": receipt.code}))
    return _case_page(request, case, status=400, **{slot: form})


@person_required
@require_POST
def case_withdraw(request, reference):
    """Withdraw one's own request before its decision (``<type>_withdraw``, as the person)."""
    return _act(
        request,
        reference,
        WithdrawForm,
        _may_withdraw,
        lambda spec, case, actor, data: spec.service("withdraw")(case_id=case.pk, actor=actor, reason=data["reason"]),
        _("Your request is withdrawn."),
        "withdraw",
        Receipt.Kind.WITHDRAWN,
    )


@person_required
@require_GET
def file_index(request):
    """The requests a person may file online: one per case type of the registry."""
    kinds = [kind for kind in filing_kinds() if in_scope(request, kind["case_type"])]
    return render(request, "portal/file_index.html", {"kinds": kinds, "section": "file"})


@person_required
@require_http_methods(["GET", "POST"])
def file(request, case_type):
    """File a request of ``case_type`` for oneself, with the form the registry names."""
    spec = catalog.TYPES.get(case_type)
    if spec is None or not in_scope(request, case_type):
        raise Http404
    person = person_of(request)
    today = timezone.localdate()
    form = filing_form(spec, request.POST, person=person, asked=request.GET, on=today, files=request.FILES)
    precheck = None
    if request.method == "POST" and form.is_valid():
        try:
            if "check" in request.POST:  # the pre-check only: nothing is filed
                precheck = form.precheck()
            else:
                actor = actor_of(request)
                with transaction.atomic():
                    case = form.file(actor)
                    receipt = receipt_issue(
                        case=case, kind=Receipt.Kind.FILED, submitted=submitted_by(form), actor=actor
                    )
                messages.success(
                    request, _("Your request was received under the reference %(ref)s.") % {"ref": case.reference}
                )
                return redirect(reverse("portal:receipt", kwargs={"code": receipt.code}))
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    context = {
        "form": form,
        "case_type": case_type,
        "label": labels.type_label(case_type),
        "checks": type(form).precheck is not FilingForm.precheck,
        "on_file": on_file(person, today),
        "precheck": precheck,
        "section": "file",
    }
    return render(request, "portal/file.html", context, status=400 if form.is_bound and form.errors else 200)


def _own_receipt(request, code):
    receipts = Receipt.objects.filter(code=normalised(code), person=person_of(request))
    receipt = (
        scoped(request, receipts, "case__case_type", general=True)
        .select_related("case__owning_unit", "person__branch", "actor")
        .first()
    )
    if receipt is None:
        raise Http404
    return receipt


@person_required
@require_GET
def receipt(request, code):
    """The official receipt of one of the person's submissions."""
    found = _own_receipt(request, code)
    context = {"receipt": found, "section": "home", **receipt_context(found)}
    return render(request, "portal/receipt.html", context)


@person_required
@require_GET
def receipt_pdf(request, code):
    found = _own_receipt(request, code)
    return pdf_response(receipt_pdf_bytes(found, request), found)
