"""Every way a grievance service refuses: invalid input (422), wrong state (409), no authority (403)."""

import datetime as dt

import pytest

from audit.actors import Actor
from cases import grievances
from cases.errors import CaseNotFound, CaseTransitionError, Conflict, InvalidInput, NotAuthorized
from cases.models import Grievance, GrievanceState, Notification, Priority
from cases.services import claim_file
from tests.conftest import make_insured
from tests.support import fresh_event_day, person_actor

from .helpers import actions, file_grievance, reload, triage

pytestmark = pytest.mark.django_db


# --- Invalid input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"description": ""}, "description"),
        ({"description": None}, "description"),
    ],
)
def test_filing_needs_a_subject_and_a_description(insured, fields, field):
    with pytest.raises(InvalidInput) as refused:
        file_grievance(insured, **fields)
    assert refused.value.status == 422
    assert refused.value.field == field
    assert not Grievance.objects.exists()


def test_the_related_case_must_be_the_person_s_own(insured, org):
    someone_else = make_insured(org.north_a)
    their_grievance = file_grievance(someone_else)
    with pytest.raises(InvalidInput) as refused:
        file_grievance(insured, related_case=their_grievance)
    assert refused.value.field == "related_case"
    assert Grievance.objects.count() == 1


def test_a_grievance_may_concern_the_person_s_claim(insured):
    claim = claim_file(
        actor=Actor.person(insured),
        person=insured,
        benefit_type="marriage",
        event_date=fresh_event_day(insured, "marriage", dt.date(2024, 12, 1)),
    )
    grievance = file_grievance(insured, related_case=claim)
    assert reload(grievance).related_case_id == claim.pk


@pytest.mark.parametrize(
    ("category", "priority", "field"),
    [("weather", Priority.NORMAL, "category"), ("", Priority.NORMAL, "category"), ("compliance", "asap", "priority")],
)
def test_triage_takes_a_known_category_and_priority(filed, team, category, priority, field):
    grievances.task_take(case_id=filed.pk, actor=team["operator"])
    with pytest.raises(InvalidInput) as refused:
        grievances.grievance_triage(case_id=filed.pk, actor=team["operator"], category=category, priority=priority)
    assert refused.value.status == 422
    assert refused.value.field == field
    assert reload(filed).state == GrievanceState.SUBMITTED


def test_an_answer_is_required(investigating, team):
    with pytest.raises(InvalidInput) as refused:
        grievances.grievance_resolve(case_id=investigating.pk, actor=team["operator2"], answer=" \n ")
    assert refused.value.status == 422
    assert refused.value.field == "answer"
    assert reload(investigating).state == GrievanceState.TRIAGED


def test_a_request_for_information_needs_a_question(investigating, team):
    with pytest.raises(InvalidInput) as refused:
        grievances.grievance_request_info(case_id=investigating.pk, actor=team["operator2"], question="")
    assert refused.value.field == "question"


# --- Wrong state -----------------------------------------------------------------------------------


def test_an_untriaged_grievance_cannot_be_resolved(filed, team):
    grievances.task_take(case_id=filed.pk, actor=team["operator"])
    with pytest.raises(CaseTransitionError) as refused:
        grievances.grievance_resolve(case_id=filed.pk, actor=team["operator"], answer="Answer.")
    assert refused.value.status == 409
    assert reload(filed).state == GrievanceState.SUBMITTED


def test_a_grievance_is_triaged_once(investigating, team):
    with pytest.raises(CaseTransitionError) as refused:
        grievances.grievance_triage(case_id=investigating.pk, actor=team["operator2"], category="other", priority="low")
    assert refused.value.status == 409
    assert reload(investigating).priority == Priority.NORMAL


def test_a_grievance_awaiting_information_is_not_resolved_before_the_answer(investigating, team):
    grievances.grievance_request_info(case_id=investigating.pk, actor=team["operator2"], question="Dates?")
    before = actions(investigating)
    with pytest.raises(CaseTransitionError) as refused:
        grievances.grievance_resolve(case_id=investigating.pk, actor=team["operator2"], answer="Answer.")
    assert refused.value.status == 409
    assert "awaiting information" in refused.value.message
    assert actions(investigating) == before  # the task completion was rolled back with the refusal
    with pytest.raises(CaseTransitionError):
        grievances.grievance_request_info(case_id=investigating.pk, actor=team["operator2"], question="Again?")


def test_information_is_received_only_when_asked(investigating):
    with pytest.raises(CaseTransitionError) as refused:
        grievances.grievance_receive_info(
            actor=person_actor(investigating.pk), case_id=investigating.pk, answer="Unasked."
        )
    assert refused.value.status == 409


