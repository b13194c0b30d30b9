"""Power of attorney services: request, verification, approval under four eyes, rejection,
revocation, withdrawal.

The grantor is the case's ``person``. A request names the attorney (a person of the registry,
whose surname the requester types as a check), the kinds of request the attorney may file and
follow for the grantor in the portal (``scope``: case type codes among ``DELEGABLE``), and the
dates between which the power holds (``valid_to`` empty: until revoked). Only the grantor (in
the portal) or a staff member (at a counter of the grantor's branch) asks for one or revokes it;
a representative never does, even one acting for the grantor.

An operator verifies the attorney's identity and the grantor's signed form; a supervisor who did
not verify the request approves it. An approved power is in force between its dates
(``in_force``); revocation ends it at once: the portal checks it on every request.

Who may do what: operators verify and reject during verification; supervisors (the decide
power) approve or reject a verified request; an operator at a counter (or the grantor in the
portal) revokes.

Every service follows ``cases/engine.py``: lock, authority, transition check, transition, audit
event, save, notification after commit, in one transaction; refusals raise domain errors.
"""

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.actors import ActorKind, as_actor
from registry.models import Person
from roles.powers import Power
from workflows import routing
from workflows.attorney_flow import PowerOfAttorneyFlow

from . import engine, labels
from .errors import CaseTransitionError, FourEyesViolation, InvalidInput, NotAuthorized
from .locks import lock_case
from .models import AttorneyState, CaseType, PowerOfAttorney
from .notifications import notify_person

A = AttorneyState
# The kinds of request a power of attorney may cover: what a person files for themselves. Not a
# representative payee request nor another power of attorney: an attorney never appoints anyone.
DELEGABLE = (
    CaseType.BENEFIT_CLAIM,
    CaseType.CONTRIBUTION_REFUND,
    CaseType.ARREARS_WAIVER,
    CaseType.GRIEVANCE,
    CaseType.MEDICAL_COMMISSION,
)


def _lock(case_id):
    return lock_case(PowerOfAttorney, case_id, related=("owning_unit", "person", "attorney"))


def _notify(case, topic, step, *, subject, body):
    """Tell the grantor and the attorney."""
    notify_person(case, topic, step, subject=subject, body=body)
    notify_person(case, f"{topic}.attorney", step, subject=subject, body=body, person=case.attorney)


def _not_a_representative(actor):
    """A power of attorney is the grantor's own act (or the office's): nobody acting for the
    grantor asks for one or revokes it."""
    if as_actor(actor).kind == ActorKind.REPRESENTATIVE:
        raise NotAuthorized()


def _is_date(value):
    return isinstance(value, dt.date) and not isinstance(value, dt.datetime)


def in_force(on):
    """The filter of powers of attorney in force on ``on``."""
    return Q(state=A.APPROVED, valid_from__lte=on) & (Q(valid_to__isnull=True) | Q(valid_to__gte=on))


# --- Request ----------------------------------------------------------------------------------


def attorney_request(*, grantor, attorney, attorney_name, scope, valid_from, valid_to=None, actor):
    """Ask that ``attorney`` may file and follow the kinds of request ``scope`` for ``grantor``
    from ``valid_from`` to ``valid_to`` (None: until revoked). ``attorney_name``: the attorney's
    surname as the requester typed it, checked against the registry. ``actor``: the grantor
    online, or a staff member who works cases at the grantor's branch."""
    _not_a_representative(actor)
    if not isinstance(attorney, Person) or attorney.pk == grantor.pk:
        raise InvalidInput(_("Name an attorney other than the person granting the power."), field="attorney")
    if attorney.death_date is not None:
        raise InvalidInput(_("The attorney is registered as deceased."), field="attorney")
    if (attorney_name or "").strip().casefold() != attorney.last_name.strip().casefold():
        raise InvalidInput(
            _("The surname does not match the social security number of the attorney."), field="attorney_name"
        )
    scope = sorted(set(scope or ()))
    if not scope or any(kind not in DELEGABLE for kind in scope):
        raise InvalidInput(_("Choose the kinds of request the attorney may make."), field="scope")
    today = timezone.localdate()
    if not _is_date(valid_from):
        raise InvalidInput(_("Give the date from which the power holds."), field="valid_from")
    if valid_from < today:
        raise InvalidInput(_("The power cannot start in the past."), field="valid_from")
    if valid_to is not None and (not _is_date(valid_to) or valid_to < valid_from):
        raise InvalidInput(_("The end date must come after the start date."), field="valid_to")
    with transaction.atomic():
        case, step, now = engine.case_create(
            PowerOfAttorney,
            owning_unit=grantor.branch,
            actor=actor,
            person=grantor,
            attorney=attorney,
            scope=scope,
            valid_from=valid_from,
            valid_to=valid_to,
            audit_payload={"attorney": attorney.pk, "scope": scope, "valid_from": valid_from, "valid_to": valid_to},
        )
        engine.case_submit(step, PowerOfAttorneyFlow, PowerOfAttorneyFlow.verify, now=now)
        _notify(
            case,
            "requested",
            step,
            subject=_("Power of attorney request %(ref)s received") % {"ref": case.reference},
            body=_("%(attorney)s is proposed to act for %(grantor)s.")
            % {"attorney": attorney.full_name, "grantor": grantor.full_name},
        )
        return case


