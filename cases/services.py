"""The only code that changes a case.

Each service runs in one transaction, in this order: lock the case row; check the actor's
authority (``roles.selectors.authorize``: scope in the org tree, delegation, four eyes,
amount limit); check the transition is allowed from the current state; call the
``@transition`` method; append the audit event (its chain head lives on the locked row);
save; schedule side effects with ``transaction.on_commit``. A refusal raises a domain error.
"""

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.models import PaymentSchedule
from registry.services import payment_schedule_create, payments_mark_paid
from roles.powers import Power
from rules.parameters import param
from workflows import routing
from workflows.flows import BenefitClaimFlow

from . import eligibility, engine
from .engine import case_comment_add, case_document_add, task_reassign, task_release, task_take  # noqa: F401
from .errors import CaseTransitionError, InvalidInput
from .locks import lock_case
from .models import BenefitClaim, BenefitType, CaseComment, CaseType, ClaimState
from .notifications import notify_person

CLAIM_RELATED = ("owning_unit", "deciding_unit", "person")


# --- Filing ---------------------------------------------------------------------------------


def claim_file(*, person, benefit_type, event_date, actor=None, channel="portal", deceased=None, sick_days=None):
    """Create and submit a claim. ``actor`` None: the claimant through the portal, or the system.
    A staff actor files at a counter and needs to work cases at the person's branch."""
    if benefit_type not in BenefitType.values:
        raise InvalidInput(_("Unknown benefit."), field="benefit_type")
    if event_date is None or event_date > timezone.localdate() + dt.timedelta(days=366):
        raise InvalidInput(_("Give the date of the event."), field="event_date")
    if benefit_type in (BenefitType.FUNERAL, BenefitType.SURVIVORS) and deceased is None:
        raise InvalidInput(_("Name the deceased person."), field="deceased")
    if benefit_type == BenefitType.SICKNESS and not sick_days:
        raise InvalidInput(_("Give the number of sick days."), field="sick_days")
    with transaction.atomic():
        grant = engine.grant(actor, Power.WORK_CASE, person.branch) if actor is not None else None
        now = timezone.now()
        claim = BenefitClaim(
            reference=engine.new_reference("BC"),
            case_type=CaseType.BENEFIT_CLAIM,
            person=person,
            owning_unit=person.branch,
            created_at=now,
            updated_at=now,
            benefit_type=benefit_type,
            channel=channel,
            event_date=event_date,
            deceased=deceased,
            sick_days=sick_days,
        )
        claim.save(force_insert=True)
        step = engine.step_for(claim, actor, grant)
        step.audit(
            "benefit_claim.created",
            to_state=claim.state,
            payload={"benefit": benefit_type, "channel": channel, "event_date": event_date},
        )
        _submit(step, now)
        step.save("submitted_at", "due_date", "assessment", "process")
        return claim


def _submit(step, now):
    claim = step.case
    claim.process = routing.process_start(BenefitClaimFlow, at=now)
    assessment = eligibility.assess(claim)
    claim.assessment = eligibility.as_json(assessment)
    step.transition(
        "submit", at=now, due_date=engine.sla_due(claim.case_type, timezone.localdate(now)), payload=claim.assessment
    )
    routing.task_create(claim, BenefitClaimFlow.review, unit=claim.owning_unit, audit=step.audit, at=now)


# --- Review -------------------------------------------------------------------------------------


def claim_request_info(*, case_id, actor, question):
    question = (question or "").strip()
    if not question:
        raise InvalidInput(_("Write what the claimant must provide."), field="question")
    with transaction.atomic():
        claim = lock_case(BenefitClaim, case_id, related=CLAIM_RELATED)
        grant = engine.grant(actor, Power.WORK_CASE, claim.owning_unit)
        engine.own_task(claim, actor, "review")
        step = engine.step_for(claim, actor, grant)
        today = timezone.localdate()
        due = today + dt.timedelta(days=int(param("sla.information_request.days", today)))
        step.transition("request_info", question=question, due_date=due, payload={"question": question})
        step.save("info_request", "info_due_date")
        notify_person(
            claim,
            "info_requested",
            step,
            subject=_("Information needed for your claim %(ref)s") % {"ref": claim.reference},
            body=question,
        )
        return claim


