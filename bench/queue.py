"""Latency of the unit queue and inbox selectors (cases/selectors.py) on a seeded database.

Run after bench/seed_scale.sh with KEEP=1 (or against any database seeded with seed_demo and
seed_scale):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/socius_bench .venv/bin/python bench/queue.py

For each user it prints the median and worst time of the first page and of the page after
it, the number of queries, and for comparison, on one branch queue: the plain viewflow task
query, the same page read in two steps (ids off the partial index, then the rows with their
case, claim and person by primary key), and an exact count of the queue.
"""

import argparse

from _setup import django_setup, timed

django_setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from viewflow.workflow.models import Task  # noqa: E402

from cases import selectors  # noqa: E402
from roles.models import OrgUnit  # noqa: E402

USERS = [
    ("operator1.riverside", "branch operator (1 unit)"),
    ("supervisor.riverside", "branch supervisor (1 unit, 2 queues)"),
    ("supervisor.northern", "region supervisor (3 units)"),
    ("supervisor.central", "central supervisor (7 units)"),
]


def queries(fn):
    with CaptureQueriesContext(connection) as captured:
        fn()
    return len(captured)


def line(label, median, worst, count=None):
    extra = f"  {count} queries" if count is not None else ""
    print(f"  {label:<34} median {median:7.2f} ms  worst {worst:7.2f} ms{extra}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10, help="timed calls per figure (default 10)")
    repeat = parser.parse_args().repeat
    User = get_user_model()
    open_tasks = Task.objects.filter(status__in=["NEW", "ASSIGNED"]).count()
    print(f"{Task.objects.count():,} tasks, {open_tasks:,} open; {repeat} calls each after a warm-up")

    for username, label in USERS:
        user = User.objects.get(username=username)
        print(f"{username}: {label}")
        median, worst, page = timed(lambda u=user: selectors.unit_queue(u), repeat)
        line(
            f"unit_queue page 1 ({len(page.rows)} rows)", median, worst, queries(lambda u=user: selectors.unit_queue(u))
        )
        if page.next_cursor:
            cursor = page.next_cursor
            median, worst, _page = timed(lambda u=user, c=cursor: selectors.unit_queue(u, after=c), repeat)
            line("unit_queue page 2", median, worst)
        median, worst, _page = timed(lambda u=user: selectors.unit_queue(u, benefit_type="maternity"), repeat)
        line("unit_queue page 1, one benefit", median, worst)
        median, worst, page = timed(lambda u=user: selectors.inbox(u), repeat)
        line(f"inbox page 1 ({len(page.rows)} rows)", median, worst, queries(lambda u=user: selectors.inbox(u)))
        if page.next_cursor:
            cursor = page.next_cursor
            median, worst, _page = timed(lambda u=user, c=cursor: selectors.inbox(u, after=c), repeat)
            line("inbox page 2", median, worst)

    branch = OrgUnit.objects.get(code="RN-RIV")
    unit_ct = ContentType.objects.get_for_model(OrgUnit)
    plain = Task.objects.filter(
        status="NEW",
        flow_task_type="HUMAN",
        owner_permission="roles.work_cases",
        owner_permission_content_type=unit_ct,
        owner_permission_obj_pk=str(branch.pk),
    )
    print(f"viewflow Task rows of one queue ({branch.name}), for comparison:")
    median, worst, _rows = timed(lambda: list(plain.order_by("-created", "-id")[:50]), repeat)
    line("first 50 tasks", median, worst)

    def two_steps():
        ids = list(plain.order_by("-created", "-id").values_list("pk", flat=True)[:51])
        return list(
            Task.objects.filter(pk__in=ids).select_related(*selectors.TASK_ROW_RELATED).order_by("-created", "-id")
        )

    median, worst, _rows = timed(two_steps, repeat)
    line("same page in two steps", median, worst, queries(two_steps))
    median, worst, size = timed(plain.count, max(3, repeat // 10))
    line(f"exact count ({size:,} tasks)", median, worst)


if __name__ == "__main__":
    main()
