"""Benefit claims: filing, review, recommendation, decision under four eyes, payment, withdrawal
and appeal, built on ``cases.engine`` as every other type is (``cases/services.py`` gives the
order each service follows)."""

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.actors import Actor
from registry.models import PaymentSchedule, Person
from registry.services import payment_schedule_create, payments_mark_paid
from roles.powers import Power
from workflows import routing
from workflows.flows import BenefitClaimFlow

from . import eligibility, engine
from .errors import CaseTransitionError, InvalidInput
from .locks import lock_case
from .models import BenefitClaim, BenefitType, ClaimState
from .notifications import notify_person

CLAIM_RELATED = ("owning_unit", "deciding_unit", "person")
# Who pays due instalments when no finance officer does: the daily payment run.
PAYMENT_RUN = Actor.system("payment run")


def _lock(case_id):
    return lock_case(BenefitClaim, case_id, related=CLAIM_RELATED)


# --- Filing ---------------------------------------------------------------------------------


def _check_claim(benefit_type, event_date, deceased, sick_days):
    if benefit_type not in BenefitType.values:
        raise InvalidInput(_("Unknown benefit."), field="benefit_type")
    if event_date is None or event_date > timezone.localdate() + dt.timedelta(days=366):
        raise InvalidInput(_("Give the date of the event."), field="event_date")
    if benefit_type in (BenefitType.FUNERAL, BenefitType.SURVIVORS) and deceased is None:
        raise InvalidInput(_("Name the deceased person."), field="deceased")
    if benefit_type == BenefitType.SICKNESS and not sick_days:
        raise InvalidInput(_("Give the number of sick days."), field="sick_days")


def claim_precheck(*, person, benefit_type, event_date, deceased=None, sick_days=None):
    """What the caseworker's assessment would find for such a claim (``eligibility.assess``, the
    same rules), before it is sent: nothing is filed or recorded."""
    _check_claim(benefit_type, event_date, deceased, sick_days)
    return eligibility.assess(
        BenefitClaim(
            person=person, benefit_type=benefit_type, event_date=event_date, deceased=deceased, sick_days=sick_days
        )
    )


def first_claim(person, benefit_type, event_date):
    """The claim ``person`` already made of ``benefit_type`` for the event of ``event_date`` (a
    withdrawn one does not count), or None."""
    return (
        BenefitClaim.objects.filter(person=person, benefit_type=benefit_type, event_date=event_date)
        .exclude(state=ClaimState.WITHDRAWN)
        .order_by("pk")
        .first()
    )


def claim_file(*, person, benefit_type, event_date, actor, channel="portal", deceased=None, sick_days=None):
    """Create and submit a claim. ``actor``: the claimant (or their representative) through the
    portal, or a staff member at a counter of the person's branch (who needs to work cases there).
    A second claim of the same benefit for the same event is refused with the first's reference."""
    _check_claim(benefit_type, event_date, deceased, sick_days)
    with transaction.atomic():
        Person.objects.select_for_update().filter(pk=person.pk).first()  # one filing per person at a time
        first = first_claim(person, benefit_type, event_date)
        if first is not None:
            raise InvalidInput(
                _("This benefit was already claimed for this event: %(ref)s.") % {"ref": first.reference},
                field="benefit_type",
            )
        claim, step, now = engine.case_create(
            BenefitClaim,
            owning_unit=person.branch,
            actor=actor,
            audit_payload={"benefit": benefit_type, "channel": channel, "event_date": event_date},
            person=person,
            benefit_type=benefit_type,
            channel=channel,
            event_date=event_date,
            deceased=deceased,
            sick_days=sick_days,
        )
        engine.case_submit(
            step,
            BenefitClaimFlow,
            BenefitClaimFlow.review,
            now=now,
            before=_assess,
            at=now,
            also_save=("submitted_at", "assessment"),
        )
        return claim


