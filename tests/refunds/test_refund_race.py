"""Refunds of one account decided at the same time, on PostgreSQL with real threads.

Each refund case has its own row lock, so two decisions on two cases do not wait for each other
there: the lock on the account's row (``cases.refunds``) is what serialises them. Whoever gets it
second reads the ledger again, finds the overpayment used and is refused; the account is never
refunded more than it overpaid.
"""

import threading
import time
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction

from audit.actors import Actor
from audit.verify import verify_all
from cases import engine, refunds
from cases.models import ContributionRefund, RefundState
from registry import ledger
from registry.models import LedgerPosting, Person
from roles.models import Role
from tests.conftest import build_org, staff
from tests.support import AuditTransactionTestCase

from .conftest import FIRST, LAST, overpaid_person

THREAD_TIMEOUT = 60


class Outcome:
    def __init__(self):
        self.value = None
        self.error = None

    def __repr__(self):
        return f"<Outcome value={self.value!r} error={self.error!r}>"


def start_threads(count, fn):
    """Threads running ``fn(index)``, each on its own connection, closed when it ends."""
    outcomes = [Outcome() for _ in range(count)]

    def run(index):
        try:
            outcomes[index].value = fn(index)
        except BaseException as exc:  # handed back to the test, which judges it
            outcomes[index].error = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    return threads, outcomes


def join(threads):
    deadline = time.monotonic() + THREAD_TIMEOUT
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    assert not any(t.is_alive() for t in threads), "threads still running"


def sessions_waiting_on_locks():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


@pytest.mark.postgres
class ConcurrentRefundDecisionTests(AuditTransactionTestCase):
    def setUp(self):
        self.org = build_org()
        self.operator = staff("op_na", Role.OPERATOR, self.org.north_a)
        self.supervisors = [
            staff("sup_na", Role.SUPERVISOR, self.org.north_a),
            staff("sup2_na", Role.SUPERVISOR, self.org.north_a),
            staff("sup3_na", Role.SUPERVISOR, self.org.north_a),
        ]
        # 400.00 paid a month against 300.00 assessed, January to June 2024: 600.00 overpaid.
        self.person = overpaid_person(self.org.north_a, "400.00")
        self.overpaid = ledger.balance(person=self.person, period_from=FIRST, period_to=LAST).overpaid
        self.assertEqual(self.overpaid, Decimal("600.00"))

    def recommended(self, amount=None, note=""):
        case = refunds.refund_file(
            actor=Actor.person(self.person), person=self.person, period_from=FIRST, period_to=LAST, reason="Overpaid."
        )
        engine.task_take(case_id=case.pk, actor=self.operator)
        refunds.refund_recommend(case_id=case.pk, actor=self.operator, approve=True, amount=amount, note=note)
        return ContributionRefund.objects.get(pk=case.pk)

    def decider(self, cases, barrier):
        case_ids = [c.pk for c in cases]
        user_ids = [s.pk for s in self.supervisors]

        def decide(index):
            # Connect and load the actor first, so that the race is on the refund, not on connecting.
            actor = get_user_model().objects.get(pk=user_ids[index])
            barrier.wait(timeout=30)
            return refunds.refund_decide(case_id=case_ids[index], actor=actor, approve=True)

        return decide

    def assert_never_above_the_overpayment(self, cases, outcomes, paid_count):
        winners = [o for o in outcomes if o.error is None]
        losers = [o.error for o in outcomes if o.error is not None]
        self.assertEqual(len(winners), paid_count, outcomes)
        for error in losers:
            self.assertIsInstance(error, refunds.RefundExceedsOverpayment, outcomes)
            self.assertEqual(error.status, 409)
        states = sorted(ContributionRefund.objects.filter(pk__in=[c.pk for c in cases]).values_list("state", flat=True))
        self.assertEqual(states.count(RefundState.PAID), paid_count)
        self.assertEqual(states.count(RefundState.RECOMMENDED), len(cases) - paid_count)

        postings = LedgerPosting.objects.filter(person=self.person, kind=LedgerPosting.Kind.REFUND)
        total = sum(postings.values_list("amount", flat=True), Decimal("0.00"))
        paid = sum(
            ContributionRefund.objects.filter(pk__in=[c.pk for c in cases], state=RefundState.PAID).values_list(
                "approved_amount", flat=True
            ),
            Decimal("0.00"),
        )
        self.assertEqual(total, paid)
        self.assertLessEqual(total, self.overpaid)
        self.assertTrue(verify_all().ok)
        return total

    def test_two_refunds_of_one_overpayment_approved_at_once_pay_once(self):
        cases = [self.recommended(), self.recommended()]
        self.assertEqual([c.recommended_amount for c in cases], [self.overpaid, self.overpaid])
        barrier = threading.Barrier(2)

        threads, outcomes = start_threads(2, self.decider(cases, barrier))
        join(threads)

        self.assertFalse(barrier.broken)
        total = self.assert_never_above_the_overpayment(cases, outcomes, paid_count=1)
        self.assertEqual(total, self.overpaid)

    def test_three_partial_refunds_queued_on_the_account_lock_pay_what_the_overpayment_covers(self):
        """300.00 three times against 600.00 overpaid: all three wait on the account's row at once,
        past their own case's lock and every check that comes before it; two are paid."""
        cases = [self.recommended(amount="300", note="Half.") for _ in range(3)]
        locked, release = threading.Event(), threading.Event()
        person_id = self.person.pk

        def hold(_index):
            with transaction.atomic():
                Person.objects.select_for_update().get(pk=person_id)
                locked.set()
                release.wait(timeout=20)

        holder, holder_outcome = start_threads(1, hold)
        self.assertTrue(locked.wait(10))
        barrier = threading.Barrier(3)
        racers, outcomes = start_threads(3, self.decider(cases, barrier))
        waiting, deadline = 0, time.monotonic() + 8  # well inside the 10 s lock_timeout
        try:
            while time.monotonic() < deadline:
                waiting = sessions_waiting_on_locks()
                if waiting >= 3:
                    break
                time.sleep(0.05)
        finally:
            release.set()
            join(holder + racers)

        self.assertIsNone(holder_outcome[0].error)
        self.assertEqual(waiting, 3)
        total = self.assert_never_above_the_overpayment(cases, outcomes, paid_count=2)
        self.assertEqual(total, Decimal("600.00"))
