"""Latency of the staff queue page, the inbox, "take next" and a case page: the real Django views
through ``django.test.Client`` (URL routing, middleware, session, view, selectors, template),
on a database seeded with seed_demo and seed_scale.

    KEEP=1 bench/seed_scale.sh
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/socius_bench .venv/bin/python bench/queue_page.py [--repeat 20]

For a branch operator, a region supervisor and a central supervisor it prints, per page, the
median and the 95th percentile over ``--repeat`` requests after a warm-up request, the rows shown
and the number of queries. "Take next" runs in a transaction rolled back after each request, so
the database is the same after the run.
"""

import argparse
import math
import re
import statistics
import time

from _setup import django_setup

django_setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from viewflow.workflow.models import Task  # noqa: E402

from cases import selectors  # noqa: E402

USERS = [
    ("operator1.riverside", "branch operator (1 unit)"),
    ("supervisor.northern", "region supervisor (3 units)"),
    ("supervisor.central", "central supervisor (7 units)"),
]
HOST = "localhost"
ROW = re.compile(r'<tr(?: class="overdue")?>\s*<td><a href="/cases/')
NEXT = re.compile(r'<a href="\?([^"]*)" rel="next"')


def percentile(samples, p):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)) - 1)]


def measure(fn, repeat):
    """(median ms, p95 ms, queries of one call, last response) over ``repeat`` calls after a warm-up."""
    with CaptureQueriesContext(connection) as captured:
        response = fn()
    count = len(captured)
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), percentile(samples, 95), count, response


def line(label, median, p95, count, response, rows=True):
    status = getattr(response, "status_code", "")
    shown = f"{len(ROW.findall(response.content.decode()))} rows" if rows and status == 200 else f"HTTP {status}"
    print(f"  {label:<46} median {median:7.1f} ms  p95 {p95:7.1f} ms  {count:2d} queries  {shown}")


def get(client, path, params=None):
    def call():
        response = client.get(path, params or {})
        assert response.status_code == 200, (path, params, response.status_code)
        return response

    return call


def take_next(client):
    def call():
        with transaction.atomic():
            response = client.post(reverse("take_next"))
            transaction.set_rollback(True)
        assert response.status_code == 302, response.status_code
        return response

    return call


def log_in(client, user):
    """Log ``user`` in with both factors: a login, then the session marked as verified by the
    user's authenticator (a confirmed one is added to the benchmark database when they have none)."""
    from backoffice.security import SESSION_VERIFIED
    from roles.devices import SealedTOTPDevice as TOTPDevice

    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="benchmark", confirmed=True)
    session = client.session
    session[SESSION_VERIFIED] = device.persistent_id
    session.save()


def sample_subject(user):
    """A person with a task in ``user``'s queues: their SSN and the start of their last name."""
    queues, _units = selectors.user_queues(user)
    ids = selectors.queue_task_ids(queues, limit=1)
    task = Task.objects.select_related("process__case__person").get(pk=ids[0])
    person = task.process.case.person
    return person.ssn, person.last_name[:4], task.process.case.reference


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20, help="timed requests per figure (default 20)")
    repeat = parser.parse_args().repeat
    User = get_user_model()
    open_tasks = Task.objects.filter(status="NEW", flow_task_type="HUMAN").count()
    print(f"{Task.objects.count():,} tasks, {open_tasks:,} waiting in queues; {repeat} requests each after a warm-up")
    queue = reverse("queue")
    for username, label in USERS:
        user = User.objects.get(username=username)
        client = Client(HTTP_HOST=HOST)
        log_in(client, user)
        ssn, name_start, reference = sample_subject(user)
        print(f"{username}: {label}")
        views = [
            ("queue, newest first", None),
            ("queue, oldest first", {"sort": "oldest"}),
            ("queue, by due date", {"sort": "due"}),
            ("queue, by priority", {"sort": "priority"}),
            ("queue, urgent only", {"priority": "urgent"}),
            ("queue, normal priority, by due date", {"priority": "normal", "sort": "due"}),
            ("queue, benefit claims in review", {"case_type": "benefit_claim", "state": "in_review"}),
            (
                "queue, one benefit, recommended, by due",
                {"benefit_type": "maternity", "state": "recommended", "sort": "due"},
            ),
            ("queue, due within a week", {"due_after": "2026-11-22", "due_before": "2026-11-29"}),
            ("queue, person by SSN", {"subject": ssn}),
            (f"queue, name starting {name_start!r}", {"subject": name_start}),
            (f"queue, name starting {name_start!r}, by priority", {"subject": name_start, "sort": "priority"}),
        ]
        for title, params in views:
            median, p95, count, response = measure(get(client, queue, params), repeat)
            line(title, median, p95, count, response)
            if params is None or params.get("sort") in ("due", "priority"):
                found = NEXT.search(response.content.decode())
                if found:
                    query = found.group(1).replace("&amp;", "&")
                    median, p95, count, response = measure(get(client, f"{queue}?{query}"), repeat)
                    line(f"{title}, page 2", median, p95, count, response)
        for title, params in (("inbox", None), ("inbox, by due date", {"sort": "due"})):
            median, p95, count, response = measure(get(client, reverse("inbox"), params), repeat)
            line(title, median, p95, count, response)
        median, p95, count, response = measure(take_next(client), repeat)
        line("take next (rolled back)", median, p95, count, response, rows=False)
        case_page = reverse("case_detail", kwargs={"reference": reference})
        median, p95, count, response = measure(get(client, case_page), repeat)
        line("case page", median, p95, count, response, rows=False)


if __name__ == "__main__":
    main()
