"""What the person is told, and when: recorded with the change, sent after commit."""

import datetime as dt

import pytest

from cases import grievances
from cases.errors import InvalidInput
from cases.models import Notification
from tests.support import person_actor

from .helpers import file_grievance, topics, triage

pytestmark = pytest.mark.django_db


def test_the_person_hears_of_every_step_that_concerns_them(insured, team, django_capture_on_commit_callbacks):
    # The test's transaction never commits: the callbacks are captured, not run.
    with django_capture_on_commit_callbacks() as callbacks:
        grievance = file_grievance(insured)
        triage(grievance, team["operator"])
        grievances.grievance_escalate(
            actor=person_actor(grievance.pk), case_id=grievance.pk, reason="Please look higher."
        )
        grievances.task_take(case_id=grievance.pk, actor=team["region_supervisor"])
        grievances.grievance_request_info(case_id=grievance.pk, actor=team["region_supervisor"], question="Which bank?")
        grievances.grievance_receive_info(actor=person_actor(grievance.pk), case_id=grievance.pk, answer="North Bank.")
        resolved = grievances.grievance_resolve(
            case_id=grievance.pk, actor=team["region_supervisor"], answer="Paid again."
        )
        grievances.grievance_reopen(actor=person_actor(grievance.pk), case_id=grievance.pk, reason="Not received.")
        grievances.task_take(case_id=grievance.pk, actor=team["region_supervisor"])
        resolved = grievances.grievance_resolve(
            case_id=grievance.pk, actor=team["region_supervisor"], answer="Received now."
        )
        grievances.grievance_close(case_id=grievance.pk, on=resolved.reopen_until + dt.timedelta(days=1))

    assert topics(grievance) == [
        "received",
        "escalated",
        "info_requested",
        "resolved",
        "reopened",
        "resolved",
        "closed",
    ]
    notes = list(Notification.objects.filter(case=grievance).order_by("id"))
    assert all(grievance.reference in n.subject for n in notes)
    assert all(n.person_id == insured.pk for n in notes)
    by_topic = {n.key.split(":")[1]: n for n in notes if n.channel == Notification.Channel.EMAIL}
    assert "Which bank?" in by_topic["info_requested"].body
    assert "Received now." in by_topic["resolved"].body
    assert str(resolved.reopen_until) in by_topic["resolved"].body
    assert "North region" in by_topic["escalated"].body
    # Recorded with each change, handed over for sending only once it committed.
    emails = [n for n in notes if n.channel == Notification.Channel.EMAIL]
    assert len(emails) == 7
    assert {n.status for n in emails} == {Notification.Status.PENDING}
    assert len(callbacks) >= len(emails)


def test_a_refused_step_tells_nobody(investigating, team, django_capture_on_commit_callbacks):
    before = Notification.objects.count()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(InvalidInput):
            grievances.grievance_resolve(case_id=investigating.pk, actor=team["operator2"], answer="")
    assert Notification.objects.count() == before
    assert callbacks == []


def test_a_withdrawal_is_confirmed(filed):
    grievances.grievance_withdraw(actor=person_actor(filed.pk), case_id=filed.pk, reason="Settled.")
    assert topics(filed) == ["received", "withdrawn"]
