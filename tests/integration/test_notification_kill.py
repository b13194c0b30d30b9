"""A worker process killed while sending a notification: the message comes back from the
broker and the person gets exactly one e-mail and one SMS.

A real Celery worker (prefork, one pool process) on Redis and PostgreSQL. The test holds a
share lock on the notifications from its own connection (``FOR KEY SHARE``): the task counts
its attempt (an UPDATE, which that lock lets through), then waits on ``SELECT ... FOR
UPDATE``, mid-task. The test kills the pool process with SIGKILL, releases the lock, and
watches the redelivered task finish the job.
"""

import datetime as dt
import os
import signal
import subprocess
import threading
import time
from unittest import mock

import pytest
from celery.signals import before_task_publish
from django.db import connection, transaction
from django.test import override_settings

from audit.actors import Actor
from cases import services
from cases.models import BenefitClaim, BenefitType, Notification
from tests.conftest import make_insured
from tests.support import AuditTransactionTestCase, fresh_event_day

from .helpers import backends_waiting_on_locks, build_team, celery_conf, join_threads, start_threads
from .worker import CeleryWorker

PHONE = "+32 470 98 76 54"
QUESTION = "Send the marriage certificate."
TEST_TIMEOUT = 45  # the whole scenario, after the worker is up
Status = Notification.Status


def pool_children(pid):
    """Process ids of ``pid``'s children (the prefork pool processes of a worker)."""
    out = subprocess.run(["ps", "--ppid", str(pid), "-o", "pid="], capture_output=True, text=True, check=False)
    return [int(line) for line in out.stdout.split()]


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ", 1)[1][0] != "Z"  # a zombie is dead, not yet reaped
    except FileNotFoundError:
        return False