def _assess(claim):
    """The eligibility assessment kept on the claim and recorded with its submission."""
    claim.assessment = eligibility.as_json(eligibility.assess(claim))
    return claim.assessment


# --- Review -------------------------------------------------------------------------------------


claim_request_info, claim_receive_info = engine.info_services(
    _lock,
    gettext_lazy("Write what the claimant must provide."),
    gettext_lazy("Information needed for your claim %(ref)s"),
    answer_days="sla.information_request.days",
)


def claim_recommend(*, case_id, actor, approve, amount=None, note=""):
    """The caseworker who holds the review task recommends approval (with the amount) or rejection.
    The decision task goes to the nearest unit whose authority limit covers the amount."""
    note = (note or "").strip()
    with transaction.atomic():
        claim = _lock(case_id)
        grant, task = engine.worked_task(claim, actor, "review")
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
            engine.require_rejection_reason(note)
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
        step.save("assessment", "recommended_instalments", *BenefitClaim.RECOMMENDATION_FIELDS)
        return claim


# --- Decision ------------------------------------------------------------------------------------


def claim_decide(*, case_id, actor, approve, note=""):
    """Approve or reject a recommended claim. Four eyes: neither the recommender nor the person
    they acted for may decide. Approval needs an authority limit covering the total amount;
    an approved claim gets its payment schedule and the claimant is notified after commit."""
    note = (note or "").strip()
    with transaction.atomic():
        claim = _lock(case_id)
        total = (claim.recommended_amount or Decimal(0)) * claim.recommended_instalments
        grant = engine.decision_authority(claim, actor, approve=approve, total=total)
        if not approve:
            engine.require_rejection_reason(note)
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
        step.save(*BenefitClaim.DECISION_FIELDS)
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


def claim_pay_due(*, case_id, actor=PAYMENT_RUN, on=None):
    """Pay the instalments due by ``on``; close the claim when its schedule is paid in full.
    ``actor``: the payment run (by default), or a finance officer."""
    on = on or timezone.localdate()
    with transaction.atomic():
        claim = _lock(case_id)
        grant = engine.acting_grant(actor, claim, Power.EXECUTE_PAYMENT, people=False)
        if claim.state != ClaimState.IN_PAYMENT:
            raise CaseTransitionError(_("The claim is not in payment."))
        schedule = PaymentSchedule.objects.select_for_update().get(case_reference=claim.reference)
        paid, completed = payments_mark_paid(schedule=schedule, on=on)
        step = engine.step_for(claim, actor, grant)
        record_paid(step, paid, completed)
        step.save()
        return paid, completed


def record_paid(step, paid, completed, at=None):
    """The audit event of the instalments just paid; the claim closes when they were the last."""
    if paid:
        step.audit(
            "benefit_claim.paid",
            payload={
                "payments": [payment.pk for payment in paid],
                "amount": sum((payment.amount for payment in paid), Decimal(0)),
                "iban": paid[0].iban,
            },
        )
    if completed:
        step.transition("close")
        routing.process_finish(step.case.process, at=at)


# --- Claimant actions -----------------------------------------------------------------------------


claim_withdraw = engine.withdraw_service(_lock)  # the claimant withdrew it: nobody else to tell


def claim_appeal(*, case_id, actor, grounds=""):
    """The claimant appeals a rejection: the claim goes back to the review queue; whoever
    decided it before cannot decide it again."""
    grounds = (grounds or "").strip()
    if not grounds:
        raise InvalidInput(_("Give the grounds of the appeal."), field="grounds")
    with transaction.atomic():
        claim = _lock(case_id)
        grant = engine.acting_grant(actor, claim)
        step = engine.step_for(claim, actor, grant)
        today = timezone.localdate()
        step.transition("appeal", due_date=engine.sla_due(claim.case_type, today), payload={"grounds": grounds})
        routing.task_create(claim, BenefitClaimFlow.review, unit=claim.owning_unit, audit=step.audit)
        step.save("due_date", *BenefitClaim.REOPENED_FIELDS)
        return claim
