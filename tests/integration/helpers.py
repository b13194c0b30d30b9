"""Helpers for tests against real infrastructure: threads with their own database
connections, reads from a fresh connection, and a temporary Celery configuration."""

import datetime as dt
import os
import threading
import time
from contextlib import contextmanager
from types import SimpleNamespace
from unittest import mock

import kombu.pools
from django.db import connection

from audit.actors import Actor
from backoffice.celery import app as celery_app
from cases import services
from cases.models import BenefitClaim, BenefitType, ClaimState
from roles.models import Role
from tests.conftest import build_org, make_insured, staff
from tests.support import fresh_event_day

THREAD_TIMEOUT = 60


def build_team():
    """The org tree, defaults and the North A staff, created through the real services."""
    org = build_org()
    return SimpleNamespace(
        org=org,
        operator=staff("op_na", Role.OPERATOR, org.north_a),
        operator2=staff("op2_na", Role.OPERATOR, org.north_a),
        supervisor=staff("sup_na", Role.SUPERVISOR, org.north_a),
    )


def submitted_claim(team):
    """A marriage grant (1200.00, within the branch's authority limit) waiting in the review queue."""
    person = make_insured(team.org.north_a)
    claim = services.claim_file(
        actor=Actor.person(person),
        person=person,
        benefit_type=BenefitType.MARRIAGE,
        event_date=fresh_event_day(person, BenefitType.MARRIAGE, dt.date(2024, 12, 1)),
    )
    assert claim.state == ClaimState.SUBMITTED
    return claim


def recommended_claim(team):
    """A claim recommended for approval by the operator, waiting for the supervisor's decision."""
    claim = submitted_claim(team)
    services.task_take(case_id=claim.pk, actor=team.operator)
    services.claim_recommend(case_id=claim.pk, actor=team.operator, approve=True)
    claim = BenefitClaim.objects.select_related("person").get(pk=claim.pk)
    assert claim.state == ClaimState.RECOMMENDED
    assert claim.deciding_unit_id == team.org.north_a.pk
    return claim


class Outcome:
    """What one thread's call returned or raised."""

    def __init__(self):
        self.value = None
        self.error = None
        self.done = False

    def __repr__(self):
        return f"<Outcome value={self.value!r} error={self.error!r} done={self.done}>"


def _run(fn, outcome, *args):
    try:
        outcome.value = fn(*args)
    except BaseException as exc:  # handed back to the test, which judges it
        outcome.error = exc
    finally:
        outcome.done = True
        # Each thread opened its own connection: close it, or PostgreSQL keeps it until the
        # test database is dropped (and refuses to drop a database still in use).
        connection.close()


def start_threads(count, fn):
    """Start ``count`` threads running ``fn(index)``; return (threads, outcomes)."""
    outcomes = [Outcome() for _ in range(count)]
    threads = [
        threading.Thread(target=_run, args=(fn, outcomes[i], i), name=f"race-{i}", daemon=True) for i in range(count)
    ]
    for thread in threads:
        thread.start()
    return threads, outcomes


def join_threads(threads, timeout=THREAD_TIMEOUT):
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    alive = [t.name for t in threads if t.is_alive()]
    assert not alive, f"threads still running after {timeout}s: {alive}"


def run_concurrently(count, fn):
    threads, outcomes = start_threads(count, fn)
    join_threads(threads)
    return outcomes


def in_fresh_connection(fn):
    """Run ``fn()`` on a new database connection (another thread) and return its result:
    what it sees is what is committed, whatever this thread's transaction holds."""
    (outcome,) = run_concurrently(1, lambda _index: fn())
    if outcome.error is not None:
        raise outcome.error
    return outcome.value


def backends_waiting_on_locks():
    """Sessions of this test database currently waiting for a lock (read outside any
    transaction: PostgreSQL freezes pg_stat_activity for the length of a transaction)."""

    def count():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            return cursor.fetchone()[0]

    return in_fresh_connection(count)


def reset_celery_connections():
    """Close the publisher's pooled broker connections so the next publish connects to the
    current ``broker_url`` (what Celery does itself after a fork)."""
    kombu.pools.reset()
    celery_app._pool = None
    amqp = celery_app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None


@contextmanager
def celery_conf(**overrides):
    """Change the Celery app's configuration for a block, then restore it. Celery reads
    Django's settings once, so override_settings does not reach it."""
    conf = celery_app.conf
    saved = {key: conf[key] for key in overrides}
    # Celery prefers the CELERY_BROKER_URL environment variable to its configuration.
    environ = {"CELERY_BROKER_URL": overrides["broker_url"]} if "broker_url" in overrides else {}
    with mock.patch.dict(os.environ, environ):
        conf.update(overrides)
        if environ:
            reset_celery_connections()
        try:
            yield conf
        finally:
            conf.update(saved)
            if environ:
                reset_celery_connections()
