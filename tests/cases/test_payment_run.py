import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command

from audit.actors import Actor
from cases import services
from cases.models import BenefitClaim, BenefitType, ClaimState
from registry.models import Payment
from tests.conftest import make_insured
from tests.support import fresh_event_day


def approved(claim_kind, person, team, **kwargs):
    kwargs.setdefault("actor", Actor.person(person))
    claim = services.claim_file(
        person=person,
        benefit_type=claim_kind,
        event_date=fresh_event_day(person, claim_kind, kwargs.pop("event_date")),
        **kwargs,
    )
    services.task_take(case_id=claim.pk, actor=team["operator"])
    services.claim_recommend(case_id=claim.pk, actor=team["operator"], approve=True)
    services.claim_decide(case_id=claim.pk, actor=team["region_supervisor"], approve=True)
    return BenefitClaim.objects.get(pk=claim.pk)


@pytest.mark.django_db
def test_payment_run_pays_due_instalments_and_closes_paid_claims(org, team, capsys):
    grant = approved(BenefitType.MARRIAGE, make_insured(org.north_a), team, event_date=dt.date(2024, 12, 1))
    pension = approved(
        BenefitType.OLD_AGE,
        make_insured(org.north_a, birth_date=dt.date(1955, 1, 1), months=240, start=dt.date(2004, 1, 1)),
        team,
        event_date=dt.date(2024, 6, 1),
    )
    assert pension.recommended_instalments == 12
    today = grant.decided_at.date()

    call_command("pay_due_claims", "--on", today.isoformat())
    assert "claims paid: 2, closed: 1" in capsys.readouterr().out
    grant.refresh_from_db()
    pension.refresh_from_db()
    assert grant.state == ClaimState.CLOSED
    assert pension.state == ClaimState.IN_PAYMENT
    paid = Payment.objects.filter(schedule__case_reference=pension.reference, status=Payment.Status.PAID)
    assert paid.count() == 1 and paid.get().amount == pension.approved_amount

    # Running again the same day pays nothing twice.
    call_command("pay_due_claims", "--on", today.isoformat())
    assert "claims paid: 0, closed: 0" in capsys.readouterr().out

    call_command("pay_due_claims", "--on", (today + dt.timedelta(days=400)).isoformat())
    pension.refresh_from_db()
    assert pension.state == ClaimState.CLOSED
    total = sum(Payment.objects.filter(schedule__case_reference=pension.reference).values_list("amount", flat=True))
    assert total == pension.approved_amount * 12
    assert isinstance(total, Decimal)
