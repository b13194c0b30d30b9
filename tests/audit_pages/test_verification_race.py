"""Auditors asking for a verification at the same moment, on PostgreSQL with real threads:
exactly one run starts, the others are refused, and the run carries on to its result."""

import threading

import pytest
from django.contrib.auth import get_user_model

from audit import activity
from audit.models import AuditEvent, VerificationRun
from roles.models import Role
from tests.conftest import build_org, staff
from tests.integration.helpers import run_concurrently
from tests.support import AuditTransactionTestCase


@pytest.mark.postgres
class ConcurrentVerificationStartTests(AuditTransactionTestCase):
    AUDITORS = 4

    def test_one_run_at_a_time(self):
        org = build_org()
        ids = [staff(f"aud{i}_hq", Role.AUDITOR, org.central).pk for i in range(self.AUDITORS)]
        barrier = threading.Barrier(self.AUDITORS)

        def start(index):
            actor = get_user_model().objects.get(pk=ids[index])
            barrier.wait(timeout=30)
            return activity.verification_start(actor=actor, org_unit_id=org.central.pk)

        outcomes = run_concurrently(self.AUDITORS, start)

        started = [o for o in outcomes if o.error is None]
        refused = [o.error for o in outcomes if o.error is not None]
        self.assertEqual(len(started), 1, outcomes)
        self.assertTrue(all(isinstance(e, activity.VerificationInProgress) for e in refused), refused)
        run = VerificationRun.objects.get()
        self.assertEqual(run.status, VerificationRun.Status.OK)  # the eager task ran after the commit
        self.assertEqual(
            AuditEvent.objects.filter(subject_type="verification_run", action="audit.verification_requested").count(), 1
        )
