"""Medical commissions end to end: request, documents, session, decision, appeal, finality, and
what the decision unlocks (a waiting disability claim, a dependant's eligibility)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import PROCESS, STATUS

from audit.actors import Actor
from audit.models import AuditEvent
from cases import eligibility, medical, services
from cases.models import (
    BenefitClaim,
    BenefitType,
    ClaimState,
    CommissionSession,
    MedicalCommission,
    MedicalPurpose,
    MedicalState,
    Notification,
)
from registry.models import DisabilityAssessment
from registry.selectors import is_wholly_disabled, latest_disability_degree
from rules.dependants import dependant_eligibility
from rules.parameters import params
from tests.conftest import make_insured
from tests.support import fresh_event_day, person_actor

from .conftest import LOCATION, audit_verify_output, decided, events, in_a_year, requested, scheduled, session_time

pytestmark = pytest.mark.django_db


def reload(case):
    return MedicalCommission.objects.get(pk=case.pk)


def test_request_documents_session_decision_and_finality(
    org, team, insured, doctors, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case = requested(insured)
    assert case.state == MedicalState.REQUESTED
    assert case.owning_unit == org.north_a and case.due_date is not None
    assert case.reference.startswith("MC-")

    services.task_take(case_id=case.pk, actor=team["operator"])
    assert reload(case).state == MedicalState.DOCUMENTS_REVIEW
    medical.medical_request_info(case_id=case.pk, actor=team["operator"], question="The specialist's report, please.")
    case = reload(case)
    assert case.state == MedicalState.AWAITING_INFO and case.info_request == "The specialist's report, please."
    medical.medical_receive_info(actor=person_actor(case.pk), case_id=case.pk, answer="Report uploaded.")
    assert reload(case).state == MedicalState.DOCUMENTS_REVIEW

    when = session_time()
    session = medical.medical_schedule(
        case_id=case.pk, actor=team["operator"], scheduled_for=when, location=LOCATION, members=doctors
    )
    assert reload(case).state == MedicalState.SCHEDULED
    assert (session.round, session.location) == (1, LOCATION)
    assert set(session.members.all()) == set(doctors)
    decide_task = Task.objects.get(process_id=case.process_id, status=STATUS.NEW)
    assert decide_task.flow_task.name == "decide"
    assert decide_task.owner_permission == "roles.medical_cases"
    assert decide_task.owner_permission_obj_pk == str(org.north_a.pk)

    review = in_a_year()
    services.task_take(case_id=case.pk, actor=doctors[1])
    medical.medical_decide(
        case_id=case.pk, actor=doctors[1], degree_percent=60, permanent=False, review_date=review, note="Partial loss."
    )
    case = reload(case)
    assert case.state == MedicalState.DECIDED
    assert (case.degree_percent, case.permanent, case.review_date) == (60, False, review)
    assessment = DisabilityAssessment.objects.get(person=insured)
    assert (assessment.degree_percent, assessment.permanent, assessment.review_date) == (60, False, review)
    assert assessment.source_reference == case.reference
    assert assessment.decided_on == timezone.localdate()

    deadline = medical.appeal_deadline(case)
    assert deadline == timezone.localdate() + dt.timedelta(days=30)
    medical.medical_finalise(case_id=case.pk, on=deadline + dt.timedelta(days=1))
    case = reload(case)
    assert case.state == MedicalState.FINAL
    assert case.process.status == PROCESS.DONE

    assert events(case) == [
        "medical_commission.created",
        "medical_commission.submit",
        "task.created",
        "task.assigned",
        "medical_commission.start_review",
        "medical_commission.request_info",
        "medical_commission.receive_info",
        "task.completed",
        "medical_commission.schedule",
        "task.created",
        "task.assigned",
        "task.completed",
        "medical_commission.decide",
        "medical_commission.assessment_recorded",
        "medical_commission.finalise",
    ]
    decide_event = AuditEvent.objects.get(subject_id=str(case.pk), action="medical_commission.decide")
    assert decide_event.actor_id == doctors[1].pk
    assert decide_event.payload["degree_percent"] == 60
    topics = [
        n.key.split(":")[1]
        for n in Notification.objects.filter(case=case, channel=Notification.Channel.PORTAL).order_by("id")
    ]
    assert topics == ["requested", "info_requested", "scheduled", "decided", "final"]
    assert any(case.reference in m.subject for m in mail.outbox)
    assert audit_verify_output().startswith("OK")


def test_appeal_to_a_second_commission_replaces_the_first_decision(org, team, insured, doctors, appeal_doctors):
    case = decided(insured, team, doctors, degree=40, permanent=True)
    assert latest_disability_degree(insured, timezone.localdate()) == 40

    medical.medical_appeal(actor=person_actor(case.pk), case_id=case.pk, grounds="My condition is worse than assessed.")
    case = reload(case)
    assert case.state == MedicalState.APPEALED
    assert case.appeal_grounds == "My condition is worse than assessed."
    task = Task.objects.get(process_id=case.process_id, status=STATUS.NEW)
    assert (task.flow_task.name, task.owner_permission) == ("schedule_appeal", "roles.work_cases")

    services.task_take(case_id=case.pk, actor=team["operator2"])
    session = medical.medical_schedule_appeal(
        case_id=case.pk,
        actor=team["operator2"],
        scheduled_for=session_time(),
        location=LOCATION,
        members=appeal_doctors,
    )
    assert session.round == 2
    assert reload(case).state == MedicalState.APPEAL_SCHEDULED

    medical.medical_decide_appeal(
        case_id=case.pk, actor=appeal_doctors[2], degree_percent=70, permanent=True, note="Worsened since."
    )
    case = reload(case)
    assert case.state == MedicalState.FINAL and case.degree_percent == 70
    assert case.process.status == PROCESS.DONE
    assert list(
        DisabilityAssessment.objects.filter(source_reference=case.reference)
        .order_by("id")
        .values_list("degree_percent", flat=True)
    ) == [40, 70]
    assert latest_disability_degree(insured, timezone.localdate()) == 70
    assert CommissionSession.objects.filter(case=case).count() == 2

    assert events(case) == [
        "medical_commission.created",
        "medical_commission.submit",
        "task.created",
        "task.assigned",
        "medical_commission.start_review",
        "task.completed",
        "medical_commission.schedule",
        "task.created",
        "task.completed",  # the member records the decision straight from the queue
        "medical_commission.decide",
        "medical_commission.assessment_recorded",
        "medical_commission.appeal",
        "task.created",
        "task.assigned",
        "task.completed",
        "medical_commission.schedule_appeal",
        "task.created",
        "task.completed",
        "medical_commission.decide_appeal",
        "medical_commission.assessment_recorded",
    ]
    topics = [
        n.key.split(":")[1]
        for n in Notification.objects.filter(case=case, channel=Notification.Channel.PORTAL).order_by("id")
    ]
    assert topics == ["requested", "scheduled", "decided", "appealed", "appeal_scheduled", "appeal_decided"]
    assert audit_verify_output().startswith("OK")


def test_the_decision_resumes_the_disability_claim_waiting_for_it(org, team, insured, doctors):
    claim = services.claim_file(
        actor=Actor.person(insured),
        person=insured,
        benefit_type=BenefitType.DISABILITY,
        event_date=fresh_event_day(insured, BenefitType.DISABILITY, timezone.localdate()),
    )
    assert claim.assessment["eligible"] is False
    services.task_take(case_id=claim.pk, actor=team["operator"])
    services.claim_request_info(case_id=claim.pk, actor=team["operator"], question="Medical commission decision.")
    assert BenefitClaim.objects.get(pk=claim.pk).state == ClaimState.AWAITING_INFO

    case = decided(insured, team, doctors, degree=60, permanent=True, related_claim=claim)

    claim = BenefitClaim.objects.get(pk=claim.pk)
    assert claim.state == ClaimState.IN_REVIEW
    resumed = AuditEvent.objects.get(subject_id=str(claim.pk), action="benefit_claim.receive_info")
    assert resumed.actor_id is None  # the system, on the commission's decision
    assert case.reference in claim.comments.get().text
    assert "medical_commission.claim_resumed" in events(case)

    assessment = eligibility.assess(claim)
    assert assessment.eligible and assessment.details["degree_percent"] == 60
    services.claim_recommend(case_id=claim.pk, actor=team["operator"], approve=True)
    claim = BenefitClaim.objects.get(pk=claim.pk)
    assert claim.recommended_amount == Decimal("600.00")  # 2000 x 0.50 x 60 %
    assert audit_verify_output().startswith("OK")


def test_a_decision_leaves_a_claim_that_waits_for_nothing_alone(org, team, insured, doctors):
    claim = services.claim_file(
        actor=Actor.person(insured),
        person=insured,
        benefit_type=BenefitType.DISABILITY,
        event_date=fresh_event_day(insured, BenefitType.DISABILITY, timezone.localdate()),
    )
    decided(insured, team, doctors, degree=60, related_claim=claim)
    assert BenefitClaim.objects.get(pk=claim.pk).state == ClaimState.SUBMITTED


def dependant_check(person, p):
    on = timezone.localdate()
    return dependant_eligibility(
        relationship="child",
        dependant_birth_date=person.birth_date,
        on=on,
        insured_sex="F",
        wholly_disabled=is_wholly_disabled(person, on),
        supported=True,
        insured_elsewhere=False,
        p=p,
    )


def test_a_wholly_disabled_adult_becomes_eligible_as_a_dependant(org, team, doctors):
    keys = [
        "dependant.father_min_age",
        "dependant.mother_min_age",
        "dependant.husband_min_age",
        "dependant.child_max_age",
    ]
    p = params(keys, timezone.localdate())
    adult_child = make_insured(org.north_a, birth_date=dt.date(1995, 3, 1))
    partly = make_insured(org.north_a, birth_date=dt.date(1995, 3, 1))
    assert not is_wholly_disabled(adult_child, timezone.localdate())
    assert not dependant_check(adult_child, p).eligible

    decided(adult_child, team, doctors, degree=100, purpose=MedicalPurpose.DEPENDANT)
    decided(partly, team, doctors, degree=99, purpose=MedicalPurpose.DEPENDANT)

    assert is_wholly_disabled(adult_child, timezone.localdate())
    assert dependant_check(adult_child, p).eligible
    assert not is_wholly_disabled(partly, timezone.localdate())
    assert not dependant_check(partly, p).eligible
    # Before the decision the person was not declared wholly disabled.
    assert not is_wholly_disabled(adult_child, timezone.localdate() - dt.timedelta(days=1))


def test_a_temporary_decision_stops_counting_after_its_review_date(org, team, insured, doctors):
    review = timezone.localdate() + dt.timedelta(days=90)
    decided(insured, team, doctors, degree=100, permanent=False, review_date=review)
    assert is_wholly_disabled(insured, review)
    assert not is_wholly_disabled(insured, review + dt.timedelta(days=1))


def test_the_daily_job_finalises_decisions_whose_appeal_period_ended(org, team, doctors):
    old = decided(make_insured(org.north_a), team, doctors)
    recent = decided(make_insured(org.north_a), team, doctors)
    appealed = decided(make_insured(org.north_a), team, doctors)
    medical.medical_appeal(actor=person_actor(appealed.pk), case_id=appealed.pk, grounds="Disagree.")
    MedicalCommission.objects.filter(pk=old.pk).update(decided_at=timezone.now() - dt.timedelta(days=31))

    finalised, refused = medical.finalise_due_decisions()

    assert (finalised, refused) == (1, [])
    assert reload(old).state == MedicalState.FINAL
    assert reload(recent).state == MedicalState.DECIDED
    assert reload(appealed).state == MedicalState.APPEALED
    final = AuditEvent.objects.get(subject_id=str(old.pk), action="medical_commission.finalise")
    assert final.actor_id is None


def test_withdrawal_before_the_session_cancels_the_open_task(org, team, insured, doctors):
    case = scheduled(insured, team, doctors)
    medical.medical_withdraw(actor=person_actor(case.pk), case_id=case.pk, reason="No longer needed.")
    case = reload(case)
    assert case.state == MedicalState.WITHDRAWN
    assert case.process.status == PROCESS.DONE
    assert not Task.objects.filter(process_id=case.process_id, status__in=[STATUS.NEW, STATUS.ASSIGNED]).exists()
    assert events(case)[-2:] == ["medical_commission.withdraw", "task.cancelled"]