def test_a_resolved_grievance_has_no_task_to_work_on(resolved, team):
    with pytest.raises(CaseTransitionError) as refused:
        grievances.grievance_resolve(case_id=resolved.pk, actor=team["operator2"], answer="Again.")
    assert refused.value.status == 409
    with pytest.raises(CaseTransitionError):
        grievances.grievance_withdraw(actor=person_actor(resolved.pk), case_id=resolved.pk)


def test_the_task_must_be_taken_before_working_on_it(triaged, team):
    with pytest.raises(Conflict) as refused:
        grievances.grievance_request_info(case_id=triaged.pk, actor=team["operator"], question="Dates?")
    assert refused.value.status == 409
    grievances.task_take(case_id=triaged.pk, actor=team["operator2"])
    with pytest.raises(Conflict):  # held by someone else
        grievances.grievance_resolve(case_id=triaged.pk, actor=team["operator"], answer="Answer.")


def test_other_case_types_are_not_grievances(insured):
    claim = claim_file(
        actor=Actor.person(insured),
        person=insured,
        benefit_type="marriage",
        event_date=fresh_event_day(insured, "marriage", dt.date(2024, 12, 1)),
    )
    with pytest.raises(CaseNotFound) as refused:
        grievances.grievance_withdraw(actor=person_actor(claim.pk), case_id=claim.pk)
    assert refused.value.status == 404


# --- No authority ----------------------------------------------------------------------------------


def test_another_branch_s_operator_cannot_work_on_it(filed, team):
    other = team["other_operator"]
    with pytest.raises(NotAuthorized) as refused:
        grievances.task_take(case_id=filed.pk, actor=other)
    assert refused.value.status == 403
    grievances.task_take(case_id=filed.pk, actor=team["operator"])
    with pytest.raises(NotAuthorized):
        grievances.grievance_triage(case_id=filed.pk, actor=other, category="other", priority="low")


def test_another_branch_s_operator_cannot_resolve_ask_or_record(investigating, team):
    other = team["other_operator"]
    with pytest.raises(NotAuthorized):
        grievances.grievance_resolve(case_id=investigating.pk, actor=other, answer="Answer.")
    with pytest.raises(NotAuthorized):
        grievances.grievance_request_info(case_id=investigating.pk, actor=other, question="Dates?")
    with pytest.raises(NotAuthorized):
        grievances.grievance_withdraw(case_id=investigating.pk, actor=other)
    assert reload(investigating).state == GrievanceState.TRIAGED


def test_a_counter_files_only_for_people_of_its_subtree(insured, team):
    with pytest.raises(NotAuthorized):
        file_grievance(insured, actor=team["other_operator"])
    assert not Grievance.objects.exists()
    assert not Notification.objects.exists()


def test_an_auditor_reads_but_does_not_work(filed, team):
    with pytest.raises(NotAuthorized):
        grievances.task_take(case_id=filed.pk, actor=team["auditor"])


# --- Who answers -----------------------------------------------------------------------------------


@pytest.mark.parametrize("priority", [Priority.HIGH, Priority.URGENT])
def test_a_supervisor_answers_high_and_urgent_grievances(filed, team, priority):
    grievance = triage(filed, team["operator"], priority=priority)
    grievances.task_take(case_id=grievance.pk, actor=team["operator2"])
    with pytest.raises(NotAuthorized) as refused:
        grievances.grievance_resolve(case_id=grievance.pk, actor=team["operator2"], answer="Draft answer.")
    assert refused.value.status == 403
    # The operator investigates; the supervisor takes the task over and signs the answer.
    grievances.grievance_request_info(case_id=grievance.pk, actor=team["operator2"], question="Dates?")
    grievances.grievance_receive_info(actor=person_actor(grievance.pk), case_id=grievance.pk, answer="May.")
    grievances.task_reassign(case_id=grievance.pk, actor=team["supervisor"], to_user=team["supervisor"])
    grievance = grievances.grievance_resolve(case_id=grievance.pk, actor=team["supervisor"], answer="Signed answer.")
    assert grievance.state == GrievanceState.RESOLVED


@pytest.mark.parametrize("priority", [Priority.LOW, Priority.NORMAL])
def test_an_operator_answers_low_and_normal_grievances(filed, team, priority):
    grievance = triage(filed, team["operator"], priority=priority)
    grievances.task_take(case_id=grievance.pk, actor=team["operator"])
    grievance = grievances.grievance_resolve(case_id=grievance.pk, actor=team["operator"], answer="Answer.")
    assert grievance.state == GrievanceState.RESOLVED
