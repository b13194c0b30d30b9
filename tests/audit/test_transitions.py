"""Every state transition and task event writes exactly one audit event, in the service's
transaction; the chain head kept on the case row always names the chain's last event."""

import pytest
from django.db import transaction
from viewflow.workflow.status import STATUS

from audit.models import AuditEvent
from audit.verify import verify_all
from cases import engine, services
from cases.models import BenefitClaim, ClaimState
from registry.models import PaymentSchedule
from tests.support import person_actor
from workflows import routing

from .trail import case_chain, file_claim

S = ClaimState


def head_matches(claim_pk):
    claim = BenefitClaim.objects.get(pk=claim_pk)
    last = AuditEvent.objects.filter(subject_type="case", subject_id=str(claim_pk)).order_by("-seq").first()
    return (claim.audit_seq, claim.audit_hash) == (last.seq, last.hash)


class Steps:
    """Runs service calls on one claim and returns the events each one wrote."""

    def __init__(self, claim):
        self.pk = claim.pk
        self.seen = len(case_chain(claim))

    def run(self, call, **kwargs):
        before_total = AuditEvent.objects.count()
        call(case_id=self.pk, **kwargs)
        events = AuditEvent.objects.filter(subject_type="case", subject_id=str(self.pk), seq__gt=self.seen).order_by(
            "seq"
        )
        written = [(e.action, e.from_state, e.to_state) for e in events]
        # Nothing else was written, and the chain grew by exactly these events.
        assert AuditEvent.objects.count() == before_total + len(written)
        assert [e.seq for e in events] == list(range(self.seen + 1, self.seen + len(written) + 1))
        self.seen += len(written)
        assert head_matches(self.pk)
        return written

    def state(self):
        return BenefitClaim.objects.get(pk=self.pk).state


@pytest.mark.django_db
def test_approval_path_writes_one_event_per_transition_and_task_event(org, team):
    op, op2, sup = team["operator"], team["operator2"], team["supervisor"]
    claim = file_claim(org.north_a)
    assert [(e.action, e.from_state, e.to_state) for e in case_chain(claim)] == [
        ("benefit_claim.created", "", S.DRAFT),
        ("benefit_claim.submit", S.DRAFT, S.SUBMITTED),
        ("task.created", "", ""),
    ]
    assert head_matches(claim.pk)
    steps = Steps(claim)
    assert steps.run(services.task_take, actor=op) == [
        ("task.assigned", "", ""),
        ("benefit_claim.start_review", S.SUBMITTED, S.IN_REVIEW),
    ]
    assert steps.run(services.task_release, actor=op) == [("task.unassigned", "", "")]
    assert steps.run(services.task_take, actor=op) == [("task.assigned", "", "")]
    assert steps.run(services.task_reassign, actor=sup, to_user=op2) == [("task.reassigned", "", "")]
    assert steps.run(services.claim_request_info, actor=op2, question="Send the marriage certificate.") == [
        ("benefit_claim.request_info", S.IN_REVIEW, S.AWAITING_INFO),
    ]
    assert steps.run(services.claim_receive_info, actor=person_actor(steps.pk), answer="Attached.") == [
        ("benefit_claim.receive_info", S.AWAITING_INFO, S.IN_REVIEW),
    ]
    assert steps.run(services.claim_recommend, actor=op2, approve=True) == [
        ("task.completed", "", ""),
        ("benefit_claim.recommend", S.IN_REVIEW, S.RECOMMENDED),
        ("task.created", "", ""),
    ]
    assert steps.run(services.claim_decide, actor=sup, approve=True) == [
        ("task.completed", "", ""),
        ("benefit_claim.approve", S.RECOMMENDED, S.APPROVED),
        ("benefit_claim.start_payment", S.APPROVED, S.IN_PAYMENT),
    ]
    assert steps.run(services.claim_pay_due) == [
        ("benefit_claim.paid", "", ""),
        ("benefit_claim.close", S.IN_PAYMENT, S.CLOSED),
    ]
    assert steps.state() == S.CLOSED
    assert verify_all().ok


@pytest.mark.django_db
def test_rejection_appeal_and_withdrawal_path(org, team):
    op, sup, sup2 = team["operator"], team["supervisor"], team["supervisor2"]
    claim = file_claim(org.north_a)
    steps = Steps(claim)
    steps.run(services.task_take, actor=op)
    assert steps.run(services.claim_recommend, actor=op, approve=False, note="No marriage record.") == [
        ("task.completed", "", ""),
        ("benefit_claim.recommend", S.IN_REVIEW, S.RECOMMENDED),
        ("task.created", "", ""),
    ]
    assert steps.run(services.claim_decide, actor=sup, approve=False, note="Not married.") == [
        ("task.completed", "", ""),
        ("benefit_claim.reject", S.RECOMMENDED, S.REJECTED),
    ]
    assert steps.run(services.claim_appeal, actor=person_actor(steps.pk), grounds="The certificate was sent.") == [
        ("benefit_claim.appeal", S.REJECTED, S.IN_REVIEW),
        ("task.created", "", ""),
    ]
    assert steps.run(services.task_reassign, actor=sup2, to_user=op) == [("task.reassigned", "", "")]
    assert steps.run(services.claim_withdraw, actor=person_actor(steps.pk), reason="Filed by mistake.") == [
        ("benefit_claim.withdraw", S.IN_REVIEW, S.WITHDRAWN),
        ("task.cancelled", "", ""),
    ]
    assert verify_all().ok


