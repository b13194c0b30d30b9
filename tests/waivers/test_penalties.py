"""Late-payment penalties: the rule (rules.penalties) and the ledger's statement per account
(registry.ledger.penalties), to the cent."""

import datetime as dt
from decimal import Decimal

import pytest

from registry import ledger
from registry.models import LedgerPosting
from rules.penalties import due_date_of, late_penalty
from tests.factories import PersonFactory, add_contributions

from .conftest import FEB, JAN, MAR, RATE, employer_with_workers, pay

DUE = dt.date(2024, 2, 15)  # January 2024 is due on 15 February


def penalty(assessed="1000.00", payments=(), on=dt.date(2024, 3, 16), due=DUE, rate=RATE):
    return late_penalty(
        assessed=Decimal(assessed),
        due_date=due,
        payments=[(d, Decimal(a)) for d, a in payments],
        on=on,
        daily_rate=rate,
    )


# --- Due dates ---------------------------------------------------------------------------------


def test_a_period_is_due_on_the_due_day_of_the_next_month():
    assert due_date_of(JAN, 15) == dt.date(2024, 2, 15)
    assert due_date_of(dt.date(2024, 12, 1), Decimal("15")) == dt.date(2025, 1, 15)


def test_a_due_day_past_the_end_of_a_short_month_falls_on_its_last_day():
    assert due_date_of(JAN, 31) == dt.date(2024, 2, 29)  # leap year
    assert due_date_of(dt.date(2023, 1, 1), 31) == dt.date(2023, 2, 28)
    assert due_date_of(MAR, 30) == dt.date(2024, 4, 30)
    assert due_date_of(MAR, 31) == dt.date(2024, 4, 30)
    assert due_date_of(dt.date(2024, 6, 1), 31) == dt.date(2024, 7, 31)


# --- One period -----------------------------------------------------------------------------------


def test_nothing_paid_accrues_every_day_after_the_due_date_up_to_and_including_the_day_of_computation():
    result = penalty(on=dt.date(2024, 3, 16))  # 16 Feb .. 16 Mar: 14 + 16 days
    assert result.days_late == 30
    assert result.amount == Decimal("15.00")  # 1000.00 x 0.0005 x 30
    assert result.segments == [("2024-02-16", "2024-03-16", "1000.00", 30)]


def test_no_penalty_on_or_before_the_due_date():
    assert penalty(on=DUE).amount == Decimal("0.00")
    assert penalty(on=DUE - dt.timedelta(days=10)).amount == Decimal("0.00")
    assert penalty(on=DUE + dt.timedelta(days=1)).amount == Decimal("0.50")


def test_a_payment_on_the_due_date_is_on_time():
    result = penalty(payments=[(DUE, "1000.00")], on=dt.date(2024, 12, 31))
    assert (result.amount, result.days_late, result.segments) == (Decimal("0.00"), 0, [])


def test_a_payment_before_the_due_date_is_on_time_and_an_overpayment_accrues_nothing():
    assert penalty(payments=[(dt.date(2024, 1, 20), "1000.00")]).amount == Decimal("0.00")
    assert penalty(payments=[(dt.date(2024, 1, 20), "1500.00")]).amount == Decimal("0.00")


def test_a_payment_one_day_late_accrues_one_day():
    result = penalty(payments=[(DUE + dt.timedelta(days=1), "1000.00")], on=dt.date(2024, 12, 31))
    assert result.days_late == 1
    assert result.amount == Decimal("0.50")


def test_paying_on_the_day_of_computation_costs_the_same_as_not_paying_by_then():
    on = dt.date(2024, 3, 16)
    assert penalty(payments=[(on, "1000.00")], on=on) == penalty(on=on)


def test_a_late_payment_in_full_stops_the_accrual_for_good():
    paid = dt.date(2024, 3, 6)  # 16 Feb .. 6 Mar: 14 + 6 days
    for on in (paid, dt.date(2024, 6, 30), dt.date(2030, 1, 1)):
        result = penalty(payments=[(paid, "1000.00")], on=on)
        assert result.days_late == 20
        assert result.amount == Decimal("10.00")


def test_a_partial_payment_on_time_leaves_the_rest_accruing():
    result = penalty(payments=[(DUE, "600.00")], on=dt.date(2024, 3, 16))
    assert result.amount == Decimal("6.00")  # 400.00 x 0.0005 x 30
    assert result.segments == [("2024-02-16", "2024-03-16", "400.00", 30)]


def test_partial_late_payments_accrue_on_what_was_unpaid_each_day():
    payments = [(dt.date(2024, 3, 6), "700.00"), (dt.date(2024, 2, 25), "300.00")]  # any order
    result = penalty(payments=payments, on=dt.date(2024, 12, 31))
    # 16..25 Feb: 1000.00 for 10 days (5.00); 26 Feb..6 Mar: 700.00 for 10 days (3.50)
    assert result.segments == [
        ("2024-02-16", "2024-02-25", "1000.00", 10),
        ("2024-02-26", "2024-03-06", "700.00", 10),
    ]
    assert result.days_late == 20
    assert result.amount == Decimal("8.50")


def test_a_partial_late_payment_with_the_rest_still_unpaid():
    result = penalty(payments=[(dt.date(2024, 2, 25), "300.00")], on=dt.date(2024, 3, 16))
    # 10 days on 1000.00 (5.00) then 26 Feb..16 Mar, 20 days on 700.00 (7.00)
    assert result.amount == Decimal("12.00")
    assert result.days_late == 30


def test_payments_after_the_day_of_computation_do_not_count_yet():
    result = penalty(payments=[(dt.date(2024, 4, 1), "1000.00")], on=dt.date(2024, 3, 16))
    assert result.amount == Decimal("15.00")


