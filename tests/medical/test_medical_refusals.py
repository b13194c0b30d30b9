"""What the medical commission services refuse: wrong state (409), no authority (403), invalid
input (422, naming the field). A refusal changes nothing and writes no audit event."""

import datetime as dt

import pytest
from django.utils import timezone

from audit.actors import Actor
from audit.models import AuditEvent
from cases import medical, services
from cases.errors import CaseNotFound, CaseTransitionError, Conflict, InvalidInput, NotAuthorized
from cases.models import BenefitType, MedicalCommission, MedicalState
from registry.models import DisabilityAssessment
from roles.models import Role
from tests.conftest import make_insured, staff
from tests.support import fresh_event_day, person_actor

from .conftest import LOCATION, decided, in_a_year, requested, scheduled, session_time

pytestmark = pytest.mark.django_db


def state(case):
    return MedicalCommission.objects.get(pk=case.pk).state


def audit_count(case):
    return AuditEvent.objects.filter(subject_type="case", subject_id=str(case.pk)).count()


def decide(case, actor, **overrides):
    kwargs = {"degree_percent": 60, "permanent": True, "review_date": None, "note": "Findings."}
    kwargs.update(overrides)
    return medical.medical_decide(case_id=case.pk, actor=actor, **kwargs)


# --- Invalid input (422) ------------------------------------------------------------------------


@pytest.mark.parametrize("degree", [150, 101, -1, "sixty", None, True, 12.5])
def test_degree_outside_0_to_100_is_invalid(team, insured, doctors, degree):
    case = scheduled(insured, team, doctors)
    before = audit_count(case)
    with pytest.raises(InvalidInput) as exc:
        decide(case, doctors[0], degree_percent=degree)
    assert exc.value.status == 422 and exc.value.field == "degree_percent"
    assert state(case) == MedicalState.SCHEDULED
    assert audit_count(case) == before
    assert not DisabilityAssessment.objects.filter(person=insured).exists()


def test_the_bounds_are_valid_degrees(team, doctors, org):
    for degree in (0, 100):
        case = scheduled(make_insured(org.north_a), team, doctors)
        decide(case, doctors[0], degree_percent=degree)
        assert MedicalCommission.objects.get(pk=case.pk).degree_percent == degree


def test_temporary_decision_needs_a_future_review_date(team, insured, doctors):
    case = scheduled(insured, team, doctors)
    for review_date in (None, timezone.localdate(), timezone.localdate() - dt.timedelta(days=1)):
        with pytest.raises(InvalidInput) as exc:
            decide(case, doctors[0], permanent=False, review_date=review_date)
        assert exc.value.status == 422 and exc.value.field == "review_date"
    assert state(case) == MedicalState.SCHEDULED


def test_permanent_decision_has_no_review_date(team, insured, doctors):
    case = scheduled(insured, team, doctors)
    with pytest.raises(InvalidInput) as exc:
        decide(case, doctors[0], permanent=True, review_date=in_a_year())
    assert exc.value.field == "review_date"


def test_permanent_must_be_said_and_a_note_written(team, insured, doctors):
    case = scheduled(insured, team, doctors)
    with pytest.raises(InvalidInput) as exc:
        decide(case, doctors[0], permanent=None)
    assert exc.value.field == "permanent"
    with pytest.raises(InvalidInput) as exc:
        decide(case, doctors[0], note="  ")
    assert exc.value.field == "note"


def test_appeal_commission_sharing_a_member_with_the_first_is_refused(team, insured, doctors, appeal_doctors):
    case = decided(insured, team, doctors)
    medical.medical_appeal(actor=person_actor(case.pk), case_id=case.pk, grounds="I disagree.")
    services.task_take(case_id=case.pk, actor=team["operator"])
    before = audit_count(case)
    with pytest.raises(InvalidInput) as exc:
        medical.medical_schedule_appeal(
            case_id=case.pk,
            actor=team["operator"],
            scheduled_for=session_time(),
            location=LOCATION,
            members=[*appeal_doctors[:2], doctors[1]],
        )
    assert exc.value.status == 422 and exc.value.field == "members"
    assert doctors[1].username in exc.value.message
    assert state(case) == MedicalState.APPEALED
    assert audit_count(case) == before


