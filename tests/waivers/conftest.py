"""An employer and a self-employed person with contributions in arrears, for the waiver tests."""

import datetime as dt
from decimal import Decimal

import pytest

from registry import ledger
from registry.models import LedgerPosting, Person
from tests.factories import EmployerFactory, PersonFactory, add_contributions

RATE = Decimal("0.0005")  # penalty.daily_rate installed by the org fixture
JAN, FEB, MAR = dt.date(2024, 1, 1), dt.date(2024, 2, 1), dt.date(2024, 3, 1)


def pay(account, period, value_date, amount):
    """A payment received on ``value_date`` for ``period`` (account: an Employer or a Person)."""
    key = "person" if isinstance(account, Person) else "employer"
    return ledger.post(
        kind=LedgerPosting.Kind.PAYMENT, amount=Decimal(amount), period=period, value_date=value_date, **{key: account}
    )


def employer_with_workers(branch, *, workers=2, wage=Decimal("2000.00"), start=JAN, months=3):
    """An employer declaring ``workers`` workers for ``months`` periods: each period assesses
    15 % of the wages (pension 10 %, health 5 %)."""
    employer = EmployerFactory(branch=branch)
    for _ in range(workers):
        add_contributions(PersonFactory(branch=branch), start=start, months=months, wage=wage, employer=employer)
    return employer


@pytest.fixture
def employer(org):
    """Three periods of 600.00 each (2 workers at 2000.00), each paid in full 60 days after its
    due date (the 15th of the next month): 18.00 of penalty per period, 54.00 in all."""
    employer = employer_with_workers(org.north_a)
    for period, paid_on in ((JAN, dt.date(2024, 4, 15)), (FEB, dt.date(2024, 5, 14)), (MAR, dt.date(2024, 6, 14))):
        pay(employer, period, paid_on, "600.00")
    return employer


@pytest.fixture
def big_employer(org):
    """One period of 150000.00, paid 100 days late: 7500.00 of penalty, above a branch's
    authority limit (5000.00) and within a region's (50000.00)."""
    employer = employer_with_workers(org.north_a, workers=1, wage=Decimal("1000000.00"), months=1)
    pay(employer, JAN, dt.date(2024, 2, 15) + dt.timedelta(days=100), "150000.00")
    return employer


@pytest.fixture
def self_employed(org):
    """A self-employed person of North A: two periods of 300.00, paid 40 and 20 days late
    (6.00 and 3.00 of penalty)."""
    person = PersonFactory(branch=org.north_a)
    add_contributions(person, start=JAN, months=2)
    pay(person, JAN, dt.date(2024, 2, 15) + dt.timedelta(days=40), "300.00")
    pay(person, FEB, dt.date(2024, 3, 15) + dt.timedelta(days=20), "300.00")
    return person
