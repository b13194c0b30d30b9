"""Overdue grievances go one level up (``grievance_escalate``); resolved ones are closed when the
reopening window is over (``grievance_close``), by the same daily job."""

import datetime as dt

import pytest
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from audit.actors import Actor
from cases import deadlines, grievances
from cases.models import Grievance, GrievanceCategory, GrievanceState, Priority, StaffAlert

from .helpers import events

pytestmark = pytest.mark.django_db


def triaged(person, operator):
    grievance = grievances.grievance_file(
        actor=Actor.person(person), person=person, title="Late payment", description="Paid two months late"
    )
    grievances.task_take(case_id=grievance.pk, actor=operator)
    return grievances.grievance_triage(
        case_id=grievance.pk, actor=operator, category=GrievanceCategory.BENEFIT_PROCESSING, priority=Priority.NORMAL
    )


def queue_of(grievance):
    task = Task.objects.get(process_id=grievance.process_id, status__in=(STATUS.NEW, STATUS.ASSIGNED))
    return int(task.owner_permission_obj_pk)


def alerted(grievance, kind):
    return sorted(StaffAlert.objects.filter(case=grievance, kind=kind).values_list("user__username", flat=True))


def test_an_overdue_grievance_climbs_one_level_a_day_it_is_late(org, team, insured):
    grievance = triaged(insured, team["operator"])
    assert queue_of(grievance) == org.north_a.pk
    on = grievance.due_date + dt.timedelta(days=1)

    run = deadlines.mark_overdue(on=on)

    assert (run.marked, run.escalated) == (1, 1)
    grievance = Grievance.objects.get(pk=grievance.pk)
    assert grievance.escalation_level == 1
    assert queue_of(grievance) == org.north.pk
    assert grievance.state == GrievanceState.TRIAGED
    # the due date starts again at the level above: no longer overdue
    assert grievance.overdue_since is None and grievance.due_date > on
    assert events(grievance)[-4:] == ["case.overdue", "grievance.escalated", "task.cancelled", "task.created"]
    assert alerted(grievance, StaffAlert.Kind.OVERDUE) == ["sup2_na", "sup_na"]
    assert alerted(grievance, StaffAlert.Kind.ESCALATED) == ["sup_n"]

    assert deadlines.mark_overdue(on=on).marked == 0  # same day again: nothing

    # Late again in the region: up to the central office.
    on = grievance.due_date + dt.timedelta(days=1)
    assert deadlines.mark_overdue(on=on).escalated == 1
    grievance = Grievance.objects.get(pk=grievance.pk)
    assert (grievance.escalation_level, queue_of(grievance)) == (2, org.central.pk)
    assert alerted(grievance, StaffAlert.Kind.ESCALATED) == ["sup_hq", "sup_n"]

    # Late at the central office: no level above; it stays marked and its supervisors are alerted.
    on = grievance.due_date + dt.timedelta(days=1)
    run = deadlines.mark_overdue(on=on)
    assert (run.marked, run.escalated, run.refused) == (1, 0, [])
    grievance = Grievance.objects.get(pk=grievance.pk)
    assert grievance.escalation_level == 2 and grievance.overdue_since is not None
    assert queue_of(grievance) == org.central.pk
    assert alerted(grievance, StaffAlert.Kind.OVERDUE) == ["sup2_na", "sup_hq", "sup_n", "sup_na"]
    assert deadlines.mark_overdue(on=on + dt.timedelta(days=5)).marked == 0


def test_resolved_grievances_close_after_the_reopening_window(org, team, insured):
    grievance = triaged(insured, team["operator"])
    grievances.task_take(case_id=grievance.pk, actor=team["operator2"])
    grievance = grievances.grievance_resolve(case_id=grievance.pk, actor=team["operator2"], answer="Fixed.")
    still_open = triaged(insured, team["operator"])

    run = deadlines.mark_overdue(on=grievance.reopen_until)
    assert run.grievances_closed == 0
    assert Grievance.objects.get(pk=grievance.pk).state == GrievanceState.RESOLVED

    on = grievance.reopen_until + dt.timedelta(days=1)
    run = deadlines.mark_overdue(on=on)
    assert run.grievances_closed == 1
    assert Grievance.objects.get(pk=grievance.pk).state == GrievanceState.CLOSED
    # a resolved grievance is not open: never marked overdue, whatever its due date
    assert Grievance.objects.get(pk=grievance.pk).overdue_since is None
    assert Grievance.objects.get(pk=still_open.pk).state == GrievanceState.TRIAGED

    again = deadlines.mark_overdue(on=on)
    assert again.grievances_closed == 0 and again.refused == []
