"""Representative payees end to end: request, verification, approval, activation, suspension,
resumption, revocation, and where the beneficiary's benefit payments go meanwhile."""

import datetime as dt

import pytest
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import PROCESS, STATUS

from audit.actors import Actor
from audit.models import AuditEvent
from cases import payees, services
from cases.models import BenefitClaim, BenefitType, ClaimState, PayeeState, RepresentativePayee
from registry.models import BankAccount, PayeeDesignation, Payment, PaymentSchedule
from registry.selectors import payee_designation_in_force
from registry.services import add_months
from tests.conftest import make_insured
from tests.support import fresh_event_day, person_actor

from .conftest import account_of, active, audit_verify_output, events, portal_topics, requested, verified

pytestmark = pytest.mark.django_db


def reload(case):
    return RepresentativePayee.objects.get(pk=case.pk)


def test_request_verification_approval_suspension_resumption_revocation(org, team, beneficiary, representative):
    today = timezone.localdate()
    case = requested(beneficiary, representative)
    assert case.state == PayeeState.SUBMITTED
    assert (case.person, case.representative, case.owning_unit) == (beneficiary, representative, org.north_a)
    assert case.reference.startswith("RP-") and case.due_date is not None

    services.task_take(case_id=case.pk, actor=team["operator"])
    assert reload(case).state == PayeeState.VERIFYING
    payees.payee_verify(
        case_id=case.pk, actor=team["operator"], identity_ok=True, documents_ok=True, note="ID card seen."
    )
    case = reload(case)
    assert case.state == PayeeState.VERIFIED
    assert (case.identity_verified, case.documents_verified, case.verified_by) == (True, True, team["operator"])
    approve_task = Task.objects.get(process_id=case.process_id, status=STATUS.NEW)
    assert (approve_task.flow_task.name, approve_task.owner_permission) == ("approve", "roles.decide_cases")

    services.task_take(case_id=case.pk, actor=team["supervisor"])
    payees.payee_approve(case_id=case.pk, actor=team["supervisor"], active_from=today, note="Documents in order.")
    case = reload(case)
    assert case.state == PayeeState.ACTIVE  # from today: activated at once
    assert (case.approved_by, case.active_from) == (team["supervisor"], today)
    designation = PayeeDesignation.objects.get(case_reference=case.reference)
    assert (designation.beneficiary, designation.representative) == (beneficiary, representative)
    assert designation.bank_account == account_of(representative)
    assert (designation.active_from, designation.active_to, designation.suspended) == (today, None, False)

    payees.payee_suspend(case_id=case.pk, actor=team["operator2"], reason="Complaint of misuse under review.")
    assert reload(case).state == PayeeState.SUSPENDED
    assert PayeeDesignation.objects.get(pk=designation.pk).suspended is True

    payees.payee_resume(case_id=case.pk, actor=team["supervisor2"], note="Complaint unfounded.")
    assert reload(case).state == PayeeState.ACTIVE
    assert PayeeDesignation.objects.get(pk=designation.pk).suspended is False

    payees.payee_revoke(case_id=case.pk, actor=team["supervisor2"], reason="The beneficiary asked to manage alone.")
    case = reload(case)
    assert case.state == PayeeState.REVOKED
    assert (case.ended_on, case.end_reason) == (today, "The beneficiary asked to manage alone.")
    assert PayeeDesignation.objects.get(pk=designation.pk).active_to == today - dt.timedelta(days=1)
    assert case.process.status == PROCESS.DONE

    assert events(case) == [
        "representative_payee.created",
        "representative_payee.submit",
        "task.created",
        "task.assigned",
        "representative_payee.start_verification",
        "task.completed",
        "representative_payee.verify",
        "task.created",
        "task.assigned",
        "task.completed",
        "representative_payee.approve",
        "representative_payee.activate",
        "representative_payee.designation_written",
        "representative_payee.suspend",
        "representative_payee.resume",
        "representative_payee.revoke",
        "representative_payee.designation_ended",
    ]
    approve = AuditEvent.objects.get(subject_id=str(case.pk), action="representative_payee.approve")
    assert approve.actor_id == team["supervisor"].pk
    assert approve.from_state == PayeeState.VERIFIED and approve.to_state == PayeeState.APPROVED
    told = ["requested", "activated", "suspended", "resumed", "revoked"]
    assert portal_topics(case, beneficiary) == told
    assert portal_topics(case, representative) == [f"{topic}.representative" for topic in told]
    assert audit_verify_output().startswith("OK")


def test_a_later_activation_date_waits_for_the_daily_job(team, beneficiary, representative):
    start = timezone.localdate() + dt.timedelta(days=10)
    case = verified(beneficiary, representative, team)
    payees.payee_approve(case_id=case.pk, actor=team["supervisor"], active_from=start)
    assert reload(case).state == PayeeState.APPROVED
    assert not PayeeDesignation.objects.exists()
    assert portal_topics(case, beneficiary) == ["requested", "approved"]

    assert payees.activate_due_payees(on=start - dt.timedelta(days=1)) == (0, [])
    assert reload(case).state == PayeeState.APPROVED

    assert payees.activate_due_payees(on=start) == (1, [])
    assert reload(case).state == PayeeState.ACTIVE
    designation = PayeeDesignation.objects.get(case_reference=case.reference)
    assert designation.active_from == start
    activated = AuditEvent.objects.get(subject_id=str(case.pk), action="representative_payee.activate")
    assert activated.actor_id is None
    assert portal_topics(case, beneficiary) == ["requested", "approved", "activated"]
    assert payees.activate_due_payees(on=start) == (0, [])  # a second run finds nothing to do


