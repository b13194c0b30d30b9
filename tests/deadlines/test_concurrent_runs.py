"""Deadline jobs running at the same time (a beat run and a manual one) on PostgreSQL, with real
threads and one connection each: every case is marked, escalated and alerted once."""

import datetime as dt
import threading
from collections import Counter

import pytest

from audit.models import AuditEvent
from audit.verify import verify_all
from cases import deadlines
from cases.models import BenefitClaim, StaffAlert
from tests.integration.helpers import build_team, celery_conf, recommended_claim, run_concurrently, submitted_claim
from tests.support import AuditTransactionTestCase

RUNS = 6


@pytest.mark.postgres
class ConcurrentDeadlineRunsTests(AuditTransactionTestCase):
    def setUp(self):
        self.enterContext(celery_conf(task_always_eager=True))
        self.team = build_team()
        self.decisions = [recommended_claim(self.team) for _ in range(3)]
        self.reviews = [submitted_claim(self.team) for _ in range(3)]
        self.on = max(c.due_date for c in self.decisions + self.reviews) + dt.timedelta(days=1)

    def test_simultaneous_runs_mark_each_case_once(self):
        barrier = threading.Barrier(RUNS)

        def run(_index):
            barrier.wait(timeout=30)
            return deadlines.mark_overdue(on=self.on)

        outcomes = run_concurrently(RUNS, run)

        self.assertEqual([o.error for o in outcomes if o.error is not None], [])
        runs = [o.value for o in outcomes]
        self.assertEqual(sum(r.marked for r in runs), 6)
        self.assertEqual(sum(r.escalated for r in runs), 3)
        for claim in self.decisions + self.reviews:
            actions = Counter(
                AuditEvent.objects.filter(subject_type="case", subject_id=str(claim.pk)).values_list(
                    "action", flat=True
                )
            )
            self.assertEqual(actions["case.overdue"], 1)
            escalated = claim in self.decisions
            self.assertEqual(actions["case.escalated"], int(escalated))
            self.assertEqual(BenefitClaim.objects.get(pk=claim.pk).escalation_level, int(escalated))
            # the team's one North A supervisor, alerted once
            self.assertEqual(StaffAlert.objects.filter(case=claim, kind=StaffAlert.Kind.OVERDUE).count(), 1)
        self.assertTrue(verify_all().ok)
