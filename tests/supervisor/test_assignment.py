"""Bulk reassignment: each task through the one-case service, each case in its own transaction."""

import pytest
from viewflow.workflow.status import STATUS

from audit.models import AuditEvent
from cases import assignment, services
from cases.errors import InvalidInput
from cases.selectors import open_task_of

from .conftest import held_by

pytestmark = pytest.mark.django_db


def _events(action, claims):
    return AuditEvent.objects.filter(action=action, subject_type="case", subject_id__in=[str(c.pk) for c in claims])


def test_moves_every_task_with_one_audit_event_each(team, insured):
    claims = held_by(insured, team["operator"], 4)
    ids = [open_task_of(c).pk for c in claims]

    result = assignment.tasks_reassign(
        task_ids=ids, actor=team["supervisor"], to_user=team["operator2"], from_user_id=team["operator"].pk
    )

    assert sorted(result.moved) == sorted(c.reference for c in claims)
    assert result.refused == []
    assert all(open_task_of(c).owner_id == team["operator2"].pk for c in claims)
    events = _events("task.reassigned", claims)
    assert events.count() == 4
    assert {e.actor_id for e in events} == {team["supervisor"].pk}
    assert {e.payload["previous_owner_id"] for e in events} == {team["operator"].pk}


def test_one_refusal_does_not_undo_the_others(team, insured):
    claims = held_by(insured, team["operator"], 3)
    ids = [open_task_of(c).pk for c in claims]
    # The second case moves on after the supervisor chose it: its review task is closed.
    services.claim_recommend(case_id=claims[1].pk, actor=team["operator"], approve=True)

    result = assignment.tasks_reassign(
        task_ids=ids, actor=team["supervisor"], to_user=team["operator2"], from_user_id=team["operator"].pk
    )

    assert sorted(result.moved) == sorted([claims[0].reference, claims[2].reference])
    assert [(r.reference, r.message) for r in result.refused] == [
        (claims[1].reference, "The case has moved on to another step since this page was shown.")
    ]
    assert open_task_of(claims[0]).owner_id == team["operator2"].pk
    assert open_task_of(claims[2]).owner_id == team["operator2"].pk
    decision = open_task_of(claims[1])
    assert decision.status == STATUS.NEW and decision.owner_id is None
    assert _events("task.reassigned", claims).count() == 2


def test_a_person_who_may_not_do_the_work_is_refused_with_the_reason(team, insured):
    claims = held_by(insured, team["operator"], 2)
    ids = [open_task_of(c).pk for c in claims]

    result = assignment.tasks_reassign(task_ids=ids, actor=team["supervisor"], to_user=team["other_operator"])

    assert result.moved == []
    assert [r.message for r in result.refused] == [f"{team['other_operator']} may not do this task here."] * 2
    assert all(open_task_of(c).owner_id == team["operator"].pk for c in claims)
    assert not _events("task.reassigned", claims).exists()


def test_a_task_taken_back_by_someone_else_is_not_taken_from_them(team, insured):
    (claim,) = held_by(insured, team["operator"], 1)
    task_id = open_task_of(claim).pk
    services.task_reassign(case_id=claim.pk, actor=team["supervisor2"], to_user=team["operator2"])

    result = assignment.tasks_reassign(
        task_ids=[task_id], actor=team["supervisor"], to_user=team["supervisor"], from_user_id=team["operator"].pk
    )

    assert result.moved == []
    assert result.refused[0].message == "The task is no longer held by the same person."
    assert open_task_of(claim).owner_id == team["operator2"].pk


def test_back_to_the_queue(team, insured):
    claims = held_by(insured, team["operator"], 2)

    result = assignment.tasks_reassign(
        task_ids=[open_task_of(c).pk for c in claims], actor=team["supervisor"], from_user_id=team["operator"].pk
    )

    assert len(result.moved) == 2
    assert all(open_task_of(c).status == STATUS.NEW and open_task_of(c).owner_id is None for c in claims)
    assert _events("task.unassigned", claims).count() == 2


def test_an_operator_may_not_move_a_colleague_s_tasks(team, insured):
    claims = held_by(insured, team["operator"], 1)

    result = assignment.tasks_reassign(
        task_ids=[open_task_of(claims[0]).pk], actor=team["operator2"], to_user=team["operator2"]
    )

    assert result.moved == []
    assert "reassign tasks" in result.refused[0].message
    assert open_task_of(claims[0]).owner_id == team["operator"].pk


def test_batch_size_is_limited(team, monkeypatch):
    monkeypatch.setattr(assignment, "MAX_BATCH", 3)
    with pytest.raises(InvalidInput, match="At most 3 tasks can be moved at once; you chose 4"):
        assignment.tasks_reassign(task_ids=[1, 2, 3, 4], actor=team["supervisor"], to_user=team["operator2"])
    with pytest.raises(InvalidInput, match="Choose at least one task"):
        assignment.tasks_reassign(task_ids=[], actor=team["supervisor"], to_user=team["operator2"])
