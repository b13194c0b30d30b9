"""Representative payee services: request, verification, approval under four eyes, activation,
suspension, resumption, revocation.

The beneficiary is the case's ``person``. A request names the representative, the
representative's own verified bank account, the relationship and the grounds. An operator
verifies the representative's identity and the documents; a supervisor who did not verify the
request approves it with an activation date. Activation writes a ``PayeeDesignation``: while it is
in force (started, not ended, not suspended) ``registry.services.payments_mark_paid`` pays the
beneficiary's benefits to the representative's account. Suspension sets the designation's
``suspended`` flag (payments go to the beneficiary's own account meanwhile), resumption clears
it, revocation ends it the day before the revocation. A beneficiary has at most one designation
approved or in force at a time.

Who may do what: operators verify and suspend (a protective step any caseworker may take);
supervisors (the decide power) approve, reject a verified request, resume and revoke.

Every service follows ``cases/engine.py``: lock, authority, transition check, transition, audit
event, save, notification after commit, in one transaction; refusals raise domain errors.
"""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.actors import Actor
from registry.models import BankAccount, PayeeDesignation, Person
from roles.powers import Power
from workflows import routing
from workflows.payee_flow import RepresentativePayeeFlow

from . import engine, labels
from .errors import CaseTransitionError, Conflict, DomainError, FourEyesViolation, InvalidInput
from .locks import lock_account, lock_case
from .models import PayeeState, RepresentativePayee
from .notifications import notify_person

P = PayeeState
# The daily job that brings approved designations into force on their date.
ACTIVATION_JOB = Actor.system("payee activation")
HOLDING = [P.APPROVED, P.ACTIVE, P.SUSPENDED]  # states in which a request holds the beneficiary's designation


def _lock(case_id):
    return lock_case(
        RepresentativePayee, case_id, related=("owning_unit", "person", "representative", "representative_account")
    )


def _check_account(account, representative, on):
    if not isinstance(account, BankAccount) or account.person_id != representative.pk:
        raise InvalidInput(_("The bank account must be the representative's own."), field="representative_account")
    valid = account.valid_from <= on and (account.valid_to is None or on <= account.valid_to)
    if not account.verified or not valid:
        raise InvalidInput(
            _("The representative's bank account must be verified and valid."), field="representative_account"
        )


def _notify(case, topic, step, *, subject, body):
    """Tell the beneficiary and the representative."""
    notify_person(case, topic, step, subject=subject, body=body)
    notify_person(case, f"{topic}.representative", step, subject=subject, body=body, person=case.representative)


# --- Request ----------------------------------------------------------------------------------


def payee_request(*, beneficiary, representative, representative_account, relationship, grounds, actor):
    """Ask that ``representative`` receive ``beneficiary``'s benefits (``actor``: the beneficiary
    online, or a staff member who works cases at the beneficiary's branch)."""
    if not isinstance(representative, Person) or representative.pk == beneficiary.pk:
        raise InvalidInput(_("Name a representative other than the beneficiary."), field="representative")
    if representative.death_date is not None:
        raise InvalidInput(_("The representative is registered as deceased."), field="representative")
    _check_account(representative_account, representative, timezone.localdate())
    relationship = engine.required_text(relationship, _("Give the relationship to the beneficiary."), "relationship")
    grounds = engine.required_text(grounds, _("Give the grounds of the request."), "grounds")
    with transaction.atomic():
        case, step, now = engine.case_create(
            RepresentativePayee,
            owning_unit=beneficiary.branch,
            actor=actor,
            person=beneficiary,
            representative=representative,
            representative_account=representative_account,
            relationship=relationship[:100],
            grounds=grounds,
            audit_payload={
                "representative": representative.pk,
                "representative_account": representative_account.pk,
                "relationship": relationship,
                "grounds": grounds,
            },
        )
        engine.case_submit(step, RepresentativePayeeFlow, RepresentativePayeeFlow.verify, now=now)
        _notify(
            case,
            "requested",
            step,
            subject=_("Representative payee request %(ref)s received") % {"ref": case.reference},
            body=_("%(representative)s is proposed to receive the benefits of %(beneficiary)s.")
            % {"representative": representative.full_name, "beneficiary": beneficiary.full_name},
        )
        return case


# --- Verification -------------------------------------------------------------------------------


