"""Latency of the supervisor selectors (cases/workload.py) on a seeded database.

Run after bench/seed_scale.sh with KEEP=1 (or against any database seeded with seed_demo and
seed_scale):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/socius_bench .venv/bin/python bench/supervisor.py

For each supervisor it prints the median and worst time and the number of queries of: the team
workload of their top unit, the tasks of one caseworker, the decisions waiting, and the two
chart series; then the time of the daily queue snapshot (run once: it writes).
"""

import argparse
import time

from _setup import django_setup, timed

django_setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from viewflow.workflow.models import Task  # noqa: E402

from cases import workload  # noqa: E402
from roles.selectors import grants_for  # noqa: E402

USERS = [
    ("supervisor.riverside", "branch supervisor"),
    ("supervisor.northern", "region supervisor"),
    ("supervisor.central", "central supervisor"),
]
CASEWORKER = "operator1.riverside"


def queries(fn):
    with CaptureQueriesContext(connection) as captured:
        fn()
    return len(captured)


def line(label, fn, repeat):
    median, worst, _result = timed(fn, repeat)
    print(f"  {label:<40} median {median:8.2f} ms  worst {worst:8.2f} ms  {queries(fn)} queries")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10, help="timed calls per figure (default 10)")
    parser.add_argument("--no-snapshot", action="store_true", help="do not time the daily snapshot (it writes)")
    args = parser.parse_args()
    User = get_user_model()
    open_tasks = Task.objects.filter(status__in=["NEW", "ASSIGNED"]).count()
    print(f"{Task.objects.count():,} tasks, {open_tasks:,} open; {args.repeat} calls each after a warm-up")
    caseworker = User.objects.get(username=CASEWORKER)
    for username, label in USERS:
        user = User.objects.get(username=username)
        grants = grants_for(user)
        scope = workload.supervision_scope(user)
        top = scope.top_units()[0]
        ids = scope.subtree_ids(top)
        print(f"{username}: {label}, {top.name}, {len(ids)} units")
        line("team_workload (top unit)", lambda s=scope, u=top: workload.team_workload(u, s), args.repeat)
        if caseworker.pk and workload.team_member(scope, caseworker.pk):
            line(f"tasks_held ({CASEWORKER})", lambda s=scope: workload.tasks_held(caseworker, s), args.repeat)
        line("approvals_waiting page 1", lambda u=user, g=grants: workload.approvals_waiting(u, g), args.repeat)
        line("open_tasks_by_day (30 days)", lambda i=ids: workload.open_tasks_by_day(i), args.repeat)
        line("completed_by_day (30 days)", lambda i=ids: workload.completed_by_day(i), args.repeat)
    if not args.no_snapshot:
        from cases.snapshots import queue_snapshot_take

        for run in ("first", "second"):
            start = time.perf_counter()
            rows = queue_snapshot_take()
            print(f"queue_snapshot_take, {run} run: {(time.perf_counter() - start) * 1000:.0f} ms, {rows} new rows")


if __name__ == "__main__":
    main()