def test_members_must_be_enough_distinct_commission_members_covering_the_case(org, team, insured, doctors):
    case = requested(insured)
    services.task_take(case_id=case.pk, actor=team["operator"])
    south_doctor = staff("doc_s1", Role.MEDICAL_COMMISSION, org.south)
    for members in (
        doctors[:2],  # too few
        [doctors[0], doctors[0], doctors[1]],  # twice the same
        [*doctors[:2], team["supervisor"]],  # no medical decision power
        [*doctors[:2], south_doctor],  # a commission member elsewhere
    ):
        with pytest.raises(InvalidInput) as exc:
            medical.medical_schedule(
                case_id=case.pk,
                actor=team["operator"],
                scheduled_for=session_time(),
                location=LOCATION,
                members=members,
            )
        assert exc.value.field == "members"
    assert state(case) == MedicalState.DOCUMENTS_REVIEW


def test_session_needs_a_time_not_in_the_past_and_a_place(team, insured, doctors):
    case = requested(insured)
    services.task_take(case_id=case.pk, actor=team["operator"])
    for when in (timezone.now() - dt.timedelta(days=2), dt.datetime(2030, 1, 1, 10, 0), "tomorrow"):
        with pytest.raises(InvalidInput) as exc:
            medical.medical_schedule(
                case_id=case.pk, actor=team["operator"], scheduled_for=when, location=LOCATION, members=doctors
            )
        assert exc.value.field == "scheduled_for"
    with pytest.raises(InvalidInput) as exc:
        medical.medical_schedule(
            case_id=case.pk, actor=team["operator"], scheduled_for=session_time(), location=" ", members=doctors
        )
    assert exc.value.field == "location"


def test_request_needs_a_known_purpose_and_a_claim_of_the_same_person(org, insured):
    with pytest.raises(InvalidInput) as exc:
        medical.medical_request(actor=Actor.person(insured), person=insured, purpose="curiosity")
    assert exc.value.field == "purpose"
    someone_else = make_insured(org.north_a)
    claim = services.claim_file(
        actor=Actor.person(someone_else),
        person=someone_else,
        benefit_type=BenefitType.DISABILITY,
        event_date=fresh_event_day(someone_else, BenefitType.DISABILITY, timezone.localdate()),
    )
    with pytest.raises(InvalidInput) as exc:
        medical.medical_request(
            actor=Actor.person(insured), person=insured, purpose="disability_claim", related_claim=claim
        )
    assert exc.value.field == "related_claim"
    assert not MedicalCommission.objects.exists()


def test_appeal_needs_grounds(team, insured, doctors):
    case = decided(insured, team, doctors)
    with pytest.raises(InvalidInput) as exc:
        medical.medical_appeal(actor=person_actor(case.pk), case_id=case.pk, grounds="")
    assert exc.value.field == "grounds"


# --- No authority (403) -------------------------------------------------------------------------


def test_only_a_member_of_the_session_decides(org, team, insured, doctors, appeal_doctors):
    case = scheduled(insured, team, doctors)
    for outsider in (appeal_doctors[0], team["supervisor"], team["operator"]):
        with pytest.raises(NotAuthorized) as exc:
            decide(case, outsider)
        assert exc.value.status == 403
    assert state(case) == MedicalState.SCHEDULED
    assert not DisabilityAssessment.objects.exists()


def test_a_member_of_the_first_session_does_not_decide_the_appeal(team, insured, doctors, appeal_doctors):
    case = decided(insured, team, doctors)
    medical.medical_appeal(actor=person_actor(case.pk), case_id=case.pk, grounds="I disagree.")
    services.task_take(case_id=case.pk, actor=team["operator"])
    medical.medical_schedule_appeal(
        case_id=case.pk, actor=team["operator"], scheduled_for=session_time(), location=LOCATION, members=appeal_doctors
    )
    with pytest.raises(NotAuthorized):
        medical.medical_decide_appeal(case_id=case.pk, actor=doctors[0], degree_percent=50, permanent=True, note="x")
    assert state(case) == MedicalState.APPEAL_SCHEDULED


def test_staff_of_another_branch_cannot_review_or_schedule(team, insured, doctors):
    case = requested(insured)
    with pytest.raises(NotAuthorized):
        services.task_take(case_id=case.pk, actor=team["other_operator"])
    with pytest.raises(NotAuthorized):
        medical.medical_request(person=insured, purpose="review", actor=team["other_operator"])
    services.task_take(case_id=case.pk, actor=team["operator"])
    with pytest.raises(NotAuthorized):
        medical.medical_schedule(
            case_id=case.pk,
            actor=team["other_operator"],
            scheduled_for=session_time(),
            location=LOCATION,
            members=doctors,
        )


