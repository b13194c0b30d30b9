"""Concurrent approvals of waivers of one account, on PostgreSQL with real threads.

Each decision locks its own case row, then the account's row; the penalty is computed again
under that lock. Two waivers of the same periods decided at once must never waive more than
the penalty outstanding: the second to get the account's lock finds it waived and is refused.
"""

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Sum

from audit.actors import Actor
from audit.verify import verify_all
from cases import waivers
from cases.engine import task_take
from cases.models import ArrearsWaiver, WaiverState
from registry.models import LedgerPosting
from roles.errors import Conflict
from roles.models import Role
from tests.conftest import build_org, staff
from tests.integration.helpers import run_concurrently
from tests.support import AuditTransactionTestCase

from .conftest import FEB, JAN, MAR, employer_with_workers, pay


def employer_in_arrears(org):
    """Three periods of 600.00, each paid 60 days late: 18.00 of penalty each, 54.00 in all."""
    employer = employer_with_workers(org.north_a)
    for period, paid_on in ((JAN, dt.date(2024, 4, 15)), (FEB, dt.date(2024, 5, 14)), (MAR, dt.date(2024, 6, 14))):
        pay(employer, period, paid_on, "600.00")
    return employer


@pytest.mark.postgres
class ConcurrentWaiverTests(AuditTransactionTestCase):
    RACES = 5

    def setUp(self):
        self.org = build_org()
        self.operator = staff("op_na", Role.OPERATOR, self.org.north_a)
        self.deciders = [staff(f"sup{i}_na", Role.SUPERVISOR, self.org.north_a) for i in range(2)]
        self.employer = employer_in_arrears(self.org)

    def recommended(self, amount=None):
        case = waivers.waiver_file(
            actor=Actor.employer(self.employer),
            employer=self.employer,
            period_from=JAN,
            period_to=MAR,
            grounds="Flood.",
        )
        task_take(case_id=case.pk, actor=self.operator)
        note = "" if amount is None else "Part."
        return waivers.waiver_recommend(case_id=case.pk, actor=self.operator, approve=True, amount=amount, note=note)

    def decide_at_once(self, cases):
        barrier = threading.Barrier(len(cases))
        decider_ids = [d.pk for d in self.deciders]

        def decide(index):
            actor = get_user_model().objects.get(pk=decider_ids[index % len(decider_ids)])
            barrier.wait(timeout=30)
            return waivers.waiver_decide(case_id=cases[index].pk, actor=actor, approve=True)

        return run_concurrently(len(cases), decide)

    def waived(self):
        postings = LedgerPosting.objects.filter(employer=self.employer, kind=LedgerPosting.Kind.WAIVER)
        return postings.aggregate(total=Sum("amount"))["total"] or Decimal("0.00")

    def test_two_whole_waivers_of_one_account_waive_it_once(self):
        for _race in range(self.RACES):
            self.employer = employer_in_arrears(self.org)  # the previous race waived it all
            cases = [self.recommended(), self.recommended()]
            assert all(c.recommended_amount == Decimal("54.00") for c in cases)

            outcomes = self.decide_at_once(cases)

            winners = [o for o in outcomes if o.error is None]
            refusals = [o.error for o in outcomes if o.error is not None]
            self.assertEqual(len(winners), 1, outcomes)
            self.assertEqual(len(refusals), 1, outcomes)
            self.assertIsInstance(refusals[0], Conflict)
            self.assertEqual(refusals[0].status, 409)
            self.assertEqual(self.waived(), Decimal("54.00"))
            states = sorted(ArrearsWaiver.objects.filter(pk__in=[c.pk for c in cases]).values_list("state", flat=True))
            self.assertEqual(states, sorted([WaiverState.APPLIED, WaiverState.RECOMMENDED]))
        self.assertTrue(verify_all().ok)

    def test_partial_waivers_that_fit_together_are_both_applied(self):
        cases = [self.recommended("30.00"), self.recommended("24.00")]
        outcomes = self.decide_at_once(cases)
        self.assertEqual([o.error for o in outcomes], [None, None])
        self.assertEqual(self.waived(), Decimal("54.00"))
        per_period = dict(
            LedgerPosting.objects.filter(employer=self.employer, kind=LedgerPosting.Kind.WAIVER)
            .values_list("period")
            .annotate(total=Sum("amount"))
            .values_list("period", "total")
        )
        # Whichever came second took up what the first left, period by period.
        self.assertEqual(sorted(per_period.values()), [Decimal("18.00")] * 3)