def claim_receive_info(*, case_id, actor=None, answer=""):
    """The claimant's answer arrived (portal: actor None; counter: the staff member)."""
    with transaction.atomic():
        claim = lock_case(BenefitClaim, case_id, related=CLAIM_RELATED)
        grant = engine.grant(actor, Power.WORK_CASE, claim.owning_unit) if actor is not None else None
        step = engine.step_for(claim, actor, grant)
        step.transition("receive_info", payload={"answer": answer})
        if answer:
            CaseComment.objects.create(case=claim, author=actor, text=answer, created_at=timezone.now())
        step.save("info_due_date")
        return claim


def claim_recommend(*, case_id, actor, approve, amount=None, note=""):
    """The caseworker who holds the review task recommends approval (with the amount) or rejection.
    The decision task goes to the nearest unit whose authority limit covers the amount."""
    note = (note or "").strip()
    with transaction.atomic():
        claim = lock_case(BenefitClaim, case_id, related=CLAIM_RELATED)
        grant = engine.grant(actor, Power.WORK_CASE, claim.owning_unit)
        task = engine.own_task(claim, actor, "review")
        assessment = eligibility.assess(claim)
        claim.assessment = eligibility.as_json(assessment)
        if approve:
            value = assessment.amount if amount in (None, "") else engine.parse_amount(amount)
            if not assessment.eligible or value <= 0:
                raise InvalidInput(
                    _("The claim is not eligible: %(reason)s") % {"reason": assessment.reason}, field="amount"
                )
            if value != assessment.amount and not note:
                raise InvalidInput(_("Explain why the amount differs from the assessed amount."), field="note")
            instalments = assessment.instalments
            total = value * instalments
            unit = engine.deciding_unit_for(claim, total)
        else:
            if not note:
                raise InvalidInput(_("Give the reason for rejection."), field="note")
            value, instalments, total, unit = None, 1, None, claim.owning_unit
        step = engine.step_for(claim, actor, grant)
        routing.task_complete(step.case, task, user=actor, audit=step.audit, outcome="approve" if approve else "reject")
        escalated = unit.pk != claim.owning_unit_id
        step.transition(
            "recommend",
            recommendation="approve" if approve else "reject",
            amount=value,
            instalments=instalments,
            note=note,
            by=actor,
            on_behalf_of=grant.on_behalf_of_id and engine.user_by_id(grant.on_behalf_of_id),
            deciding_unit=unit,
            payload={
                "recommendation": "approve" if approve else "reject",
                "amount": value,
                "instalments": instalments,
                "total": total,
                "deciding_unit": unit.code,
                "escalated": escalated,
                "note": note,
            },
        )
        routing.task_create(claim, BenefitClaimFlow.decide, unit=unit, audit=step.audit)
        step.save(
            "assessment",
            "recommendation",
            "recommended_amount",
            "recommended_instalments",
            "recommendation_note",
            "recommended_by",
            "recommended_on_behalf_of",
            "deciding_unit",
        )
        return claim


# --- Decision ------------------------------------------------------------------------------------


def claim_decide(*, case_id, actor, approve, note=""):
    """Approve or reject a recommended claim. Four eyes: neither the recommender nor the person
    they acted for may decide. Approval needs an authority limit covering the total amount;
    an approved claim gets its payment schedule and the claimant is notified after commit."""
    note = (note or "").strip()
    with transaction.atomic():
        claim = lock_case(BenefitClaim, case_id, related=CLAIM_RELATED)
        total = (claim.recommended_amount or Decimal(0)) * claim.recommended_instalments
        grant = engine.decision_authority(claim, actor, approve=approve, total=total)
        if not approve and not note:
            raise InvalidInput(_("Give the reason for rejection."), field="note")
        task = engine.decision_task(claim, actor)
        step = engine.step_for(claim, actor, grant, claim.deciding_unit)
        now = timezone.now()
        routing.task_complete(
            step.case, task, user=actor, audit=step.audit, outcome="approved" if approve else "rejected"
        )
        on_behalf_of = grant.on_behalf_of_id and engine.user_by_id(grant.on_behalf_of_id)
        if approve:
            step.transition(
                "approve",
                by=actor,
                on_behalf_of=on_behalf_of,
                at=now,
                note=note,
                payload={"amount": claim.recommended_amount, "total": total, "note": note},
            )
            _start_payment(step, now)
            subject = _("Your claim %(ref)s is approved") % {"ref": claim.reference}
            body = _("Amount: %(amount)s, %(n)s payment(s).") % {
                "amount": claim.approved_amount,
                "n": claim.recommended_instalments,
            }
        else:
            step.transition("reject", by=actor, on_behalf_of=on_behalf_of, at=now, note=note, payload={"note": note})
            subject = _("Decision on your claim %(ref)s") % {"ref": claim.reference}
            body = _("Your claim was rejected: %(note)s") % {"note": note}
        step.save("decided_by", "decided_on_behalf_of", "decided_at", "decision_note", "approved_amount")
        notify_person(claim, "approved" if approve else "rejected", step, subject=subject, body=body)
        return claim


