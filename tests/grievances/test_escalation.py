"""Escalation to the next level up: on the claimant's request, when overdue, and at the top."""

import datetime as dt

import pytest
from django.utils import timezone
from viewflow.workflow.status import STATUS

from audit.verify import verify_all
from cases import deadlines, grievances
from cases.errors import CaseTransitionError, InvalidInput, NotAuthorized
from cases.grievances import NoLevelAbove
from cases.models import GrievanceState
from roles.models import Role
from rules.parameters import param
from tests.support import person_actor

from .helpers import actions, audit_events, open_tasks, reload, tasks, topics

pytestmark = pytest.mark.django_db


@pytest.fixture
def region_operator(make_staff, org):
    return make_staff("op_n", Role.OPERATOR, org.north)


def test_the_claimant_asks_for_escalation_of_an_untriaged_grievance(filed, team, org, region_operator):
    grievances.task_take(case_id=filed.pk, actor=team["operator"])
    grievance = grievances.grievance_escalate(
        actor=person_actor(filed.pk), case_id=filed.pk, reason="Nobody answers at my branch."
    )

    today = timezone.localdate()
    assert grievance.state == GrievanceState.SUBMITTED
    assert grievance.escalation_level == 1
    assert grievance.owning_unit == org.north_a  # the grievance stays the branch's; its work moves up
    assert grievance.due_date == today + dt.timedelta(days=int(param("sla.grievance.days", today)))
    old, new = tasks(grievance)
    assert old.status == STATUS.CANCELED
    assert (new.flow_task.name, new.status, new.owner_id) == ("triage", STATUS.NEW, None)
    assert new.owner_permission_obj_pk == str(org.north.pk)
    assert actions(grievance)[-3:] == ["grievance.escalated", "task.cancelled", "task.created"]
    escalated = [e for e in audit_events(grievance) if e.action == "grievance.escalated"][0]
    assert escalated.actor_id is None
    assert escalated.org_unit_id == org.north.pk
    assert escalated.payload == {
        "reason": "Nobody answers at my branch.",
        "from": "NA",
        "to": "N",
        "level": 1,
        "node": "triage",
        "due_date": grievance.due_date.isoformat(),
    }
    assert topics(grievance)[-1] == "escalated"

    # The branch no longer works on it; the region does.
    with pytest.raises(NotAuthorized):
        grievances.task_take(case_id=grievance.pk, actor=team["operator2"])
    grievances.task_take(case_id=grievance.pk, actor=region_operator)
    grievance = grievances.grievance_triage(
        case_id=grievance.pk, actor=region_operator, category="benefit_processing", priority="normal"
    )
    (investigate,) = open_tasks(grievance)
    assert investigate.owner_permission_obj_pk == str(org.north.pk)
    assert verify_all().ok


def test_escalation_takes_the_task_from_its_holder(investigating, team, org, region_operator):
    grievances.grievance_request_info(case_id=investigating.pk, actor=team["operator2"], question="Which month?")
    grievance = grievances.grievance_escalate(
        actor=person_actor(investigating.pk), case_id=investigating.pk, reason="Too slow."
    )
    assert grievance.state == GrievanceState.AWAITING_INFO
    (task,) = open_tasks(grievance)
    assert (task.flow_task.name, task.owner_id) == ("investigate", None)
    with pytest.raises(NotAuthorized):
        grievances.grievance_resolve(case_id=grievance.pk, actor=team["operator2"], answer="Branch answer.")
    grievances.grievance_receive_info(actor=person_actor(grievance.pk), case_id=grievance.pk, answer="March.")
    grievances.task_take(case_id=grievance.pk, actor=region_operator)
    grievance = grievances.grievance_resolve(case_id=grievance.pk, actor=region_operator, answer="Region answer.")
    assert grievance.state == GrievanceState.RESOLVED
    resolve = [e for e in audit_events(grievance) if e.action == "grievance.resolve"][0]
    assert resolve.org_unit_id == org.north.pk


def test_at_the_central_office_there_is_no_level_above(triaged, org):
    grievances.grievance_escalate(actor=person_actor(triaged.pk), case_id=triaged.pk, reason="To the region.")
    grievance = grievances.grievance_escalate(
        actor=person_actor(triaged.pk), case_id=triaged.pk, reason="To the central office."
    )
    assert grievance.escalation_level == 2
    assert open_tasks(grievance)[0].owner_permission_obj_pk == str(org.central.pk)
    before = actions(grievance)

    with pytest.raises(NoLevelAbove) as refused:
        grievances.grievance_escalate(actor=person_actor(triaged.pk), case_id=triaged.pk, reason="Higher still.")
    assert refused.value.status == 409
    assert refused.value.code == "no_level_above"
    assert org.central.name in refused.value.message
    assert reload(grievance).escalation_level == 2
    assert actions(grievance) == before
    assert open_tasks(grievance)[0].owner_permission_obj_pk == str(org.central.pk)


def test_an_overdue_grievance_is_escalated_by_the_deadline_job(triaged, team, org):
    late = triaged.due_date + dt.timedelta(days=1)
    marked = deadlines.case_mark_overdue(case_id=triaged.pk, on=late)
    assert marked.escalated_to == "N"
    grievance = reload(triaged)
    assert grievance.escalation_level == 1
    assert grievance.due_date == late + dt.timedelta(days=int(param("sla.grievance.normal.days", late)))
    assert grievance.overdue_since is None  # on time again at the level above
    (task,) = open_tasks(grievance)
    assert task.owner_permission_obj_pk == str(org.north.pk)
    escalated = [e for e in audit_events(grievance) if e.action == "grievance.escalated"][0]
    assert escalated.actor_id is None
    assert triaged.due_date.isoformat() in escalated.payload["reason"]
    assert actions(grievance).index("case.overdue") < actions(grievance).index("grievance.escalated")

    # Late again at the region: up to the central office, and no further.
    later = grievance.due_date + dt.timedelta(days=1)
    assert deadlines.case_mark_overdue(case_id=triaged.pk, on=later).escalated_to == "HQ"
    last = reload(triaged).due_date + dt.timedelta(days=1)
    refused = deadlines.case_mark_overdue(case_id=triaged.pk, on=last)
    assert refused.escalated_to is None and refused.escalation_refused
    assert reload(triaged).escalation_level == 2
    assert verify_all().ok


def test_only_an_open_grievance_is_escalated(resolved):
    with pytest.raises(CaseTransitionError) as refused:
        grievances.grievance_escalate(
            actor=person_actor(resolved.pk), case_id=resolved.pk, reason="Escalate the answer."
        )
    assert refused.value.status == 409
    assert "resolved" in refused.value.message


def test_escalation_needs_a_reason(filed):
    with pytest.raises(InvalidInput) as refused:
        grievances.grievance_escalate(actor=person_actor(filed.pk), case_id=filed.pk, reason="")
    assert refused.value.status == 422
    assert refused.value.field == "reason"
    assert reload(filed).escalation_level == 0


def test_a_counter_records_the_request_only_in_the_person_s_branch_subtree(filed, team):
    with pytest.raises(NotAuthorized):
        grievances.grievance_escalate(case_id=filed.pk, actor=team["other_operator"], reason="For the claimant.")
    grievance = grievances.grievance_escalate(case_id=filed.pk, actor=team["operator"], reason="For the claimant.")
    escalated = [e for e in audit_events(grievance) if e.action == "grievance.escalated"][0]
    assert escalated.actor_id == team["operator"].pk
