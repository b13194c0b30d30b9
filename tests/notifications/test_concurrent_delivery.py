"""Runs of one notification's task at the same time (a redelivery while the first run still
sends), on PostgreSQL with one connection per thread: the row lock lets one run send, the
others wait and find it sent. Even the non-idempotent paths (Django's mail backend, the SMS
requests counted before the backend's own key check) are reached once."""

import threading
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import override_settings

from cases import services, sms
from cases.models import Notification
from cases.notifications import deliver
from cases.tasks import send_notification
from tests.conftest import make_insured
from tests.integration.helpers import build_team, run_concurrently
from tests.support import AuditTransactionTestCase

from .conftest import LOCMEM_SMS, PHONE, reviewing_claim

RUNS = 10
Status = Notification.Status


@pytest.mark.postgres
@override_settings(SOCIUS_SMS_BACKEND=LOCMEM_SMS)
class ConcurrentDeliveryTests(AuditTransactionTestCase):
    def setUp(self):
        sms.reset_outbox()
        self.addCleanup(sms.reset_outbox)
        team = build_team()
        claim = reviewing_claim(make_insured(team.org.north_a, phone=PHONE), team.operator)
        # Committed, not yet sent: the publish after commit is held back.
        with mock.patch.object(send_notification, "delay") as delay:
            services.claim_request_info(case_id=claim.pk, actor=team.operator, question="Send the certificate.")
        self.assertEqual(delay.call_count, 2)
        self.notes = {n.channel: n for n in Notification.objects.filter(case=claim)}

    def race(self, note):
        barrier = threading.Barrier(RUNS)

        def run(_index):
            get_user_model().objects.exists()  # connect before the race
            barrier.wait(timeout=30)
            return deliver(note.pk)

        outcomes = run_concurrently(RUNS, run)
        self.assertEqual([o.error for o in outcomes], [None] * RUNS)
        self.assertEqual({o.value for o in outcomes}, {Status.SENT})
        note = Notification.objects.get(pk=note.pk)
        self.assertEqual(note.status, Status.SENT)
        self.assertTrue(1 <= note.attempts <= RUNS)
        return note

    def test_ten_runs_of_one_email_send_it_once(self):
        note = self.race(self.notes[Notification.Channel.EMAIL])
        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(mail.outbox[0].extra_headers["Message-ID"], f"<{note.key}@socius>")

    def test_ten_runs_of_one_sms_call_the_gateway_once(self):
        note = self.race(self.notes[Notification.Channel.SMS])
        self.assertEqual([m.key for m in sms.requests], [note.key])
        self.assertEqual(len(sms.outbox), 1)