class Boom(Exception):
    pass


def snapshot(claim_pk):
    claim = BenefitClaim.objects.get(pk=claim_pk)
    task = routing.open_task(claim)
    return {
        "state": claim.state,
        "head": (claim.audit_seq, claim.audit_hash),
        "events": AuditEvent.objects.count(),
        "task": (task.flow_task.name, task.status, task.owner_id) if task else None,
    }


@pytest.mark.django_db
def test_a_rolled_back_transition_writes_nothing(org, team):
    claim = file_claim(org.north_a)
    before = snapshot(claim.pk)
    with pytest.raises(Boom), transaction.atomic():
        services.task_take(case_id=claim.pk, actor=team["operator"])
        assert snapshot(claim.pk)["state"] == S.IN_REVIEW
        assert AuditEvent.objects.count() == before["events"] + 2
        raise Boom()
    assert snapshot(claim.pk) == before == {**before, "state": S.SUBMITTED, "task": ("review", STATUS.NEW, None)}
    assert head_matches(claim.pk)
    # The claim moves normally afterwards, and the chain has no hole.
    services.task_take(case_id=claim.pk, actor=team["operator"])
    assert head_matches(claim.pk) and verify_all().ok


@pytest.fixture
def recommended(org, team):
    claim = file_claim(org.north_a)
    services.task_take(case_id=claim.pk, actor=team["operator"])
    services.claim_recommend(case_id=claim.pk, actor=team["operator"], approve=True)
    return BenefitClaim.objects.get(pk=claim.pk)


@pytest.mark.django_db
def test_a_failure_after_the_approval_leaves_no_state_and_no_event(recommended, team, monkeypatch):
    """The payment schedule is created after the approve transition and its audit event."""
    before = snapshot(recommended.pk)
    assert before["state"] == S.RECOMMENDED and before["task"] == ("decide", STATUS.NEW, None)
    calls = []

    def payment_system_down(**kwargs):
        calls.append(kwargs["case_reference"])
        raise Boom()

    monkeypatch.setattr("cases.claims.payment_schedule_create", payment_system_down)
    with pytest.raises(Boom):
        services.claim_decide(case_id=recommended.pk, actor=team["supervisor"], approve=True)
    assert calls == [recommended.reference]
    assert snapshot(recommended.pk) == before
    assert not PaymentSchedule.objects.filter(case_reference=recommended.reference).exists()
    assert head_matches(recommended.pk) and verify_all().ok

    monkeypatch.undo()
    services.claim_decide(case_id=recommended.pk, actor=team["supervisor"], approve=True)
    assert snapshot(recommended.pk)["state"] == S.IN_PAYMENT
    assert head_matches(recommended.pk) and verify_all().ok


@pytest.mark.django_db
def test_a_failure_after_the_recommendation_leaves_no_state_and_no_event(org, team, monkeypatch):
    """The decision task is created after the recommend transition and its audit event."""
    claim = file_claim(org.north_a)
    services.task_take(case_id=claim.pk, actor=team["operator"])
    before = snapshot(claim.pk)
    assert before["state"] == S.IN_REVIEW and before["task"] == ("review", STATUS.ASSIGNED, team["operator"].pk)
    nodes = []

    def routing_down(case, node, **kwargs):
        nodes.append(node.name)
        raise Boom()

    monkeypatch.setattr(routing, "task_create", routing_down)
    with pytest.raises(Boom):
        services.claim_recommend(case_id=claim.pk, actor=team["operator"], approve=True)
    assert nodes == ["decide"]
    assert snapshot(claim.pk) == before
    assert head_matches(claim.pk) and verify_all().ok


@pytest.mark.django_db
def test_a_failing_audit_write_leaves_no_state_change(org, team, monkeypatch):
    """No state change without its event: when the event cannot be written, the transition is undone."""
    claim = file_claim(org.north_a)
    before = snapshot(claim.pk)
    real_record_event = engine.record_event

    def refuse_review(**fields):
        if fields["action"] == "benefit_claim.start_review":
            raise Boom()
        return real_record_event(**fields)

    monkeypatch.setattr("cases.engine.record_event", refuse_review)
    with pytest.raises(Boom):
        services.task_take(case_id=claim.pk, actor=team["operator"])
    assert snapshot(claim.pk) == before
    assert head_matches(claim.pk)
