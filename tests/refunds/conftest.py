"""Refund fixtures: contribution accounts with an overpayment on the ledger.

``make_insured`` assesses 300.00 a month (pension 200.00 + health 100.00 on a wage of 2000.00)
from January 2022; payments are posted on the ledger here, month by month.
"""

import datetime as dt
from decimal import Decimal

import pytest

from registry import ledger
from registry.models import LedgerPosting
from tests.conftest import make_insured

ASSESSED = Decimal("300.00")
FIRST = dt.date(2024, 1, 1)
LAST = dt.date(2024, 6, 1)
MONTHS = [dt.date(2024, month, 1) for month in range(1, 7)]


def pay(account, period, amount, *, employer=False):
    """A payment received for ``period`` (on the 15th of the next month)."""
    value_date = (period + dt.timedelta(days=45)).replace(day=15)
    return ledger.post(
        kind=LedgerPosting.Kind.PAYMENT,
        amount=Decimal(amount),
        period=period,
        value_date=value_date,
        **({"employer": account} if employer else {"person": account}),
    )


def overpaid_person(branch, monthly_payment, *, periods=MONTHS, **kwargs):
    """An insured person who paid ``monthly_payment`` for each of ``periods`` (assessed 300.00 each)."""
    person = make_insured(branch, **kwargs)
    for period in periods:
        pay(person, period, monthly_payment)
    return person


@pytest.fixture
def person(org):
    """Paid 400.00 a month from January to June 2024 against 300.00 assessed: 600.00 overpaid."""
    return overpaid_person(org.north_a, "400.00")


@pytest.fixture
def big_overpayer(org):
    """Paid 1300.00 a month for six months: 6000.00 overpaid, above a branch's authority limit."""
    return overpaid_person(org.north_a, "1300.00")
