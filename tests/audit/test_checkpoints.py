"""Checkpoints: the beat task is idempotent, checkpoints chain, and a checkpoint never leaves
behind an event that commits late."""

import datetime as dt
import threading
from io import StringIO
from unittest import mock

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from audit.chain import GENESIS
from audit.models import AuditCheckpoint, AuditCheckpointHead, AuditEvent
from audit.services import CheckpointDeferred, create_checkpoint, record_event
from audit.tasks import audit_checkpoint
from audit.verify import verify_all
from cases import services
from tests.support import AuditTransactionTestCase

from .trail import NO_SETTLE, file_claim, run_verify


def a_minute_later():
    """The clock as the next beat sees it: every event written so far has settled."""
    later = timezone.now() + dt.timedelta(minutes=1)
    return mock.patch("django.utils.timezone.now", return_value=later)


def run_beat():
    return audit_checkpoint.apply().get()


def chain_heads():
    """(subject_type, subject_id, seq, hash) of the last event of every chain."""
    heads = {}
    for t, i, s, h in AuditEvent.objects.order_by("seq").values_list("subject_type", "subject_id", "seq", "hash"):
        heads[(t, i)] = (t, i, s, h)
    return sorted(heads.values())


def head_rows(cp):
    return sorted(
        AuditCheckpointHead.objects.filter(checkpoint=cp).values_list("subject_type", "subject_id", "seq", "hash")
    )


