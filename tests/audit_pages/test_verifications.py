"""Verification runs: asked for by an auditor, carried out by a task, one at a time, recorded."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from audit import activity
from audit.models import AuditEvent, VerificationRun
from audit.tasks import run_verification
from tests.audit.trail import case_chain, tamper

pytestmark = pytest.mark.django_db

START = reverse("audit_verification_start")
LIST = reverse("audit_verifications")


def run_events(run):
    return list(AuditEvent.objects.filter(subject_type="verification_run", subject_id=str(run.pk)).order_by("seq"))


def test_an_auditor_runs_a_verification_and_sees_its_result(
    client, org, auditors, north_claim, south_claim, django_capture_on_commit_callbacks
):
    auditor = auditors["central"]
    client.force_login(auditor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(START)
    run = VerificationRun.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("audit_verification", args=[run.pk])
    assert run.status == VerificationRun.Status.OK
    assert run.requested_by == auditor and run.in_progress is None and run.attempts == 1
    assert run.events_checked >= len(case_chain(north_claim)) + len(case_chain(south_claim))
    assert run.heads_checked == 2
    requested, finished = run_events(run)
    assert (requested.action, requested.actor_id, requested.org_unit_id) == (
        "audit.verification_requested",
        auditor.pk,
        org.central.pk,
    )
    assert (finished.action, finished.actor_id, finished.to_state) == ("audit.verification_finished", None, "ok")
    page = client.get(response["Location"])
    assert "No problem found" in page.content.decode()
    listing = client.get(LIST).content.decode()
    assert reverse("audit_verification", args=[run.pk]) in listing


def test_a_broken_trail_shows_the_first_problem(client, auditors, north_claim, django_capture_on_commit_callbacks):
    first = case_chain(north_claim)[0]
    tamper("UPDATE audit_auditevent SET to_state = %s WHERE id = %s", ["edited", first.pk])
    client.force_login(auditors["central"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(START)
    run = VerificationRun.objects.get()
    assert run.status == VerificationRun.Status.BROKEN
    assert f"event {first.pk}" in run.first_problem
    body = client.get(reverse("audit_verification", args=[run.pk])).content.decode()
    assert f"event {first.pk}" in body
    assert run_events(run)[-1].payload["first_problem"] == run.first_problem


def test_no_second_run_while_one_is_in_progress(client, auditors, django_capture_on_commit_callbacks):
    running = activity.verification_start(actor=auditors["central"])  # its task is left queued
    client.force_login(auditors["central"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(START, follow=True)
    assert VerificationRun.objects.count() == 1
    assert "already in progress" in response.content.decode()
    with pytest.raises(activity.VerificationInProgress):
        activity.verification_start(actor=auditors["central"])
    run_verification(running.pk)
    running.refresh_from_db()
    assert running.status == VerificationRun.Status.OK
    with django_capture_on_commit_callbacks(execute=True):
        client.post(START)
    assert VerificationRun.objects.count() == 2


def test_the_task_is_idempotent(auditors):
    run = activity.verification_start(actor=auditors["central"])
    assert run_verification(run.pk) == VerificationRun.Status.OK
    run.refresh_from_db()
    finished_at = run.finished_at
    assert run_verification(run.pk) == VerificationRun.Status.OK  # delivered again
    run.refresh_from_db()
    assert run.finished_at == finished_at and run.attempts == 1
    assert [e.action for e in run_events(run)] == ["audit.verification_requested", "audit.verification_finished"]
    assert run_verification(10**9) is None


def test_a_run_that_crashes_is_recorded_as_failed(auditors, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(activity, "verify_all", broken)
    run = activity.verification_start(actor=auditors["central"])
    run_verification(run.pk)
    run.refresh_from_db()
    assert run.status == VerificationRun.Status.FAILED and "disk on fire" in run.first_problem
    assert run.in_progress is None


def test_a_run_whose_worker_was_lost_long_ago_does_not_block(auditors):
    old = activity.verification_start(actor=auditors["central"], now=timezone.now() - dt.timedelta(hours=8))
    new = activity.verification_start(actor=auditors["central"])
    old.refresh_from_db()
    assert old.status == VerificationRun.Status.FAILED and old.in_progress is None
    assert new.in_progress is True


def test_regional_auditors_and_other_staff_get_404(client, team, auditors):
    run = activity.verification_start(actor=auditors["central"])
    run_verification(run.pk)
    for user in (auditors["north"], team["supervisor"]):
        client.force_login(user)
        assert client.get(LIST).status_code == 404
        assert client.post(START).status_code == 404
        assert client.get(reverse("audit_verification", args=[run.pk])).status_code == 404
    assert VerificationRun.objects.count() == 1
    client.force_login(auditors["central"])
    assert client.get(reverse("audit_verification", args=[run.pk])).status_code == 200
    assert client.get(reverse("audit_verification", args=[run.pk + 1])).status_code == 404


def test_the_database_refuses_a_second_run_in_progress(auditors):
    activity.verification_start(actor=auditors["central"])
    with pytest.raises(IntegrityError), transaction.atomic():
        VerificationRun.objects.create(requested_at=timezone.now())
    VerificationRun.objects.create(requested_at=timezone.now(), in_progress=None, status=VerificationRun.Status.OK)
    assert VerificationRun.objects.filter(in_progress=True).count() == 1
