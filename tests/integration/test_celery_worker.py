"""The claimant's approval e-mail goes out through a real Celery worker on Redis, and only
once the approval has committed: a rolled-back approval sends nothing."""

import time

import pytest
from celery.signals import after_task_publish
from django.db import transaction

from cases import services
from cases.models import BenefitClaim, ClaimState, Notification
from tests.support import AuditTransactionTestCase

from .helpers import build_team, celery_conf, in_fresh_connection, recommended_claim
from .worker import QUEUE, CeleryWorker

DELIVERY_TIMEOUT = 30
QUIET_PERIOD = 3


class Rollback(Exception):
    pass


@pytest.mark.broker
class ApprovalNotificationWorkerTests(AuditTransactionTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.worker = CeleryWorker()
        cls.addClassCleanup(cls.worker.stop)
        cls.worker.start()

    def setUp(self):
        # This process publishes to the worker's broker database, for real.
        self.worker.reset()
        self.enterContext(celery_conf(broker_url=self.worker.broker_url, task_always_eager=False))
        self.team = build_team()
        self.claim = recommended_claim(self.team)
        self.published = []
        after_task_publish.connect(self.on_publish, weak=False)
        self.addCleanup(after_task_publish.disconnect, self.on_publish)
        self.assertEqual(self.worker.queued(), 0)
        self.assertEqual(self.worker.mails(), [])

    def on_publish(self, sender=None, body=None, **kwargs):
        self.published.append((sender, list(body[0])))

    def approve(self):
        return services.claim_decide(case_id=self.claim.pk, actor=self.team.supervisor, approve=True)

    def wait_until_delivered(self, notification_pk):
        deadline = time.monotonic() + DELIVERY_TIMEOUT
        while time.monotonic() < deadline:
            notification = Notification.objects.get(pk=notification_pk)
            if notification.status == Notification.Status.SENT and self.worker.mails() and not self.worker.queued():
                return notification
            time.sleep(0.2)
        self.fail(f"no delivery within {DELIVERY_TIMEOUT}s; worker log:\n{self.worker.log()}")

    def assert_one_mail_for_the_claim(self, notification):
        texts = self.worker.mail_texts()
        self.assertEqual(len(texts), 1, texts)
        self.assertIn(f"Subject: Your claim {self.claim.reference} is approved", texts[0])
        self.assertIn(f"To: {self.claim.person.email}", texts[0])
        self.assertIn(f"<{notification.key}@socius>", texts[0])
        self.assertEqual(notification.attempts, 1)
        log = self.worker.log(since_reset=True)
        self.assertEqual(log.count("cases.tasks.send_notification["), 2, log)  # received, succeeded
        self.assertEqual(log.count("succeeded in"), 1, log)
        self.assertNotIn("DoesNotExist", log)

    def test_approval_is_notified_by_the_worker_after_commit(self):
        with transaction.atomic():
            self.approve()
            notification = Notification.objects.get(case_id=self.claim.pk, channel=Notification.Channel.EMAIL)
            self.assertEqual(notification.status, Notification.Status.PENDING)
            # A message sent now would reach the worker within this pause.
            time.sleep(1)
            self.assertEqual(self.published, [])
            self.assertEqual(self.worker.broker.llen(QUEUE), 0)
            self.assertEqual(self.worker.queued(), 0)
            self.assertEqual(self.worker.mails(), [])
            self.assertFalse(in_fresh_connection(lambda: Notification.objects.filter(pk=notification.pk).exists()))

        self.assertEqual(self.published, [("cases.tasks.send_notification", [notification.pk])])
        notification = self.wait_until_delivered(notification.pk)
        self.assertIsNotNone(notification.sent_at)
        self.assert_one_mail_for_the_claim(notification)

    def test_rolled_back_approval_sends_nothing(self):
        with self.assertRaises(Rollback), transaction.atomic():
            self.approve()
            self.assertTrue(Notification.objects.filter(case_id=self.claim.pk).exists())
            raise Rollback

        self.assertEqual(self.published, [])
        deadline = time.monotonic() + QUIET_PERIOD
        while time.monotonic() < deadline:
            self.assertEqual(self.worker.mails(), [])
            self.assertEqual(self.worker.queued(), 0)
            time.sleep(0.2)
        self.assertFalse(Notification.objects.filter(case_id=self.claim.pk).exists())
        self.assertEqual(BenefitClaim.objects.get(pk=self.claim.pk).state, ClaimState.RECOMMENDED)

        # The worker was listening all along: the same approval, committed, is delivered once.
        self.approve()
        notification = Notification.objects.get(case_id=self.claim.pk, channel=Notification.Channel.EMAIL)
        self.assertEqual(self.published, [("cases.tasks.send_notification", [notification.pk])])
        self.assert_one_mail_for_the_claim(self.wait_until_delivered(notification.pk))