def payee_verify(*, case_id, actor, identity_ok, documents_ok, note=""):
    """The operator holding the verification task records both checks: with both passed the
    request goes to the supervisors for approval; otherwise it is rejected with the reason."""
    if not isinstance(identity_ok, bool):
        raise InvalidInput(_("Say whether the representative's identity is verified."), field="identity_ok")
    if not isinstance(documents_ok, bool):
        raise InvalidInput(_("Say whether the documents are verified."), field="documents_ok")
    note = (note or "").strip()
    with transaction.atomic():
        case = _lock(case_id)
        authority, task = engine.worked_task(case, actor, "verify")
        step = engine.step_for(case, actor, authority)
        payload = {"identity_ok": identity_ok, "documents_ok": documents_ok, "note": note}
        if identity_ok and documents_ok:
            routing.task_complete(step.case, task, user=actor, audit=step.audit, outcome="verified")
            step.transition("verify", by=actor, payload=payload)
            routing.task_create(case, RepresentativePayeeFlow.approve, unit=case.owning_unit, audit=step.audit)
            step.save("identity_verified", "documents_verified", "verified_by")
            return case
        failed = []
        if not identity_ok:
            failed.append(_("The representative's identity could not be verified."))
        if not documents_ok:
            failed.append(_("The documents could not be verified."))
        reason = " ".join([*failed, note]).strip()
        routing.task_complete(step.case, task, user=actor, audit=step.audit, outcome="rejected")
        step.transition("reject", reason=reason, payload={**payload, "reason": reason})
        routing.process_finish(case.process)
        step.save("end_reason")
        _notify_rejected(case, step)
        return case


def _notify_rejected(case, step):
    _notify(
        case,
        "rejected",
        step,
        subject=_("Representative payee request %(ref)s refused") % {"ref": case.reference},
        body=case.end_reason,
    )


# --- Approval and rejection ---------------------------------------------------------------------


def check_four_eyes(case, actor, authority):
    """Whoever verified the request, or the person they acted for, cannot approve it."""
    if case.verified_by_id is not None and case.verified_by_id in {actor.pk, authority.on_behalf_of_id}:
        raise FourEyesViolation()


def _check_single_designation(case, on):
    """Lock the beneficiary's row (serialising approvals and activations for one beneficiary) and
    refuse if another request or designation already holds the beneficiary."""
    lock_account(case)
    other_case = (
        RepresentativePayee.objects.filter(person_id=case.person_id, state__in=HOLDING)
        .exclude(pk=case.pk)
        .values_list("reference", flat=True)
        .first()
    )
    other_designation = (
        PayeeDesignation.objects.filter(beneficiary_id=case.person_id)
        .exclude(case_reference=case.reference)
        .exclude(active_to__lt=on)
        .values_list("case_reference", flat=True)
        .first()
    )
    other = other_case or other_designation
    if other:
        raise Conflict(
            _("The beneficiary already has a representative payee (%(ref)s); revoke it first.") % {"ref": other}
        )


def payee_approve(*, case_id, actor, active_from, note=""):
    """A supervisor who did not verify the request approves it from ``active_from`` (today or
    later). From today, the designation is activated at once; a later date waits for the daily job."""
    note = (note or "").strip()
    today = timezone.localdate()
    if not isinstance(active_from, dt.date) or isinstance(active_from, dt.datetime):
        raise InvalidInput(_("Give the date from which the representative receives the benefits."), field="active_from")
    if active_from < today:
        raise InvalidInput(_("The activation date cannot be in the past."), field="active_from")
    with transaction.atomic():
        case = _lock(case_id)
        authority = engine.grant(actor, Power.DECIDE_CASE, case.owning_unit)
        if case.state != P.VERIFIED:
            raise CaseTransitionError(
                _("The request cannot be approved: it is %(state)s.") % {"state": labels.state_in_sentence(case)}
            )
        check_four_eyes(case, actor, authority)
        task = engine.decision_task(case, actor)
        _check_account(case.representative_account, case.representative, today)
        _check_single_designation(case, today)
        step = engine.step_for(case, actor, authority)
        routing.task_complete(step.case, task, user=actor, audit=step.audit, outcome="approved")
        step.transition(
            "approve",
            by=actor,
            on_behalf_of=engine.user_by_id(authority.on_behalf_of_id),
            active_from=active_from,
            payload={"active_from": active_from, "note": note},
        )
        if active_from <= today:
            _activate(case, step, today)
        else:
            _notify(
                case,
                "approved",
                step,
                subject=_("Representative payee request %(ref)s approved") % {"ref": case.reference},
                body=_("From %(date)s the benefits will be paid to %(representative)s.")
                % {"date": active_from.isoformat(), "representative": case.representative.full_name},
            )
        step.save("approved_by", "approved_on_behalf_of", "active_from")
        return case


def payee_reject(*, case_id, actor, reason):
    """Reject the request: during verification, its operator; once verified, a supervisor who did
    not verify it."""
    reason = engine.required_text(reason, _("Give the reason for rejection."), "reason")
    with transaction.atomic():
        case = _lock(case_id)
        if case.state == P.VERIFIED:
            authority = engine.grant(actor, Power.DECIDE_CASE, case.owning_unit)
            check_four_eyes(case, actor, authority)
            task = engine.decision_task(case, actor)
        else:
            authority = engine.grant(actor, Power.WORK_CASE, case.owning_unit)
            task = engine.own_task(case, actor, "verify") if case.state == P.VERIFYING else None
        step = engine.step_for(case, actor, authority)
        if task is not None:
            routing.task_complete(step.case, task, user=actor, audit=step.audit, outcome="rejected")
        step.transition("reject", reason=reason, payload={"reason": reason})
        routing.process_finish(case.process)
        step.save("end_reason")
        _notify_rejected(case, step)
        return case


# --- Activation ---------------------------------------------------------------------------------


