import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail

from audit.actors import Actor
from audit.models import AuditEvent
from cases import services
from cases.models import BenefitClaim, BenefitType, ClaimState
from registry.models import Payment, PaymentSchedule
from tests.support import fresh_event_day


def events(claim):
    return list(
        AuditEvent.objects.filter(subject_type="case", subject_id=str(claim.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )


@pytest.mark.django_db
def test_marriage_grant_from_submission_to_closure(org, team, insured, django_capture_on_commit_callbacks):
    claim = services.claim_file(
        actor=Actor.person(insured),
        person=insured,
        benefit_type=BenefitType.MARRIAGE,
        event_date=fresh_event_day(insured, BenefitType.MARRIAGE, dt.date(2024, 12, 1)),
    )
    assert claim.state == ClaimState.SUBMITTED
    assert claim.assessment["eligible"] is True

    services.task_take(case_id=claim.pk, actor=team["operator"])
    services.claim_recommend(case_id=claim.pk, actor=team["operator"], approve=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.claim_decide(case_id=claim.pk, actor=team["supervisor"], approve=True)

    claim = BenefitClaim.objects.get(pk=claim.pk)
    assert claim.state == ClaimState.IN_PAYMENT
    assert claim.approved_amount == Decimal("1200.00")
    schedule = PaymentSchedule.objects.get(case_reference=claim.reference)
    assert schedule.total == Decimal("1200.00")
    assert len(mail.outbox) == 1 and claim.reference in mail.outbox[0].subject

    paid, completed = services.claim_pay_due(case_id=claim.pk)
    assert completed and len(paid) == 1
    assert Payment.objects.get(schedule=schedule).status == Payment.Status.PAID
    claim.refresh_from_db()
    assert claim.state == ClaimState.CLOSED
    assert events(claim) == [
        "benefit_claim.created",
        "benefit_claim.submit",
        "task.created",
        "task.assigned",
        "benefit_claim.start_review",
        "task.completed",
        "benefit_claim.recommend",
        "task.created",
        "task.completed",
        "benefit_claim.approve",
        "benefit_claim.start_payment",
        "benefit_claim.paid",
        "benefit_claim.close",
    ]
