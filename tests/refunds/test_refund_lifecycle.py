"""A contribution refund from filing to the payment order, through the services only."""

import io
from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import call_command
from viewflow.workflow.models import Task
from viewflow.workflow.status import PROCESS, STATUS

from audit.actors import Actor
from audit.models import AuditEvent
from cases import engine, refunds
from cases.models import CaseComment, ContributionRefund, Notification, RefundState
from registry import ledger
from registry.models import BankAccount, LedgerPosting
from tests.support import person_actor
from workflows.refund_flow import RefundFlow

from .conftest import FIRST, LAST

pytestmark = pytest.mark.django_db


def events(case):
    return list(
        AuditEvent.objects.filter(subject_type="case", subject_id=str(case.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )


def test_refund_from_filing_to_payment_order(org, team, person, django_capture_on_commit_callbacks):
    operator, supervisor = team["operator"], team["supervisor"]
    assert ledger.balance(person=person, period_from=FIRST, period_to=LAST).overpaid == Decimal("600.00")

    with django_capture_on_commit_callbacks(execute=True):
        case = refunds.refund_file(
            actor=Actor.person(person),
            person=person,
            period_from=FIRST,
            period_to=LAST,
            reason="Paid twice for the first half of 2024.",
        )
    assert case.state == RefundState.SUBMITTED
    assert case.owning_unit == org.north_a
    assert case.refundable_amount == Decimal("600.00")
    assert case.process.flow_class is RefundFlow
    (review,) = Task.objects.filter(process_id=case.process_id)
    assert (review.flow_task.name, review.status, review.owner_permission) == ("review", STATUS.NEW, "roles.work_cases")
    assert review.owner_permission_obj_pk == str(org.north_a.pk)
    assert len(mail.outbox) == 1 and case.reference in mail.outbox[0].subject

    engine.task_take(case_id=case.pk, actor=operator)
    with django_capture_on_commit_callbacks(execute=True):
        refunds.refund_request_info(
            case_id=case.pk, actor=operator, question="Send the bank statement of the payments."
        )
    case = ContributionRefund.objects.get(pk=case.pk)
    assert case.state == RefundState.AWAITING_INFO
    assert case.info_request == "Send the bank statement of the payments."
    assert mail.outbox[-1].body == "Send the bank statement of the payments."

    refunds.refund_receive_info(actor=person_actor(case.pk), case_id=case.pk, answer="Statement attached.")
    assert CaseComment.objects.get(case=case).text == "Statement attached."

    refunds.refund_recommend(case_id=case.pk, actor=operator, approve=True)
    case = ContributionRefund.objects.get(pk=case.pk)
    assert case.state == RefundState.RECOMMENDED
    assert case.recommended_amount == Decimal("600.00")
    assert case.recommended_by == operator
    assert case.deciding_unit == org.north_a
    decide = Task.objects.get(process_id=case.process_id, status=STATUS.NEW)
    assert (decide.flow_task.name, decide.owner_permission) == ("decide", "roles.decide_cases")
    assert decide.owner_permission_obj_pk == str(org.north_a.pk)

    with django_capture_on_commit_callbacks(execute=True):
        refunds.refund_decide(case_id=case.pk, actor=supervisor, approve=True, note="Overpayment confirmed.")
    case = ContributionRefund.objects.get(pk=case.pk)
    assert case.state == RefundState.PAID
    assert case.approved_amount == Decimal("600.00")
    assert case.decided_by == supervisor
    account = BankAccount.objects.get(person=person, verified=True)
    assert case.bank_account == account
    assert case.payment_order == f"PO-{case.reference}"
    assert case.process.status == PROCESS.DONE
    assert not Task.objects.filter(process_id=case.process_id, status__in=[STATUS.NEW, STATUS.ASSIGNED]).exists()

    refunds_posted = LedgerPosting.objects.filter(person=person, kind=LedgerPosting.Kind.REFUND)
    assert sum(p.amount for p in refunds_posted) == Decimal("600.00")
    assert {p.reference for p in refunds_posted} == {case.payment_order}
    after = ledger.balance(person=person, period_from=FIRST, period_to=LAST)
    assert (after.refunded, after.overpaid) == (Decimal("600.00"), Decimal("0.00"))

    topics = ["submitted", "info_requested", "approved"]
    for channel in (Notification.Channel.PORTAL, Notification.Channel.EMAIL):
        sent = Notification.objects.filter(case=case, channel=channel).order_by("id")
        assert [n.key.split(":")[1] for n in sent] == topics
        assert all(n.status == Notification.Status.SENT for n in sent)
    assert len(mail.outbox) == 3
    assert "600.00" in mail.outbox[-1].body and account.iban[-4:] in mail.outbox[-1].body
    assert account.iban not in mail.outbox[-1].body

    assert events(case) == [
        "contribution_refund.created",
        "contribution_refund.submit",
        "task.created",
        "task.assigned",
        "contribution_refund.start_review",
        "contribution_refund.request_info",
        "contribution_refund.receive_info",
        "task.completed",
        "contribution_refund.recommend",
        "task.created",
        "task.completed",
        "contribution_refund.approve",
        "contribution_refund.order_payment",
    ]
    order = AuditEvent.objects.get(subject_id=str(case.pk), action="contribution_refund.order_payment")
    assert order.actor_id == supervisor.pk
    assert order.from_state == RefundState.APPROVED and order.to_state == RefundState.PAID
    assert order.payload["amount"] == "600.00"
    assert sorted(p["id"] for p in order.payload["postings"]) == sorted(p.pk for p in refunds_posted)

    out = io.StringIO()
    call_command("audit_verify", stdout=out)
    assert out.getvalue().startswith("OK")


def test_rejected_refund_ends_the_process_and_tells_the_person(team, person, django_capture_on_commit_callbacks):
    case = refunds.refund_file(
        actor=Actor.person(person), person=person, period_from=FIRST, period_to=LAST, reason="Wrongly posted."
    )
    engine.task_take(case_id=case.pk, actor=team["operator"])
    refunds.refund_recommend(case_id=case.pk, actor=team["operator"], approve=False, note="The payments are correct.")
    with django_capture_on_commit_callbacks(execute=True):
        refunds.refund_decide(case_id=case.pk, actor=team["supervisor"], approve=False, note="Nothing was overpaid.")
    case = ContributionRefund.objects.get(pk=case.pk)
    assert case.state == RefundState.REJECTED
    assert case.approved_amount is None and case.payment_order == ""
    assert case.process.status == PROCESS.DONE
    assert not LedgerPosting.objects.filter(kind=LedgerPosting.Kind.REFUND).exists()
    assert "Nothing was overpaid." in mail.outbox[-1].body
    assert events(case)[-2:] == ["task.completed", "contribution_refund.reject"]