def _start_payment(step, now):
    claim = step.case
    schedule = payment_schedule_create(
        case_reference=claim.reference,
        person=claim.person,
        amount=claim.approved_amount,
        instalments=claim.recommended_instalments,
        first_due=timezone.localdate(now),
        at=now,
    )
    step.transition(
        "start_payment",
        payload={"schedule": schedule.pk, "total": schedule.total, "bank_account": schedule.bank_account_id},
    )


def claim_pay_due(*, case_id, actor=None, on=None):
    """Pay the instalments due by ``on``; close the claim when its schedule is paid in full.
    ``actor`` None: the payment run; otherwise a finance officer."""
    on = on or timezone.localdate()
    with transaction.atomic():
        claim = lock_case(BenefitClaim, case_id, related=CLAIM_RELATED)
        grant = engine.grant(actor, Power.EXECUTE_PAYMENT, claim.owning_unit) if actor is not None else None
        if claim.state != ClaimState.IN_PAYMENT:
            raise CaseTransitionError(_("The claim is not in payment."))
        schedule = PaymentSchedule.objects.select_for_update().get(case_reference=claim.reference)
        paid, completed = payments_mark_paid(schedule=schedule, on=on)
        step = engine.step_for(claim, actor, grant)
        if paid:
            step.audit(
                "benefit_claim.paid",
                payload={
                    "payments": [p.pk for p in paid],
                    "amount": sum((p.amount for p in paid), Decimal(0)),
                    "iban": paid[0].iban,
                },
            )
        if completed:
            step.transition("close")
            routing.process_finish(claim.process)
        step.save()
        return paid, completed


# --- Claimant actions -----------------------------------------------------------------------------


def claim_withdraw(*, case_id, actor=None, reason=""):
    with transaction.atomic():
        claim = lock_case(BenefitClaim, case_id, related=CLAIM_RELATED)
        grant = engine.grant(actor, Power.WORK_CASE, claim.owning_unit) if actor is not None else None
        step = engine.step_for(claim, actor, grant)
        engine.case_withdraw(step, reason)
        step.save()
        return claim


def claim_appeal(*, case_id, actor=None, grounds=""):
    """The claimant appeals a rejection: the claim goes back to the review queue; whoever
    decided it before cannot decide it again."""
    grounds = (grounds or "").strip()
    if not grounds:
        raise InvalidInput(_("Give the grounds of the appeal."), field="grounds")
    with transaction.atomic():
        claim = lock_case(BenefitClaim, case_id, related=CLAIM_RELATED)
        grant = engine.grant(actor, Power.WORK_CASE, claim.owning_unit) if actor is not None else None
        step = engine.step_for(claim, actor, grant)
        today = timezone.localdate()
        step.transition("appeal", due_date=engine.sla_due(claim.case_type, today), payload={"grounds": grounds})
        routing.task_create(claim, BenefitClaimFlow.review, unit=claim.owning_unit, audit=step.audit)
        step.save(
            "previous_decider",
            "decided_by",
            "decided_on_behalf_of",
            "decided_at",
            "recommendation",
            "recommended_amount",
            "recommended_by",
            "recommended_on_behalf_of",
            "deciding_unit",
            "due_date",
        )
        return claim