def _activate(case, step, on):
    step.transition("activate", payload={"on": on, "bank_account": case.representative_account_id})
    designation = PayeeDesignation.objects.create(
        beneficiary=case.person,
        representative=case.representative,
        bank_account=case.representative_account,
        active_from=on,
        case_reference=case.reference,
    )
    step.audit("representative_payee.designation_written", payload={"designation": designation.pk, "active_from": on})
    _notify(
        case,
        "activated",
        step,
        subject=_("Representative payee %(ref)s in force") % {"ref": case.reference},
        body=_("From %(date)s the benefits of %(beneficiary)s are paid to %(representative)s.")
        % {
            "date": on.isoformat(),
            "beneficiary": case.person.full_name,
            "representative": case.representative.full_name,
        },
    )
    return designation


def check_start(case, on):
    """Refuse to activate an approved designation on ``on``, before the day it starts."""
    if case.state == P.APPROVED and case.active_from > on:
        raise CaseTransitionError(_("The designation starts on %(date)s.") % {"date": case.active_from.isoformat()})


def payee_activate(*, case_id, actor=ACTIVATION_JOB, on=None):
    """Activate an approved designation whose date has come (``actor``: the daily job by default;
    ``on``: the day it runs for, today by default)."""
    on = on or timezone.localdate()
    with transaction.atomic():
        case = _lock(case_id)
        authority = engine.acting_grant(actor, case, people=False)
        check_start(case, on)
        step = engine.step_for(case, actor, authority)
        if case.state == P.APPROVED:
            _check_single_designation(case, on)
        _activate(case, step, on)
        step.save()
        return case


def activate_due_payees(*, on=None, batch=500):
    """The daily job: activate every approved designation whose date has come by ``on``, each in
    its own transaction. Returns (activated count, refusals as (case id, message))."""
    on = on or timezone.localdate()
    activated, refused, last = 0, [], 0
    while True:
        ids = list(
            RepresentativePayee.objects.filter(state=P.APPROVED, active_from__lte=on, pk__gt=last)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch]
        )
        if not ids:
            return activated, refused
        last = ids[-1]
        for case_id in ids:
            try:
                payee_activate(case_id=case_id, on=on)
            except DomainError as exc:
                refused.append((case_id, exc.message))
                continue
            activated += 1


# --- Suspension, resumption, revocation ---------------------------------------------------------


def payee_suspend(*, case_id, actor, reason):
    """Stop paying to the representative for now: the beneficiary's own account is paid meanwhile."""
    reason = engine.required_text(reason, _("Give the reason for the suspension."), "reason")
    with transaction.atomic():
        case = _lock(case_id)
        authority = engine.grant(actor, Power.WORK_CASE, case.owning_unit)
        step = engine.step_for(case, actor, authority)
        step.transition("suspend", reason=reason, payload={"reason": reason})
        PayeeDesignation.objects.filter(case_reference=case.reference).update(suspended=True)
        step.save("end_reason")
        _notify(
            case,
            "suspended",
            step,
            subject=_("Representative payee %(ref)s suspended") % {"ref": case.reference},
            body=reason,
        )
        return case


def payee_resume(*, case_id, actor, note=""):
    note = (note or "").strip()
    with transaction.atomic():
        case = _lock(case_id)
        authority = engine.grant(actor, Power.DECIDE_CASE, case.owning_unit)
        step = engine.step_for(case, actor, authority)
        step.transition("resume", payload={"note": note})
        PayeeDesignation.objects.filter(case_reference=case.reference).update(suspended=False)
        step.save("end_reason")
        _notify(
            case,
            "resumed",
            step,
            subject=_("Representative payee %(ref)s resumed") % {"ref": case.reference},
            body=_("The benefits are paid to %(representative)s again.")
            % {"representative": case.representative.full_name},
        )
        return case


def payee_revoke(*, case_id, actor, reason):
    """End the designation: from today the benefits go to the beneficiary's own account."""
    reason = engine.required_text(reason, _("Give the reason for the revocation."), "reason")
    with transaction.atomic():
        case = _lock(case_id)
        authority = engine.grant(actor, Power.DECIDE_CASE, case.owning_unit)
        today = timezone.localdate()
        step = engine.step_for(case, actor, authority)
        step.transition("revoke", on=today, reason=reason, payload={"reason": reason, "on": today})
        ended = PayeeDesignation.objects.filter(case_reference=case.reference).update(
            active_to=today - dt.timedelta(days=1)
        )
        if ended:
            step.audit("representative_payee.designation_ended", payload={"active_to": today - dt.timedelta(days=1)})
        routing.process_finish(case.process)
        step.save("ended_on", "end_reason")
        _notify(
            case,
            "revoked",
            step,
            subject=_("Representative payee %(ref)s revoked") % {"ref": case.reference},
            body=reason,
        )
        return case


# --- Withdrawal ---------------------------------------------------------------------------------


# The beneficiary and the representative are both told.
payee_withdraw = engine.withdraw_service(
    _lock, gettext_lazy("Representative payee request %(ref)s withdrawn"), notify=_notify
)