def test_two_payments_on_one_day_count_together():
    paid = dt.date(2024, 2, 20)
    result = penalty(payments=[(paid, "400.00"), (paid, "600.00")], on=dt.date(2024, 12, 31))
    assert result.amount == Decimal("2.50")  # 1000.00 x 0.0005 x 5
    assert result.days_late == 5


def test_the_penalty_is_rounded_half_up_to_the_cent_once_per_period():
    assert penalty(assessed="10.00", on=DUE + dt.timedelta(days=1)).amount == Decimal("0.01")  # 0.005
    # 333.33 x 0.0005 x 7 = 1.166655
    assert penalty(assessed="333.33", on=DUE + dt.timedelta(days=7)).amount == Decimal("1.17")
    # Two segments of 0.0025 each (5.00 for one day, then 2.50 for two days) would round to
    # 0.00 + 0.00; the period's total 0.005 is 0.01.
    result = penalty(assessed="5.00", payments=[(DUE + dt.timedelta(days=1), "2.50")], on=DUE + dt.timedelta(days=3))
    assert [s[3] for s in result.segments] == [1, 2]
    assert result.amount == Decimal("0.01")
    assert isinstance(result.amount, Decimal) and result.amount.as_tuple().exponent == -2


def test_the_rate_is_the_parameter_given():
    assert penalty(rate=Decimal("0.001")).amount == Decimal("30.00")


# --- The ledger's statement of an account -----------------------------------------------------------


def statement(on, **account):
    return ledger.penalties(period_from=JAN, period_to=MAR, on=on, due_day=Decimal("15"), daily_rate=RATE, **account)


def test_an_employers_statement_sums_its_workers_per_period(org):
    employer = employer_with_workers(org.north_a, workers=2)  # 600.00 a period
    pay(employer, JAN, dt.date(2024, 2, 15), "600.00")  # on time
    pay(employer, FEB, dt.date(2024, 3, 25), "600.00")  # 10 days late: 3.00
    pay(employer, MAR, dt.date(2024, 4, 15), "200.00")  # partly on time: 400.00 accrues
    on = dt.date(2024, 5, 15)  # 16 Apr .. 15 May: 30 days on 400.00 = 6.00

    result = statement(on, employer=employer)

    assert [(p["period"], p["assessed"], p["due_date"], p["penalty"], p["days_late"]) for p in result.periods] == [
        ("2024-01-01", "600.00", "2024-02-15", "0.00", 0),
        ("2024-02-01", "600.00", "2024-03-15", "3.00", 10),
        ("2024-03-01", "600.00", "2024-04-15", "6.00", 30),
    ]
    assert result.accrued == Decimal("9.00")
    assert result.waived == Decimal("0.00")
    assert result.outstanding == Decimal("9.00")


def test_waivers_reduce_what_is_outstanding_per_period_and_in_total(org, employer):
    ledger.post(
        kind=LedgerPosting.Kind.WAIVER,
        amount=Decimal("5.00"),
        period=FEB,
        value_date=dt.date(2024, 7, 1),
        employer=employer,
    )
    # outside the periods asked for: not counted
    ledger.post(
        kind=LedgerPosting.Kind.WAIVER,
        amount=Decimal("1.00"),
        period=dt.date(2023, 12, 1),
        value_date=dt.date(2024, 7, 1),
        employer=employer,
    )

    result = statement(dt.date(2024, 12, 31), employer=employer)

    assert [(p["penalty"], p["waived"]) for p in result.periods] == [
        ("18.00", "0.00"),
        ("18.00", "5.00"),
        ("18.00", "0.00"),
    ]
    assert (result.accrued, result.waived, result.outstanding) == (Decimal("54.00"), Decimal("5.00"), Decimal("49.00"))


def test_other_kinds_of_postings_and_other_accounts_do_not_count(org, employer):
    other = employer_with_workers(org.north_a, workers=1)
    pay(other, JAN, dt.date(2024, 2, 1), "10000.00")
    for kind in (LedgerPosting.Kind.REFUND, LedgerPosting.Kind.PENALTY, LedgerPosting.Kind.ADJUSTMENT):
        ledger.post(kind=kind, amount=Decimal("7.00"), period=JAN, value_date=dt.date(2024, 2, 1), employer=employer)
    assert statement(dt.date(2024, 12, 31), employer=employer).accrued == Decimal("54.00")


def test_a_persons_statement_holds_only_the_periods_they_pay_themselves(org):
    employer = employer_with_workers(org.north_a, workers=1)
    person = PersonFactory(branch=org.north_a)
    add_contributions(person, start=JAN, months=1)  # self-employed in January: 300.00
    add_contributions(person, start=FEB, months=1, employer=employer)  # employed in February
    pay(person, JAN, dt.date(2024, 2, 25), "300.00")  # 10 days late: 1.50

    result = statement(dt.date(2024, 12, 31), person=person)

    assert [p["period"] for p in result.periods] == ["2024-01-01"]
    assert result.accrued == Decimal("1.50")


def test_nothing_declared_nothing_accrued(org):
    person = PersonFactory(branch=org.north_a)
    result = statement(dt.date(2024, 12, 31), person=person)
    assert (result.accrued, result.outstanding, result.periods) == (Decimal("0.00"), Decimal("0.00"), [])


@pytest.mark.parametrize("account", [{}, {"person": "p", "employer": "e"}])
def test_a_statement_needs_exactly_one_account(account):
    with pytest.raises(ValueError):
        statement(dt.date(2024, 12, 31), **account)
