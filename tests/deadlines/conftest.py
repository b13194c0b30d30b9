import datetime as dt
from decimal import Decimal

import pytest

from registry import ledger
from registry.models import LedgerPosting
from tests.conftest import make_insured
from tests.factories import add_contributions

JAN, FEB = dt.date(2024, 1, 1), dt.date(2024, 2, 1)


@pytest.fixture
def south_insured(org):
    return make_insured(org.south_a)


@pytest.fixture
def late_payer(org):
    """A self-employed person of North A who paid two periods late: penalties to waive."""
    person = make_insured(org.north_a, months=0)
    add_contributions(person, start=JAN, months=2)
    for period, paid_on in ((JAN, dt.date(2024, 3, 25)), (FEB, dt.date(2024, 4, 4))):
        ledger.post(
            kind=LedgerPosting.Kind.PAYMENT, amount=Decimal("300.00"), period=period, value_date=paid_on, person=person
        )
    return person


@pytest.fixture
def overpayer(org):
    """Paid 400.00 a month from January to June 2024 against 300.00 assessed: 600.00 to refund."""
    person = make_insured(org.north_a)
    for month in range(1, 7):
        period = dt.date(2024, month, 1)
        ledger.post(
            kind=LedgerPosting.Kind.PAYMENT,
            amount=Decimal("400.00"),
            period=period,
            value_date=(period + dt.timedelta(days=45)).replace(day=15),
            person=person,
        )
    return person