@pytest.mark.broker
class KilledWhileSendingTests(AuditTransactionTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.worker = CeleryWorker()
        cls.addClassCleanup(cls.worker.stop)
        cls.sms_dir = cls.worker.tmp / "sms"
        # The worker writes SMS to files, one per notification key, that this process reads.
        sms_env = {"SOCIUS_SMS_BACKEND": "cases.sms.FileSmsBackend", "SOCIUS_SMS_FILE_PATH": str(cls.sms_dir)}
        with mock.patch.dict(os.environ, sms_env):
            cls.worker.start()

    def setUp(self):
        self.worker.reset()
        self.deadline = time.monotonic() + TEST_TIMEOUT
        self.enterContext(celery_conf(broker_url=self.worker.broker_url, task_always_eager=False))
        # This process records the SMS as pending (a gateway is configured) and publishes it.
        self.enterContext(
            override_settings(SOCIUS_SMS_BACKEND="cases.sms.FileSmsBackend", SOCIUS_SMS_FILE_PATH=str(self.sms_dir))
        )
        team = build_team()
        self.operator = team.operator
        person = make_insured(team.org.north_a, phone=PHONE)
        claim = services.claim_file(
            actor=Actor.person(person),
            person=person,
            benefit_type=BenefitType.MARRIAGE,
            event_date=fresh_event_day(person, BenefitType.MARRIAGE, dt.date(2024, 12, 1)),
        )
        services.task_take(case_id=claim.pk, actor=self.operator)
        self.claim = BenefitClaim.objects.select_related("person").get(pk=claim.pk)
        self.assertEqual(self.worker.queued(), 0)

    def wait_for(self, what, check, interval=0.1):
        while time.monotonic() < self.deadline:
            value = check()
            if value:
                return value
            time.sleep(interval)
        self.fail(f"timed out waiting for {what}; worker log:\n{self.worker.log()}")

    def hold_notifications_while_published(self):
        """On the first publish (after the service committed, before the message leaves),
        take a share lock on the case's pending notifications from another connection.
        Returns the locked ids, the task id published for each notification, and the release."""
        locked, release = threading.Event(), threading.Event()
        held, task_ids = [], {}
        table = Notification._meta.db_table
        case_id = self.claim.pk

        def hold(_index):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT id FROM {table} WHERE case_id = %s AND status = %s ORDER BY id FOR KEY SHARE",
                    [case_id, Status.PENDING],
                )
                held.extend(row[0] for row in cursor.fetchall())
                locked.set()
                release.wait(TEST_TIMEOUT)

        threads = []

        def on_publish(sender=None, body=None, headers=None, **kwargs):
            if sender != "cases.tasks.send_notification":
                return
            task_ids[body[0][0]] = headers["id"]
            if not threads:
                started, _outcomes = start_threads(1, hold)
                threads.extend(started)
                self.assertTrue(locked.wait(10), "the lock holder did not get its lock")

        before_task_publish.connect(on_publish, weak=False)
        self.addCleanup(before_task_publish.disconnect, on_publish)

        def stop():
            release.set()
            join_threads(threads)

        self.addCleanup(stop)
        return held, task_ids, stop

    def test_a_pool_process_killed_mid_send_delivers_once_after_redelivery(self):
        held, task_ids, release = self.hold_notifications_while_published()
        services.claim_request_info(case_id=self.claim.pk, actor=self.operator, question=QUESTION)

        notes = {n.channel: n for n in Notification.objects.filter(case=self.claim)}
        email, text = notes[Notification.Channel.EMAIL], notes[Notification.Channel.SMS]
        self.assertEqual(sorted(held), sorted([email.pk, text.pk]))
        self.assertEqual(task_ids.keys(), {email.pk, text.pk})

        # The worker took one of them: its attempt is committed, and it waits for the row lock.
        def in_flight():
            counted = list(Notification.objects.filter(pk__in=held, status=Status.PENDING, attempts=1))
            return counted if counted and backends_waiting_on_locks() >= 1 else None

        (victim,) = self.wait_for("the task to block on the notification lock", in_flight)
        self.assertEqual(Notification.objects.get(pk=({email.pk, text.pk} - {victim.pk}).pop()).attempts, 0)
        self.assertEqual(self.worker.mails(), [])
        self.assertFalse(self.sms_dir.exists() and any(self.sms_dir.iterdir()))

        (child,) = pool_children(self.worker.process.pid)
        os.kill(child, signal.SIGKILL)
        self.wait_for("the killed pool process to be gone", lambda: not alive(child))
        release()

        # The message comes back, a new pool process runs it, and both notifications go out.
        def delivered():
            rows = list(Notification.objects.filter(pk__in=held).order_by("pk"))
            done = all(n.status == Status.SENT for n in rows) and self.worker.queued() == 0
            return rows if done else None

        rows = {n.pk: n for n in self.wait_for("both notifications to be sent", delivered, interval=0.2)}
        self.assertEqual(rows[victim.pk].attempts, 2)  # the killed run and the redelivered one
        other = rows[({email.pk, text.pk} - {victim.pk}).pop()]
        self.assertEqual(other.attempts, 1)
        for note in rows.values():
            self.assertIsNotNone(note.sent_at)
            self.assertTrue(note.outcome)

        # Exactly one e-mail and one SMS.
        (mail_text,) = self.worker.mail_texts()
        self.assertIn(f"To: {self.claim.person.email}", mail_text)
        self.assertIn(f"<{email.key}@socius>", mail_text)
        self.assertIn(QUESTION, mail_text)
        sms_files = sorted(self.sms_dir.iterdir())
        self.assertEqual([p.name for p in sms_files], [f"{text.key.replace(':', '%3A')}.sms"])
        sms_text = sms_files[0].read_text()
        self.assertIn(f"To: {PHONE}\nKey: {text.key}\n", sms_text)
        self.assertIn(QUESTION, sms_text)

        log = self.worker.log(since_reset=True)
        self.assertIn("WorkerLostError", log)
        self.assertIn("signal 9", log)
        # The killed run's message was received twice (the same task id), the other's once.
        self.assertEqual(log.count(f"send_notification[{task_ids[victim.pk]}] received"), 2, log)
        self.assertEqual(log.count(f"send_notification[{task_ids[other.pk]}] received"), 1, log)
        self.assertEqual(log.count("succeeded in"), 2, log)
        self.assertNotIn(child, pool_children(self.worker.process.pid))
        self.assertEqual(len(pool_children(self.worker.process.pid)), 1)  # a fresh pool process
