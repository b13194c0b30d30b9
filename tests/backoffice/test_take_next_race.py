""" "Take next" by several caseworkers at the same moment, on PostgreSQL with real threads.

They all read the same most urgent candidate; the case lock lets one take it, and the others go
on to the next candidates instead of failing. Nobody gets a task twice, nobody gets an error while
tasks are left, and when none is left the answer is a readable refusal.
"""

import threading

import pytest
from django.contrib.auth import get_user_model
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from audit.verify import verify_all
from cases import worklist
from cases.models import Case
from roles.models import Role
from tests.conftest import staff
from tests.integration.helpers import build_team, run_concurrently, submitted_claim
from tests.support import AuditTransactionTestCase


@pytest.mark.postgres
class TakeNextRaceTests(AuditTransactionTestCase):
    OPERATORS = 4

    def setUp(self):
        self.team = build_team()
        self.operators = [self.team.operator, self.team.operator2] + [
            staff(f"op{i}_na", Role.OPERATOR, self.team.org.north_a) for i in range(3, self.OPERATORS + 1)
        ]

    def take_next_at_once(self):
        barrier = threading.Barrier(len(self.operators))
        ids = [o.pk for o in self.operators]

        def take(index):
            actor = get_user_model().objects.get(pk=ids[index])
            barrier.wait(timeout=30)
            case, task = worklist.task_take_next(actor=actor)
            return case.pk, task.pk, actor.pk

        return run_concurrently(len(ids), take)

    def test_each_caseworker_gets_a_different_task_while_tasks_are_left(self):
        claims = [submitted_claim(self.team) for _ in range(self.OPERATORS + 1)]
        # The same candidate for everybody: the first claim is the most urgent.
        worklist.case_set_priority(
            case_id=claims[0].pk, actor=self.team.supervisor, priority="urgent", reason="Hardship."
        )

        outcomes = self.take_next_at_once()

        self.assertTrue(all(o.error is None for o in outcomes), outcomes)
        taken = [o.value for o in outcomes]
        self.assertEqual(len({case_id for case_id, _t, _u in taken}), self.OPERATORS)
        self.assertIn(claims[0].pk, [case_id for case_id, _t, _u in taken])
        for case_id, task_id, user_id in taken:
            task = Task.objects.get(pk=task_id)
            self.assertEqual((task.status, task.owner_id), (STATUS.ASSIGNED, user_id))
            self.assertEqual(task.process_id, Case.objects.get(pk=case_id).process_id)
        self.assertEqual(Task.objects.filter(status=STATUS.NEW, flow_task_type="HUMAN").count(), 1)
        self.assertTrue(verify_all().ok)

    def test_when_fewer_tasks_than_caseworkers_the_rest_are_told_nothing_is_left(self):
        claims = [submitted_claim(self.team) for _ in range(2)]

        outcomes = self.take_next_at_once()

        winners = [o.value for o in outcomes if o.error is None]
        refusals = [o.error for o in outcomes if o.error is not None]
        self.assertEqual(sorted(case_id for case_id, _t, _u in winners), sorted(c.pk for c in claims))
        self.assertEqual(len(refusals), self.OPERATORS - 2)
        for error in refusals:
            self.assertIsInstance(error, worklist.NothingToTake)
            self.assertEqual(error.message, "There is no task waiting in your queues.")
