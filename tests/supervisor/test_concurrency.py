"""Bulk reassignment while the caseworker goes on working (PostgreSQL, real threads): each case
is locked by one of them at a time, so every task either moves or is refused with its reason,
and no case is both recommended by its former holder and given to someone else."""

import datetime as dt
import threading

import pytest
from viewflow.workflow.status import STATUS

from audit.actors import Actor
from audit.models import AuditEvent
from audit.verify import verify_all
from cases import assignment, services
from cases.errors import DomainError
from cases.models import BenefitClaim, BenefitType, ClaimState
from cases.selectors import open_task_of
from roles.models import Role
from tests.conftest import build_org, make_insured, staff
from tests.integration.helpers import run_concurrently
from tests.support import AuditTransactionTestCase, fresh_event_day

N = 8
EVENT_DAY = dt.date(2024, 12, 1)


@pytest.mark.postgres
class BulkReassignWhileWorkingTests(AuditTransactionTestCase):
    def test_each_case_moves_or_is_refused_never_both(self):
        org = build_org()
        operator = staff("op_na", Role.OPERATOR, org.north_a)
        receiver = staff("op2_na", Role.OPERATOR, org.north_a)
        supervisor = staff("sup_na", Role.SUPERVISOR, org.north_a)
        insured = make_insured(org.north_a)
        claims = []
        for _ in range(N):
            claim = services.claim_file(
                actor=Actor.person(insured),
                person=insured,
                benefit_type=BenefitType.MARRIAGE,
                event_date=fresh_event_day(insured, BenefitType.MARRIAGE, EVENT_DAY),
            )
            services.task_take(case_id=claim.pk, actor=operator)
            claims.append(claim)
        task_ids = [open_task_of(c).pk for c in claims]
        barrier = threading.Barrier(2)

        def run(index):
            barrier.wait(timeout=30)
            if index == 0:
                return assignment.tasks_reassign(
                    task_ids=task_ids, actor=supervisor, to_user=receiver, from_user_id=operator.pk
                )
            recommended = []
            for claim in reversed(claims):  # meet the bulk run halfway
                try:
                    services.claim_recommend(case_id=claim.pk, actor=operator, approve=True)
                except DomainError:
                    continue
                recommended.append(claim.reference)
            return recommended

        bulk, owner = run_concurrently(2, run)
        assert bulk.error is None and owner.error is None
        result, recommended = bulk.value, set(owner.value)
        moved = set(result.moved)
        refused = {r.reference: r.message for r in result.refused}

        assert moved | set(refused) == {c.reference for c in claims}
        assert not moved & set(refused)
        assert not moved & recommended  # never both
        assert set(refused) == recommended  # a task is refused only because its case moved on
        assert set(refused.values()) <= {
            "The case has moved on to another step since this page was shown.",
            "This case has no open task.",
        }
        for claim in claims:
            case = BenefitClaim.objects.get(pk=claim.pk)
            task = open_task_of(case)
            if claim.reference in moved:
                assert case.state == ClaimState.IN_REVIEW and task.owner_id == receiver.pk
            else:
                assert case.state == ClaimState.RECOMMENDED and task.status == STATUS.NEW
        assert AuditEvent.objects.filter(action="task.reassigned").count() == len(moved)
        assert verify_all().ok
