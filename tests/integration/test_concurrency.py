"""Concurrent writers on one case, on PostgreSQL with real threads and one connection each.

The case row lock in cases/locks.py is what serialises them: whoever gets it second must
find the case already moved and be refused with a 409, never act twice.
"""

import threading
import time
from collections import Counter

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import transaction
from viewflow.workflow.status import STATUS

from audit.models import AuditEvent
from audit.verify import verify_all
from cases import services
from cases.errors import CaseLocked, CaseTransitionError
from cases.models import BenefitClaim, Case, ClaimState, Notification
from registry.models import PaymentSchedule
from roles.errors import Conflict
from tests.support import AuditTransactionTestCase

from .helpers import (
    backends_waiting_on_locks,
    build_team,
    celery_conf,
    join_threads,
    recommended_claim,
    run_concurrently,
    start_threads,
    submitted_claim,
)

RACERS = 50


def case_actions(claim):
    return Counter(
        AuditEvent.objects.filter(subject_type="case", subject_id=str(claim.pk)).values_list("action", flat=True)
    )


@pytest.mark.postgres
class ConcurrentApprovalTests(AuditTransactionTestCase):
    def setUp(self):
        # The winner's notification is sent in its own thread, into the in-memory outbox.
        self.enterContext(celery_conf(task_always_eager=True))
        self.team = build_team()
        self.claim = recommended_claim(self.team)
        self.before = case_actions(self.claim)

    def approver(self, barrier):
        supervisor_id = self.team.supervisor.pk
        case_id = self.claim.pk

        def approve(_index):
            # Connect and load the actor first, so that the race is on the case, not on connecting.
            actor = get_user_model().objects.get(pk=supervisor_id)
            barrier.wait(timeout=30)
            return services.claim_decide(case_id=case_id, actor=actor, approve=True)

        return approve

    def assert_approved_once(self, outcomes):
        winners = [o for o in outcomes if o.error is None]
        refusals = [o.error for o in outcomes if o.error is not None]
        self.assertEqual(len(winners), 1, outcomes)
        self.assertEqual(len(refusals), RACERS - 1)
        unexpected = [e for e in refusals if not isinstance(e, (CaseTransitionError, CaseLocked))]
        self.assertEqual(unexpected, [], "only conflicts may refuse a concurrent approval")
        self.assertTrue(all(isinstance(e, Conflict) and e.status == 409 for e in refusals))
        kinds = Counter(type(e).__name__ for e in refusals)

        claim = BenefitClaim.objects.get(pk=self.claim.pk)
        self.assertEqual(claim.state, ClaimState.IN_PAYMENT)
        self.assertEqual(claim.decided_by_id, self.team.supervisor.pk)
        self.assertEqual(winners[0].value.pk, claim.pk)

        added = case_actions(claim) - self.before
        self.assertEqual(added["benefit_claim.approve"], 1)
        self.assertEqual(added["benefit_claim.start_payment"], 1)
        self.assertEqual(added["task.completed"], 1)
        self.assertEqual(sum(added.values()), 3, added)
        self.assertEqual(PaymentSchedule.objects.filter(case_reference=claim.reference).count(), 1)
        self.assertEqual(Notification.objects.filter(case=claim, channel=Notification.Channel.EMAIL).count(), 1)
        self.assertEqual(len(mail.outbox), 1)
        self.assertIn(claim.reference, mail.outbox[0].subject)
        self.assertTrue(verify_all().ok)
        return kinds

    def test_fifty_simultaneous_approvals_approve_once(self):
        barrier = threading.Barrier(RACERS)
        outcomes = run_concurrently(RACERS, self.approver(barrier))

        self.assertFalse(barrier.broken)
        kinds = self.assert_approved_once(outcomes)
        self.assertEqual(kinds["CaseTransitionError"] + kinds["CaseLocked"], RACERS - 1)

    def test_fifty_approvals_queued_on_the_row_lock_approve_once(self):
        """All fifty are proven to wait on the case row at the same time before it is released."""
        locked, release = threading.Event(), threading.Event()
        case_id = self.claim.pk

        def hold(_index):
            with transaction.atomic():
                Case.objects.select_for_update().get(pk=case_id)
                locked.set()
                release.wait(timeout=20)

        holder, holder_outcome = start_threads(1, hold)
        self.assertTrue(locked.wait(10))
        barrier = threading.Barrier(RACERS)
        racers, outcomes = start_threads(RACERS, self.approver(barrier))
        waiting, deadline = 0, time.monotonic() + 8  # well inside the 10 s lock_timeout
        try:
            while time.monotonic() < deadline:
                waiting = backends_waiting_on_locks()
                if waiting >= RACERS:
                    break
                time.sleep(0.05)
        finally:
            release.set()
            join_threads(holder + racers)

        self.assertIsNone(holder_outcome[0].error)
        self.assertEqual(waiting, RACERS)
        kinds = self.assert_approved_once(outcomes)
        self.assertEqual(kinds["CaseTransitionError"] + kinds["CaseLocked"], RACERS - 1)


@pytest.mark.postgres
class ConcurrentTaskTakeTests(AuditTransactionTestCase):
    def test_two_caseworkers_take_the_same_task_one_wins(self):
        team = build_team()
        claim = submitted_claim(team)
        before = case_actions(claim)
        barrier = threading.Barrier(2)
        actors = [team.operator.pk, team.operator2.pk]

        def take(index):
            actor = get_user_model().objects.get(pk=actors[index])
            barrier.wait(timeout=30)
            return services.task_take(case_id=claim.pk, actor=actor)

        outcomes = run_concurrently(2, take)

        winners = [i for i, o in enumerate(outcomes) if o.error is None]
        self.assertEqual(len(winners), 1, outcomes)
        (loser,) = [o.error for o in outcomes if o.error is not None]
        self.assertIsInstance(loser, Conflict)
        self.assertEqual(loser.status, 409)

        task = outcomes[winners[0]].value
        task.refresh_from_db()
        self.assertEqual(task.owner_id, actors[winners[0]])
        self.assertEqual(task.status, STATUS.ASSIGNED)
        claim.refresh_from_db()
        self.assertEqual(claim.state, ClaimState.IN_REVIEW)
        added = case_actions(claim) - before
        self.assertEqual(added, Counter({"task.assigned": 1, "benefit_claim.start_review": 1}))
        self.assertTrue(verify_all().ok)