# --- Wrong state or step (409) ------------------------------------------------------------------


def test_no_decision_before_the_session_is_scheduled(team, insured, doctors):
    case = requested(insured)
    with pytest.raises(CaseTransitionError) as exc:
        decide(case, doctors[0])
    assert exc.value.status == 409
    assert state(case) == MedicalState.REQUESTED


def test_no_decision_before_the_session_day(team, insured, doctors):
    case = requested(insured)
    services.task_take(case_id=case.pk, actor=team["operator"])
    medical.medical_schedule(
        case_id=case.pk,
        actor=team["operator"],
        scheduled_for=timezone.now() + dt.timedelta(days=7),
        location=LOCATION,
        members=doctors,
    )
    with pytest.raises(CaseTransitionError):
        decide(case, doctors[0])
    assert state(case) == MedicalState.SCHEDULED


def test_scheduling_needs_the_review_task_in_hand(team, insured, doctors):
    case = requested(insured)
    with pytest.raises(Conflict) as exc:
        medical.medical_schedule(
            case_id=case.pk, actor=team["operator"], scheduled_for=session_time(), location=LOCATION, members=doctors
        )
    assert exc.value.status == 409
    services.task_take(case_id=case.pk, actor=team["operator"])
    with pytest.raises(Conflict):
        medical.medical_schedule(
            case_id=case.pk, actor=team["operator2"], scheduled_for=session_time(), location=LOCATION, members=doctors
        )


def test_decided_twice_or_appealed_twice_is_refused(team, insured, doctors):
    case = decided(insured, team, doctors)
    with pytest.raises(CaseTransitionError):
        decide(case, doctors[1])
    medical.medical_appeal(actor=person_actor(case.pk), case_id=case.pk, grounds="I disagree.")
    with pytest.raises(CaseTransitionError):
        medical.medical_appeal(actor=person_actor(case.pk), case_id=case.pk, grounds="Again.")
    assert DisabilityAssessment.objects.filter(person=insured).count() == 1


def test_no_appeal_after_the_appeal_period(team, insured, doctors):
    case = decided(insured, team, doctors)
    MedicalCommission.objects.filter(pk=case.pk).update(decided_at=timezone.now() - dt.timedelta(days=31))
    with pytest.raises(CaseTransitionError) as exc:
        medical.medical_appeal(actor=person_actor(case.pk), case_id=case.pk, grounds="Too late.")
    assert exc.value.status == 409
    assert state(case) == MedicalState.DECIDED


def test_appeal_on_the_last_day_of_the_period_is_accepted(team, insured, doctors):
    case = decided(insured, team, doctors)
    MedicalCommission.objects.filter(pk=case.pk).update(decided_at=timezone.now() - dt.timedelta(days=30))
    medical.medical_appeal(actor=person_actor(case.pk), case_id=case.pk, grounds="Just in time.")
    assert state(case) == MedicalState.APPEALED


def test_not_final_while_it_may_still_be_appealed(team, insured, doctors):
    case = decided(insured, team, doctors)
    deadline = medical.appeal_deadline(MedicalCommission.objects.get(pk=case.pk))
    with pytest.raises(CaseTransitionError):
        medical.medical_finalise(case_id=case.pk, on=deadline)
    medical.medical_appeal(actor=person_actor(case.pk), case_id=case.pk, grounds="I disagree.")
    with pytest.raises(CaseTransitionError):
        medical.medical_finalise(case_id=case.pk, on=deadline + dt.timedelta(days=1))
    assert state(case) == MedicalState.APPEALED


def test_no_withdrawal_after_the_decision(team, insured, doctors):
    case = decided(insured, team, doctors)
    with pytest.raises(CaseTransitionError):
        medical.medical_withdraw(actor=person_actor(case.pk), case_id=case.pk)
    assert state(case) == MedicalState.DECIDED


def test_a_case_of_another_type_is_not_a_commission(team, insured):
    claim = services.claim_file(
        actor=Actor.person(insured),
        person=insured,
        benefit_type=BenefitType.DISABILITY,
        event_date=fresh_event_day(insured, BenefitType.DISABILITY, timezone.localdate()),
    )
    with pytest.raises(CaseNotFound) as exc:
        medical.medical_withdraw(actor=person_actor(claim.pk), case_id=claim.pk)
    assert exc.value.status == 404