@pytest.mark.django_db
def test_beat_task_is_idempotent_and_its_checkpoints_chain(org, team, settings):
    assert audit_checkpoint.name in {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert run_beat() is None  # everything was just written: nothing has settled yet
    assert not AuditCheckpoint.objects.exists()

    with a_minute_later():
        first_pk = run_beat()
    first = AuditCheckpoint.objects.get(pk=first_pk)
    ids = AuditEvent.objects.order_by("id").values_list("id", flat=True)
    assert (first.first_event_id, first.last_event_id, first.event_count) == (ids.first(), ids.last(), ids.count())
    assert first.prev_hash == GENESIS
    assert head_rows(first) == chain_heads() and first.head_count == len(chain_heads())

    with a_minute_later():
        assert run_beat() is None
    assert AuditCheckpoint.objects.count() == 1
    assert AuditCheckpointHead.objects.count() == first.head_count

    claim = file_claim(org.north_a)
    services.task_take(case_id=claim.pk, actor=team["operator"])
    claim.refresh_from_db()
    with a_minute_later():
        second_pk = run_beat()
        assert run_beat() is None
    second = AuditCheckpoint.objects.get(pk=second_pk)
    assert second.prev_hash == first.hash
    assert second.first_event_id == first.last_event_id + 1
    assert second.event_count == 5  # created, submit, task.created, task.assigned, start_review
    assert head_rows(second) == [("case", str(claim.pk), claim.audit_seq, claim.audit_hash)]
    assert AuditCheckpoint.objects.count() == 2

    result = verify_all()
    assert result.ok and result.checkpoints_checked == 2


@pytest.mark.django_db
def test_unsettled_events_are_left_for_the_next_checkpoint(db):
    long_ago = timezone.now() - dt.timedelta(minutes=5)
    old = [record_event(subject_type="user", subject_id=1, action=a, occurred_at=long_ago) for a in ("one", "two")]
    fresh = record_event(subject_type="user", subject_id=2, action="three")

    first = create_checkpoint()
    assert (first.first_event_id, first.last_event_id, first.event_count) == (old[0].pk, old[1].pk, 2)
    assert head_rows(first) == [("user", "1", 2, old[1].hash)]
    assert create_checkpoint() is None

    second = create_checkpoint(now=timezone.now() + dt.timedelta(minutes=1))
    assert (second.first_event_id, second.last_event_id, second.event_count) == (fresh.pk, fresh.pk, 1)
    assert second.prev_hash == first.hash
    assert verify_all().ok


@pytest.mark.django_db
def test_checkpoint_command_prints_what_audit_verify_can_expect(trail, team):
    services.task_take(case_id=trail.filed.pk, actor=team["operator"])
    out = StringIO()
    call_command("audit_checkpoint", "--settle-seconds", "0", stdout=out)
    cp = AuditCheckpoint.objects.latest("id")
    assert out.getvalue().strip() == f"checkpoint {cp.pk}:{cp.hash}: {cp.event_count} events, 1 chains"
    out = StringIO()
    call_command("audit_checkpoint", "--settle-seconds", "0", stdout=out)
    assert out.getvalue().strip() == "nothing new to checkpoint"
    assert not run_verify("--expect-checkpoint", f"{cp.pk}:{cp.hash}").failed


class Writer(threading.Thread):
    """Writes one audit event in its own transaction and commits only when released."""

    def __init__(self, subject_id):
        super().__init__(daemon=True)
        self.subject_id = subject_id
        self.inserted = threading.Event()
        self.release = threading.Event()
        self.error = None

    def run(self):
        try:
            with transaction.atomic():
                record_event(subject_type="import", subject_id=self.subject_id, action="import.row")
                self.inserted.set()
                self.release.wait(30)
        except Exception as exc:  # reported by the test
            self.error = exc
        finally:
            self.inserted.set()
            connection.close()


@pytest.mark.postgres
class InFlightWriterTests(AuditTransactionTestCase):
    """An event with a lower id may commit after one with a higher id. A checkpoint that
    skipped it would leave it uncovered and make verification report events "added"."""

    def start_writer_between_two_events(self):
        record_event(subject_type="user", subject_id=1, action="before")
        writer = Writer("late")
        writer.start()
        self.assertTrue(writer.inserted.wait(10))
        record_event(subject_type="user", subject_id=2, action="after")
        late, after = AuditEvent.objects.order_by("id").values_list("id", flat=True)
        self.assertEqual(after - late, 2)  # the writer holds the id in between
        return writer

    def finish(self, writer):
        writer.release.set()
        writer.join(30)
        self.assertIsNone(writer.error)

    def test_checkpoint_waits_for_writers_that_hold_lower_ids(self):
        writer = self.start_writer_between_two_events()
        threading.Timer(0.3, writer.release.set).start()
        cp = create_checkpoint(settle=NO_SETTLE)
        self.finish(writer)
        self.assertEqual((cp.event_count, cp.head_count), (3, 3))
        self.assertIn(("import", "late"), [(t, i) for t, i, _, _ in head_rows(cp)])
        self.assertTrue(verify_all().ok)

    def test_checkpoint_is_deferred_while_a_writer_does_not_finish(self):
        writer = self.start_writer_between_two_events()
        with self.assertRaises(CheckpointDeferred):
            create_checkpoint(settle=NO_SETTLE, wait=dt.timedelta(seconds=0.2))
        self.assertFalse(AuditCheckpoint.objects.exists())
        with mock.patch("audit.services.WRITERS_WAIT", dt.timedelta(seconds=0.2)), a_minute_later():
            self.assertIsNone(run_beat())  # the beat task leaves it for its next run
        self.finish(writer)
        cp = create_checkpoint(settle=NO_SETTLE)
        self.assertEqual(cp.event_count, 3)
        self.assertTrue(verify_all().ok)

    def test_checkpoint_refuses_a_snapshot_that_cannot_see_writers_commit(self):
        record_event(subject_type="user", subject_id=1, action="created")
        with self.assertRaises(ImproperlyConfigured), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            create_checkpoint(settle=NO_SETTLE)
        self.assertIsNotNone(create_checkpoint(settle=NO_SETTLE))

    def test_two_runs_at_once_write_one_checkpoint(self):
        for n in range(3):
            record_event(subject_type="user", subject_id=n, action="created")
        barrier = threading.Barrier(2)
        results, errors = [], []

        def run():
            try:
                barrier.wait(10)
                results.append(create_checkpoint(settle=NO_SETTLE))
            except Exception as exc:  # reported by the test
                errors.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=run, daemon=True) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        self.assertEqual(errors, [])
        self.assertEqual(sorted(r is None for r in results), [False, True])
        self.assertEqual(AuditCheckpoint.objects.count(), 1)
        self.assertTrue(verify_all().ok)
