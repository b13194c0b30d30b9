"""Overdue decisions of the types decided under four eyes with an amount move up one level:
the decision task goes to the parent unit's queue, which becomes the deciding unit."""

import datetime as dt

import pytest
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from audit.actors import Actor
from cases import deadlines, refunds, waivers
from cases.engine import task_take
from cases.errors import NotAuthorized
from cases.models import ArrearsWaiver, ContributionRefund, RefundState, StaffAlert, WaiverState

from .conftest import FEB, JAN
from .helpers import events

pytestmark = pytest.mark.django_db


def open_task(case):
    return Task.objects.get(process_id=case.process_id, status__in=(STATUS.NEW, STATUS.ASSIGNED))


def test_an_overdue_waiver_decision_moves_to_the_region(org, team, late_payer):
    case = waivers.waiver_file(
        actor=Actor.person(late_payer), person=late_payer, period_from=JAN, period_to=FEB, grounds="Hospitalised"
    )
    task_take(case_id=case.pk, actor=team["operator"])
    waivers.waiver_recommend(case_id=case.pk, actor=team["operator"], approve=True)
    case = ArrearsWaiver.objects.get(pk=case.pk)
    assert case.deciding_unit_id == org.north_a.pk
    assert open_task(case).flow_task.name == "decide"

    run = deadlines.mark_overdue(on=case.due_date + dt.timedelta(days=1))

    assert (run.marked, run.escalated) == (1, 1)
    case = ArrearsWaiver.objects.get(pk=case.pk)
    assert case.escalation_level == 1 and case.deciding_unit_id == org.north.pk
    task = open_task(case)
    assert (task.flow_task.name, task.owner_permission_obj_pk) == ("decide", str(org.north.pk))
    assert events(case)[-4:] == ["case.overdue", "task.cancelled", "task.created", "case.escalated"]
    assert sorted(StaffAlert.objects.filter(case=case, kind="escalated").values_list("user__username", flat=True)) == [
        "sup_n"
    ]

    with pytest.raises(NotAuthorized):
        waivers.waiver_decide(case_id=case.pk, actor=team["supervisor"], approve=True)
    waivers.waiver_decide(case_id=case.pk, actor=team["region_supervisor"], approve=True)
    assert ArrearsWaiver.objects.get(pk=case.pk).state == WaiverState.APPLIED


def test_an_overdue_waiver_in_review_only_alerts(org, team, late_payer):
    case = waivers.waiver_file(
        actor=Actor.person(late_payer), person=late_payer, period_from=JAN, period_to=FEB, grounds="Hospitalised"
    )
    task_take(case_id=case.pk, actor=team["operator"])

    run = deadlines.mark_overdue(on=case.due_date + dt.timedelta(days=1))

    assert (run.marked, run.escalated) == (1, 0)
    case = ArrearsWaiver.objects.get(pk=case.pk)
    assert case.escalation_level == 0 and case.state == WaiverState.IN_REVIEW
    assert open_task(case).owner_id == team["operator"].pk


def test_an_overdue_refund_decision_moves_to_the_region(org, team, overpayer):
    case = refunds.refund_file(
        actor=Actor.person(overpayer),
        person=overpayer,
        period_from=dt.date(2024, 1, 1),
        period_to=dt.date(2024, 6, 1),
        reason="Paid twice",
    )
    task_take(case_id=case.pk, actor=team["operator"])
    refunds.refund_recommend(case_id=case.pk, actor=team["operator"], approve=True)
    assert open_task(case).owner_permission_obj_pk == str(org.north_a.pk)

    run = deadlines.mark_overdue(on=case.due_date + dt.timedelta(days=1))

    assert (run.marked, run.escalated) == (1, 1)
    case = ContributionRefund.objects.get(pk=case.pk)
    assert case.escalation_level == 1 and case.deciding_unit_id == org.north.pk
    assert open_task(case).owner_permission_obj_pk == str(org.north.pk)
    with pytest.raises(NotAuthorized):
        refunds.refund_decide(case_id=case.pk, actor=team["supervisor"], approve=True)
    refunds.refund_decide(case_id=case.pk, actor=team["region_supervisor"], approve=True)
    assert ContributionRefund.objects.get(pk=case.pk).state == RefundState.PAID
    assert deadlines.mark_overdue(on=case.due_date + dt.timedelta(days=2)).marked == 0