# --- Verification -------------------------------------------------------------------------------


def attorney_verify(*, case_id, actor, identity_ok, documents_ok, note=""):
    """The operator holding the verification task records both checks (the attorney's identity,
    the grantor's signed form): with both passed the request goes to the supervisors for approval;
    otherwise it is rejected with the reason."""
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
            routing.task_create(case, PowerOfAttorneyFlow.approve, unit=case.owning_unit, audit=step.audit)
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
        subject=_("Power of attorney request %(ref)s refused") % {"ref": case.reference},
        body=case.end_reason,
    )


# --- Approval and rejection ---------------------------------------------------------------------


def check_four_eyes(case, actor, authority):
    """Whoever verified the request, or the person they acted for, cannot approve it."""
    if case.verified_by_id is not None and case.verified_by_id in {actor.pk, authority.on_behalf_of_id}:
        raise FourEyesViolation()


def check_not_expired(case, on):
    """Refuse to approve a power whose end date has passed by ``on``."""
    if case.valid_to is not None and case.valid_to < on:
        raise CaseTransitionError(_("The power of attorney ended on %(date)s.") % {"date": case.valid_to.isoformat()})


def attorney_approve(*, case_id, actor, note=""):
    """A supervisor who did not verify the request approves it: the power is in force between its
    dates from now on."""
    note = (note or "").strip()
    today = timezone.localdate()
    with transaction.atomic():
        case = _lock(case_id)
        authority = engine.grant(actor, Power.DECIDE_CASE, case.owning_unit)
        if case.state != A.VERIFIED:
            raise CaseTransitionError(
                _("The request cannot be approved: it is %(state)s.") % {"state": labels.state_in_sentence(case)}
            )
        check_four_eyes(case, actor, authority)
        check_not_expired(case, today)
        task = engine.decision_task(case, actor)
        step = engine.step_for(case, actor, authority)
        routing.task_complete(step.case, task, user=actor, audit=step.audit, outcome="approved")
        step.transition(
            "approve",
            by=actor,
            on_behalf_of=engine.user_by_id(authority.on_behalf_of_id),
            payload={"valid_from": case.valid_from, "valid_to": case.valid_to, "note": note},
        )
        routing.process_finish(case.process)
        step.save("approved_by", "approved_on_behalf_of")
        until = case.valid_to.isoformat() if case.valid_to else _("its revocation")
        _notify(
            case,
            "approved",
            step,
            subject=_("Power of attorney %(ref)s approved") % {"ref": case.reference},
            body=_("From %(start)s until %(end)s, %(attorney)s may act for %(grantor)s in the e-services.")
            % {
                "start": case.valid_from.isoformat(),
                "end": until,
                "attorney": case.attorney.full_name,
                "grantor": case.person.full_name,
            },
        )
        return case


def attorney_reject(*, case_id, actor, reason):
    """Reject the request: during verification, its operator; once verified, a supervisor who did
    not verify it."""
    reason = engine.required_text(reason, _("Give the reason for rejection."), "reason")
    with transaction.atomic():
        case = _lock(case_id)
        if case.state == A.VERIFIED:
            authority = engine.grant(actor, Power.DECIDE_CASE, case.owning_unit)
            check_four_eyes(case, actor, authority)
            task = engine.decision_task(case, actor)
        else:
            authority = engine.grant(actor, Power.WORK_CASE, case.owning_unit)
            task = engine.own_task(case, actor, "verify") if case.state == A.VERIFYING else None
        step = engine.step_for(case, actor, authority)
        if task is not None:
            routing.task_complete(step.case, task, user=actor, audit=step.audit, outcome="rejected")
        step.transition("reject", reason=reason, payload={"reason": reason})
        routing.process_finish(case.process)
        step.save("end_reason")
        _notify_rejected(case, step)
        return case


# --- Revocation ---------------------------------------------------------------------------------


def attorney_revoke(*, case_id, actor, reason):
    """End an approved power at once (from today the attorney may no longer act): the grantor in
    the portal, or a staff member who works cases at the grantor's branch."""
    _not_a_representative(actor)
    reason = engine.required_text(reason, _("Give the reason for the revocation."), "reason")
    with transaction.atomic():
        case = _lock(case_id)
        authority = engine.acting_grant(actor, case, Power.WORK_CASE)
        today = timezone.localdate()
        step = engine.step_for(case, actor, authority)
        step.transition("revoke", on=today, reason=reason, payload={"reason": reason, "on": today})
        step.save("ended_on", "end_reason")
        _notify(
            case,
            "revoked",
            step,
            subject=_("Power of attorney %(ref)s revoked") % {"ref": case.reference},
            body=reason,
        )
        return case


# --- Withdrawal ---------------------------------------------------------------------------------


# The grantor and the attorney are both told.
attorney_withdraw = engine.withdraw_service(
    _lock, gettext_lazy("Power of attorney request %(ref)s withdrawn"), notify=_notify
)
