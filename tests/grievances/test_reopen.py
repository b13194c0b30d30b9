"""Reopening within the period after the resolution, refusal after it, and closure."""

import datetime as dt

import pytest
from django.utils import timezone

from audit.verify import verify_all
from cases import grievances
from cases.errors import CaseTransitionError, InvalidInput, NotAuthorized
from cases.grievances import ReopenPeriodOver, ReopenPeriodRunning
from cases.models import GrievanceState
from rules.parameters import param, set_param
from tests.support import person_actor

from .helpers import actions, audit_events, last_event, open_tasks, reload, topics

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


def test_the_claimant_reopens_on_the_last_day_of_the_period(resolved, team, org):
    last_day = resolved.reopen_until
    grievance = grievances.grievance_reopen(
        actor=person_actor(resolved.pk), case_id=resolved.pk, reason="The bank says otherwise.", on=last_day
    )
    assert grievance.state == GrievanceState.INVESTIGATING
    assert grievance.reopened_count == 1
    assert grievance.due_date == last_day + dt.timedelta(days=int(param("sla.grievance.normal.days", last_day)))
    (task,) = open_tasks(grievance)
    assert task.flow_task.name == "investigate"
    assert task.owner_id is None
    assert task.owner_permission_obj_pk == str(org.north_a.pk)
    assert actions(grievance)[-2:] == ["grievance.reopen", "task.created"]
    (reopen,) = [e for e in audit_events(grievance) if e.action == "grievance.reopen"]
    assert reopen.actor_id is None
    assert (reopen.from_state, reopen.to_state) == ("resolved", "investigating")
    assert reopen.payload["reason"] == "The bank says otherwise."
    assert reopen.payload["on"] == last_day.isoformat()
    assert topics(grievance)[-1] == "reopened"

    # The investigation goes on and ends with a new answer and a new reopening period.
    grievances.task_take(case_id=grievance.pk, actor=team["operator"])
    grievance = grievances.grievance_resolve(case_id=grievance.pk, actor=team["operator"], answer="We checked again.")
    assert grievance.state == GrievanceState.RESOLVED
    assert grievance.answer == "We checked again."
    assert verify_all().ok


def test_reopening_the_day_after_the_period_is_refused(resolved):
    with pytest.raises(ReopenPeriodOver) as refused:
        grievances.grievance_reopen(
            actor=person_actor(resolved.pk), case_id=resolved.pk, reason="Too late?", on=resolved.reopen_until + DAY
        )
    assert refused.value.status == 409
    assert refused.value.code == "reopen_period_over"
    assert str(resolved.reopen_until) in refused.value.message
    assert reload(resolved).state == GrievanceState.RESOLVED
    assert actions(resolved)[-1] == "grievance.resolve"
    assert open_tasks(resolved) == []


def test_the_period_follows_the_parameter_in_force_on_the_resolution_date(investigating, team):
    today = timezone.localdate()
    set_param("grievance.reopen_days", "5", valid_from=today)
    grievance = grievances.grievance_resolve(case_id=investigating.pk, actor=team["operator2"], answer="Done.")
    assert grievance.reopen_until == today + dt.timedelta(days=5)
    with pytest.raises(ReopenPeriodOver):
        grievances.grievance_reopen(
            actor=person_actor(grievance.pk), case_id=grievance.pk, reason="No.", on=today + dt.timedelta(days=6)
        )


def test_closing_waits_for_the_end_of_the_period(resolved):
    with pytest.raises(ReopenPeriodRunning) as refused:
        grievances.grievance_close(case_id=resolved.pk, on=resolved.reopen_until)
    assert refused.value.status == 409
    assert reload(resolved).state == GrievanceState.RESOLVED

    grievance = grievances.grievance_close(case_id=resolved.pk, on=resolved.reopen_until + DAY)
    assert grievance.state == GrievanceState.CLOSED
    assert last_event(grievance).actor_id is None
    assert topics(grievance)[-1] == "closed"


def test_a_closed_grievance_cannot_be_reopened_or_closed_again(resolved):
    grievances.grievance_close(case_id=resolved.pk, on=resolved.reopen_until + DAY)
    with pytest.raises(CaseTransitionError) as refused:
        grievances.grievance_reopen(
            actor=person_actor(resolved.pk), case_id=resolved.pk, reason="Again", on=resolved.reopen_until
        )
    assert refused.value.status == 409
    with pytest.raises(CaseTransitionError):
        grievances.grievance_close(case_id=resolved.pk, on=resolved.reopen_until + DAY)


def test_only_a_resolved_grievance_is_reopened_or_closed(investigating):
    with pytest.raises(CaseTransitionError) as refused:
        grievances.grievance_reopen(actor=person_actor(investigating.pk), case_id=investigating.pk, reason="Why?")
    assert refused.value.status == 409
    with pytest.raises(CaseTransitionError):
        grievances.grievance_close(case_id=investigating.pk)
    assert reload(investigating).state == GrievanceState.TRIAGED


def test_reopening_needs_a_reason(resolved):
    with pytest.raises(InvalidInput) as refused:
        grievances.grievance_reopen(actor=person_actor(resolved.pk), case_id=resolved.pk, reason="  ")
    assert refused.value.status == 422
    assert refused.value.field == "reason"


def test_a_counter_of_another_branch_cannot_reopen(resolved, team):
    with pytest.raises(NotAuthorized):
        grievances.grievance_reopen(case_id=resolved.pk, actor=team["other_operator"], reason="For the claimant.")
    grievance = grievances.grievance_reopen(case_id=resolved.pk, actor=team["operator"], reason="For the claimant.")
    (reopen,) = [e for e in audit_events(grievance) if e.action == "grievance.reopen"]
    assert reopen.actor_id == team["operator"].pk


def test_a_reopened_grievance_goes_back_to_the_queue_that_resolved_it(investigating, team, org):
    grievances.grievance_escalate(
        actor=person_actor(investigating.pk), case_id=investigating.pk, reason="I want the region to look at it."
    )
    region_operator = team["region_supervisor"]
    grievances.task_take(case_id=investigating.pk, actor=region_operator)
    grievances.grievance_resolve(case_id=investigating.pk, actor=region_operator, answer="The region answers.")
    grievance = grievances.grievance_reopen(
        actor=person_actor(investigating.pk), case_id=investigating.pk, reason="Still wrong."
    )
    (task,) = open_tasks(grievance)
    assert task.owner_permission_obj_pk == str(org.north.pk)
    assert grievance.escalation_level == 1