def test_failed_checks_reject_the_request_with_the_reason(team, beneficiary, representative):
    case = requested(beneficiary, representative)
    services.task_take(case_id=case.pk, actor=team["operator"])
    payees.payee_verify(
        case_id=case.pk, actor=team["operator"], identity_ok=False, documents_ok=True, note="The ID card is expired."
    )
    case = reload(case)
    assert case.state == PayeeState.REJECTED
    assert "identity" in case.end_reason and "The ID card is expired." in case.end_reason
    assert case.process.status == PROCESS.DONE
    assert not Task.objects.filter(process_id=case.process_id, status__in=[STATUS.NEW, STATUS.ASSIGNED]).exists()
    assert events(case)[-2:] == ["task.completed", "representative_payee.reject"]
    reject = AuditEvent.objects.get(subject_id=str(case.pk), action="representative_payee.reject")
    assert reject.payload["identity_ok"] is False and reject.payload["reason"] == case.end_reason
    assert portal_topics(case, beneficiary) == ["requested", "rejected"]


def test_a_supervisor_rejects_a_verified_request(team, beneficiary, representative):
    case = verified(beneficiary, representative, team)
    payees.payee_reject(case_id=case.pk, actor=team["supervisor"], reason="The relationship is not proven.")
    case = reload(case)
    assert case.state == PayeeState.REJECTED and case.end_reason == "The relationship is not proven."
    assert events(case)[-2:] == ["task.completed", "representative_payee.reject"]


def test_the_beneficiary_withdraws_before_approval(team, beneficiary, representative):
    case = verified(beneficiary, representative, team)
    payees.payee_withdraw(actor=person_actor(case.pk), case_id=case.pk, reason="Changed my mind.")
    case = reload(case)
    assert case.state == PayeeState.WITHDRAWN
    assert case.process.status == PROCESS.DONE
    assert events(case)[-2:] == ["representative_payee.withdraw", "task.cancelled"]


def old_age_pension_in_payment(org, team, person):
    claim = services.claim_file(
        actor=Actor.person(person),
        person=person,
        benefit_type=BenefitType.OLD_AGE,
        event_date=fresh_event_day(person, BenefitType.OLD_AGE, timezone.localdate()),
    )
    assert claim.assessment["eligible"] is True
    services.task_take(case_id=claim.pk, actor=team["operator"])
    services.claim_recommend(case_id=claim.pk, actor=team["operator"], approve=True)
    claim = BenefitClaim.objects.get(pk=claim.pk)
    decider = team["region_supervisor"] if claim.deciding_unit == org.north else team["supervisor"]
    services.claim_decide(case_id=claim.pk, actor=decider, approve=True)
    claim = BenefitClaim.objects.get(pk=claim.pk)
    assert claim.state == ClaimState.IN_PAYMENT
    return claim


def test_benefits_go_to_the_representative_while_the_designation_is_in_force(org, team, representative):
    today = timezone.localdate()
    pensioner = make_insured(org.north_a, birth_date=dt.date(1950, 5, 1), months=300, start=dt.date(2000, 1, 1))
    own_iban = account_of(pensioner).iban
    representative_iban = account_of(representative).iban
    claim = old_age_pension_in_payment(org, team, pensioner)
    schedule = PaymentSchedule.objects.get(case_reference=claim.reference)

    def pay(months_later):
        on = add_months(today, months_later)
        paid, _completed = services.claim_pay_due(case_id=claim.pk, on=on)
        assert len(paid) == 1
        return Payment.objects.get(pk=paid[0].pk).iban

    assert pay(0) == own_iban  # before any designation
    case = active(pensioner, representative, team)
    assert pay(1) == representative_iban  # designation in force
    payees.payee_suspend(case_id=case.pk, actor=team["operator"], reason="Under review.")
    assert pay(2) == own_iban  # suspended: the beneficiary is paid directly
    payees.payee_resume(case_id=case.pk, actor=team["supervisor"])
    assert pay(3) == representative_iban
    payees.payee_revoke(case_id=case.pk, actor=team["supervisor"], reason="Ended.")
    assert pay(4) == own_iban  # after revocation

    assert schedule.bank_account.iban == own_iban  # the schedule keeps the beneficiary's own account
    paid_events = AuditEvent.objects.filter(subject_id=str(claim.pk), action="benefit_claim.paid").order_by("seq")
    assert [e.payload["iban"] for e in paid_events] == [
        own_iban,
        representative_iban,
        own_iban,
        representative_iban,
        own_iban,
    ]
    assert audit_verify_output().startswith("OK")


def test_a_designation_to_an_account_no_longer_valid_pays_the_beneficiary(org, team, beneficiary, representative):
    today = timezone.localdate()
    active(beneficiary, representative, team)
    assert payee_designation_in_force(beneficiary, today).bank_account == account_of(representative)
    BankAccount.objects.filter(person=representative).update(valid_to=today)
    assert payee_designation_in_force(beneficiary, today) is not None
    assert payee_designation_in_force(beneficiary, today + dt.timedelta(days=1)) is None
    assert payee_designation_in_force(beneficiary, today - dt.timedelta(days=1)) is None  # not yet started
