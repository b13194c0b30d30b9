"""A service is one transaction: a failure after the transition leaves no trace of it.

On PostgreSQL, outside Django's per-test transaction, so the rollback is the real one, and
checked from another connection.
"""

from unittest import mock

import pytest
from django.core import mail
from viewflow.workflow.status import STATUS

from audit.models import AuditEvent
from audit.verify import verify_all
from cases import claims, services
from cases.models import BenefitClaim, ClaimState, Notification
from registry.models import PaymentSchedule
from tests.support import AuditTransactionTestCase
from workflows import routing

from .helpers import build_team, celery_conf, in_fresh_connection, recommended_claim


class PaymentSystemDown(Exception):
    pass


def committed_view(claim_pk):
    """What another connection sees of the claim."""

    def read():
        claim = BenefitClaim.objects.get(pk=claim_pk)
        task = routing.open_task(claim)
        return {
            "state": claim.state,
            "audit_seq": claim.audit_seq,
            "decided_by": claim.decided_by_id,
            "actions": list(
                AuditEvent.objects.filter(subject_type="case", subject_id=str(claim_pk))
                .order_by("seq")
                .values_list("action", flat=True)
            ),
            "schedules": PaymentSchedule.objects.filter(case_reference=claim.reference).count(),
            "notifications": Notification.objects.filter(case_id=claim_pk, channel=Notification.Channel.EMAIL).count(),
            "open_task": (task.flow_task.name, task.status) if task else None,
        }

    return in_fresh_connection(read)


@pytest.mark.postgres
class FailureAfterTransitionTests(AuditTransactionTestCase):
    def setUp(self):
        self.enterContext(celery_conf(task_always_eager=True))
        self.team = build_team()
        self.claim = recommended_claim(self.team)

    def test_failure_after_the_transition_rolls_back_state_and_audit_event(self):
        before = committed_view(self.claim.pk)
        self.assertEqual(before["state"], ClaimState.RECOMMENDED)
        self.assertEqual(before["open_task"], ("decide", STATUS.NEW))
        seen_inside = {}

        def payment_system_down(**kwargs):
            # Called after the approve transition: its audit event is already written in the
            # service's transaction, and is invisible to everybody else.
            case = BenefitClaim.objects.get(reference=kwargs["case_reference"])
            seen_inside["approve_event"] = AuditEvent.objects.filter(
                subject_type="case", subject_id=str(case.pk), action="benefit_claim.approve"
            ).exists()
            seen_inside["committed"] = committed_view(case.pk)
            raise PaymentSystemDown("payment system unavailable")

        with mock.patch.object(claims, "payment_schedule_create", side_effect=payment_system_down) as create:
            with self.assertRaises(PaymentSystemDown):
                services.claim_decide(case_id=self.claim.pk, actor=self.team.supervisor, approve=True)
        create.assert_called_once()

        self.assertTrue(seen_inside["approve_event"])
        self.assertEqual(seen_inside["committed"], before)
        # After the failure: nothing of the approval was committed.
        self.assertEqual(committed_view(self.claim.pk), before)
        self.assertNotIn("benefit_claim.approve", before["actions"])
        self.assertEqual(mail.outbox, [])
        self.assertTrue(verify_all().ok)

        # The claim is intact: the same approval now goes through and the chain continues.
        services.claim_decide(case_id=self.claim.pk, actor=self.team.supervisor, approve=True)
        after = committed_view(self.claim.pk)
        self.assertEqual(after["state"], ClaimState.IN_PAYMENT)
        self.assertEqual(after["actions"][: len(before["actions"])], before["actions"])
        self.assertEqual(
            after["actions"][len(before["actions"]) :],
            ["task.completed", "benefit_claim.approve", "benefit_claim.start_payment"],
        )
        self.assertEqual(after["schedules"], 1)
        self.assertEqual(after["notifications"], 1)
        self.assertEqual(len(mail.outbox), 1)
        self.assertTrue(verify_all().ok)
