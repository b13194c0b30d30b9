"""Socius on any day of the year: at each date of a fixed list, in a time zone at UTC and in one
far from it, just after midnight and just before it, a fresh demo office is built, the daily jobs
run, and every audit chain verifies.

The dates are the ones where date arithmetic breaks: the first of a month, the day before and
the day a contribution period falls due, the end of February of a leap year, the end of a
30-day month, the turn of the year."""

import datetime as dt
import io
import zoneinfo
from collections import Counter

import pytest
import time_machine
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from audit.tasks import audit_checkpoint
from cases.catalog import TYPES
from cases.models import Case, CaseType, ClaimState
from cases.tasks import (
    activate_due_payees_task,
    finalise_medical_decisions_task,
    mark_overdue_task,
    pay_due_claims_task,
)
from rules.parameters import DEFAULTS
from workflows.tasks import queue_snapshot_task

DUE_DAY = int(DEFAULTS["contribution.due_day"][0])
DATES = [
    dt.date(2027, 3, 1),  # the first of a month
    dt.date(2027, 3, DUE_DAY - 1),  # the day before the contribution due day
    dt.date(2027, 3, DUE_DAY),  # the due day
    dt.date(2028, 2, 28),
    dt.date(2028, 2, 29),  # a leap day
    dt.date(2027, 4, 30),  # the end of a 30-day month
    dt.date(2027, 12, 31),
    dt.date(2028, 1, 1),
]
ZONES = ["UTC", "Asia/Tehran"]  # UTC+03:30: local midnight is the evening before in UTC
TIMES = [dt.time(0, 30), dt.time(23, 30)]

# The demo leaves every type in each of these states (grievances escalate from "submitted").
EXPECTED_STATES = {
    CaseType.BENEFIT_CLAIM: {s for s in ClaimState.values if s not in (ClaimState.DRAFT, ClaimState.APPROVED)},
    **{t: set(spec.demo) - {"escalated"} for t, spec in TYPES.items() if t != CaseType.BENEFIT_CLAIM},
}


def run_command(name, **options):
    out = io.StringIO()
    call_command(name, stdout=out, **options)
    return out.getvalue()


def states_by_type():
    found = {}
    for case_type, state in Case.objects.values_list("case_type", "state").distinct():
        found.setdefault(case_type, set()).add(state)
    return found


def daily_jobs():
    """Every job beat runs once a day, as it runs them (the task, not the function behind it)."""
    results = {
        "payment run": pay_due_claims_task.apply().get(),
        "deadlines": mark_overdue_task.apply().get(),
        "payee activation": activate_due_payees_task.apply().get(),
        "medical finality": finalise_medical_decisions_task.apply().get(),
        "queue snapshot": queue_snapshot_task.apply().get(),
    }
    results["audit checkpoint"] = audit_checkpoint.apply().get()
    return results


def local_moment(day, at, zone):
    return dt.datetime.combine(day, at, zoneinfo.ZoneInfo(zone))


@pytest.mark.django_db
@pytest.mark.parametrize("at", TIMES, ids=lambda t: t.strftime("%H%M"))
@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("day", DATES, ids=str)
def test_demo_and_daily_jobs_on(day, zone, at):
    with override_settings(TIME_ZONE=zone), time_machine.travel(local_moment(day, at, zone), tick=True):
        assert timezone.localdate() == day  # the installation's date, not UTC's

        output = run_command("seed_demo", claim_branches=1)  # every state, a quarter of the claims
        assert "Staff logins" in output
        assert states_by_type() == EXPECTED_STATES
        # References carry the installation's year, not UTC's (1 January at 00:30 in Tehran).
        assert {ref.split("-")[1] for ref in Case.objects.values_list("reference", flat=True)} == {str(day.year)}

        jobs = daily_jobs()
        # The demo is consistent with the jobs: nothing they meet is refused.
        assert jobs["payment run"]["refused"] == 0, jobs
        assert jobs["payee activation"]["refused"] == 0, jobs
        assert jobs["medical finality"]["refused"] == 0, jobs
        assert jobs["queue snapshot"]["rows"] > 0, jobs

        assert run_command("audit_verify").startswith("OK"), day


@pytest.mark.django_db
def test_seed_demo_a_month_later_completes_and_says_what_it_added():
    zone = "Asia/Tehran"
    first = local_moment(dt.date(2027, 1, 31), dt.time(23, 30), zone)
    with override_settings(TIME_ZONE=zone):
        with time_machine.travel(first, tick=True):
            added = run_command("seed_demo")
            daily_jobs()
            before = Counter(Case.objects.values_list("case_type", "state"))
        with time_machine.travel(first + dt.timedelta(days=29), tick=True):  # 1 March, a month later
            assert timezone.localdate() == dt.date(2027, 3, 1)
            daily_jobs()
            moved = Counter(Case.objects.values_list("case_type", "state"))
            output = run_command("seed_demo")
            assert Counter(Case.objects.values_list("case_type", "state")) == moved
            assert run_command("audit_verify").startswith("OK")
    assert "Added in this run: " in added and "200 insured people" in added
    assert "Staff logins" in output
    assert "Nothing added" in output and "Added in this run" not in output
    assert sum(before.values()) == sum(moved.values())
