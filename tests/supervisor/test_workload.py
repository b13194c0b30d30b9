"""Supervisor selectors: figures of the charts, scope."""

import datetime as dt

import pytest
from django.utils import timezone

from cases import services, workload
from workflows.models import QueueSnapshot

from .conftest import held_by

pytestmark = pytest.mark.django_db


def _snapshot(day, unit, n):
    QueueSnapshot.objects.create(
        day=day, unit=unit, case_type="benefit_claim", open_tasks=n, unassigned=0, taken_at=timezone.now()
    )


def test_open_tasks_per_day_add_up_the_units_of_the_subtree(team, insured, org):
    today = timezone.localdate()
    _snapshot(today - dt.timedelta(days=1), org.north_a, 10)
    _snapshot(today - dt.timedelta(days=1), org.north_b, 5)
    _snapshot(today - dt.timedelta(days=1), org.south_a, 100)
    _snapshot(today - dt.timedelta(days=3), org.north_a, 7)
    _snapshot(today - dt.timedelta(days=40), org.north_a, 1000)  # before the window
    held_by(insured, team["operator"], 2)
    scope = workload.supervision_scope(team["region_supervisor"])

    figures, capped = workload.open_tasks_by_day(scope.subtree_ids(org.north), on=today)

    assert len(figures) == 30 and not capped
    by_day = {f.day: f.value for f in figures}
    assert by_day[today - dt.timedelta(days=1)] == 15
    assert by_day[today - dt.timedelta(days=2)] is None  # no snapshot that day
    assert by_day[today - dt.timedelta(days=3)] == 7
    assert by_day[today] == 2 and figures[-1].live


def test_today_s_live_figure_is_capped(team, insured, org, monkeypatch):
    monkeypatch.setattr(workload, "LIVE_COUNT_CAP", 2)
    held_by(insured, team["operator"], 3)

    figures, capped = workload.open_tasks_by_day({org.north_a.pk})

    assert capped and figures[-1].value == 2


def test_finished_tasks_per_day_split_work_and_decisions(team, insured, org):
    claims = held_by(insured, team["operator"], 3)
    for claim in claims[:2]:
        services.claim_recommend(case_id=claim.pk, actor=team["operator"], approve=True)
    services.task_take(case_id=claims[0].pk, actor=team["supervisor"])
    services.claim_decide(case_id=claims[0].pk, actor=team["supervisor"], approve=True)

    today = timezone.localdate()
    figures = workload.completed_by_day({org.north_a.pk}, on=today)

    assert len(figures) == 30
    assert figures[today] == {"work": 2, "decisions": 1}
    assert workload.completed_by_day({org.south_a.pk}, on=today)[today] == {"work": 0, "decisions": 0}


def test_scope_is_the_subtrees_where_the_user_supervises(team, org):
    branch = workload.supervision_scope(team["supervisor"])
    region = workload.supervision_scope(team["region_supervisor"])
    operator = workload.supervision_scope(team["operator"])

    assert branch.ids == {org.north_a.pk}
    assert region.ids == {org.north.pk, org.north_a.pk, org.north_b.pk}
    assert [u.pk for u in region.top_units()] == [org.north.pk]
    assert [u.pk for u in region.children(org.north)] == [org.north_a.pk, org.north_b.pk]
    assert operator.ids == set()


def test_the_snapshot_runs_from_celery_beat():
    from django.conf import settings

    from workflows.tasks import queue_snapshot_task

    entry = settings.CELERY_BEAT_SCHEDULE["queue-snapshot"]
    assert entry["task"] == queue_snapshot_task.name
    assert entry["schedule"] <= 24 * 3600


def test_snapshot_command(team, insured):
    import io

    from django.core.management import call_command

    held_by(insured, team["operator"], 1)
    out = io.StringIO()
    call_command("queue_snapshot", stdout=out)
    call_command("queue_snapshot", stdout=out)
    today = timezone.localdate().isoformat()
    assert out.getvalue().splitlines() == [f"on {today}: 1 new snapshot rows", f"on {today}: 0 new snapshot rows"]
    assert QueueSnapshot.objects.get().open_tasks == 1
