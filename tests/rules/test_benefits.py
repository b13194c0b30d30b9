"""The benefit calculators, as pure functions: a contribution record and parameters in, an assessment out."""

import datetime as dt
from decimal import Decimal

import pytest

from rules import benefits
from rules.benefits import ContributionRecord
from rules.parameters import DEFAULTS

P = {key: Decimal(value) for key, (value, _description) in DEFAULTS.items()}


def p(**overrides):
    """The default parameters with some replaced: p(marriage_grant__amount="1000") sets marriage_grant.amount."""
    values = dict(P)
    for name, value in overrides.items():
        key = name.replace("__", ".")
        assert key in values, key
        values[key] = Decimal(value)
    return values


def record(days, earnings="0"):
    return ContributionRecord(days=days, earnings=Decimal(earnings))


def monthly(months, wage="2000.00", days=30):
    """``months`` months of ``days`` days at ``wage`` a month."""
    return ContributionRecord(days=months * days, earnings=Decimal(wage) * months)


# --- Helpers ------------------------------------------------------------------------------


def test_money_rounds_half_up_to_cents():
    assert benefits.money(Decimal("0.125")) == Decimal("0.13")
    assert benefits.money(Decimal("0.135")) == Decimal("0.14")
    assert benefits.money(Decimal("-0.125")) == Decimal("-0.13")
    assert benefits.money(Decimal("10.004")) == Decimal("10.00")
    assert benefits.money("7") == Decimal("7.00") and isinstance(benefits.money("7"), Decimal)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (dt.date(2024, 1, 31), 1, dt.date(2024, 2, 29)),
        (dt.date(2023, 1, 31), 1, dt.date(2023, 2, 28)),
        (dt.date(2024, 3, 31), -1, dt.date(2024, 2, 29)),
        (dt.date(2024, 5, 31), -1, dt.date(2024, 4, 30)),
        (dt.date(2024, 3, 15), -15, dt.date(2022, 12, 15)),
        (dt.date(2024, 12, 1), -60, dt.date(2019, 12, 1)),
        (dt.date(2024, 1, 10), -12, dt.date(2023, 1, 10)),
        (dt.date(2024, 11, 30), 2, dt.date(2025, 1, 30)),
    ],
)
def test_add_months_keeps_the_day_within_the_month(day, months, expected):
    assert benefits.add_months(day, months) == expected


@pytest.mark.parametrize(
    ("day", "kwargs", "expected"),
    [
        # Five years before a marriage: the 60 whole months before the month of the marriage.
        (dt.date(2024, 12, 1), {"years": 5}, (dt.date(2019, 12, 1), dt.date(2024, 11, 30))),
        (dt.date(2024, 12, 15), {"years": 5}, (dt.date(2019, 12, 1), dt.date(2024, 11, 30))),
        (dt.date(2024, 12, 31), {"years": 5}, (dt.date(2019, 12, 1), dt.date(2024, 11, 30))),
        # Month windows across a year boundary and at month ends.
        (dt.date(2024, 1, 10), {"months": 12}, (dt.date(2023, 1, 1), dt.date(2023, 12, 31))),
        (dt.date(2024, 3, 31), {"months": 1}, (dt.date(2024, 2, 1), dt.date(2024, 2, 29))),
        (dt.date(2024, 5, 31), {"months": 1}, (dt.date(2024, 4, 1), dt.date(2024, 4, 30))),
        (dt.date(2024, 6, 15), {"months": 24}, (dt.date(2022, 6, 1), dt.date(2024, 5, 31))),
        (dt.date(2024, 6, 15), {"years": 1, "months": 6}, (dt.date(2022, 12, 1), dt.date(2024, 5, 31))),
    ],
)
def test_window_is_whole_months_before_the_month_of_the_event(day, kwargs, expected):
    start, end = benefits.window(day, **kwargs)
    assert (start, end) == expected
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    assert months == kwargs.get("years", 0) * 12 + kwargs.get("months", 0)


def test_window_needs_a_length():
    with pytest.raises(ValueError):
        benefits.window(dt.date(2024, 1, 1))


def test_age_on_counts_completed_years():
    born = dt.date(1959, 6, 15)
    assert benefits.age_on(born, dt.date(2024, 6, 14)) == 64
    assert benefits.age_on(born, dt.date(2024, 6, 15)) == 65
    leap = dt.date(2000, 2, 29)
    assert benefits.age_on(leap, dt.date(2065, 2, 28)) == 64
    assert benefits.age_on(leap, dt.date(2065, 3, 1)) == 65


def test_record_from_months_counts_a_month_at_most_once():
    rec = ContributionRecord.from_months([(30, Decimal("2000")), (45, Decimal("3000")), (12, Decimal("400"))])
    assert rec.days == 30 + 30 + 12
    assert rec.earnings == Decimal("5400")
    assert ContributionRecord.from_months([]) == record(0)


def test_record_averages_and_insured_years():
    rec = record(720, "48000.00")
    assert rec.average_daily_wage == Decimal("48000") / 720
    assert benefits.money(rec.average_monthly_wage) == Decimal("2000.00")
    assert rec.insured_years == Decimal("2.00")
    assert record(0).average_daily_wage == 0 and record(0).average_monthly_wage == 0
    # Insured years are completed years: a day short of 15 years is not 15 years.
    assert record(5399).insured_years == Decimal("14.99")
    assert record(5400).insured_years == Decimal("15.00")


def test_assessment_total_is_instalments_times_amount():
    a = benefits.Assessment(eligible=True, reason="", amount=Decimal("333.33"), instalments=12)
    assert a.total == Decimal("3999.96")


# --- Marriage grant -------------------------------------------------------------------------


def test_marriage_grant_refused_at_719_days_with_a_reason():
    a = benefits.marriage_grant(record=record(719), p=P)
    assert not a.eligible
    assert a.amount == Decimal("0.00")
    assert "719" in a.reason and "720" in a.reason
    assert a.details == {"days": 719, "required": 720}


def test_marriage_grant_granted_at_720_days():
    a = benefits.marriage_grant(record=record(720), p=P)
    assert a.eligible
    assert a.amount == Decimal("1200.00") and a.instalments == 1 and a.total == Decimal("1200.00")


def test_marriage_grant_amount_and_threshold_come_from_parameters():
    params = p(marriage_grant__amount="1000.125", marriage_grant__min_days="360")
    assert benefits.marriage_grant(record=record(360), p=params).amount == Decimal("1000.13")
    assert not benefits.marriage_grant(record=record(359), p=params).eligible


# --- Funeral grant --------------------------------------------------------------------------


def test_funeral_grant_is_months_of_minimum_wage():
    a = benefits.funeral_grant(deceased_record=record(30), p=P)
    assert a.eligible and a.amount == Decimal("1200.00")
    a = benefits.funeral_grant(
        deceased_record=record(30), p=p(minimum_wage__monthly="1333.335", funeral_grant__minimum_wage_months="1")
    )
    assert a.amount == Decimal("1333.34")
    a = benefits.funeral_grant(deceased_record=record(30), p=p(funeral_grant__minimum_wage_months="2"))
    assert a.amount == Decimal("2400.00")


def test_funeral_grant_refused_when_the_deceased_was_never_insured():
    a = benefits.funeral_grant(deceased_record=record(0), p=P)
    assert not a.eligible and a.reason


# --- Sickness, maternity, unemployment ------------------------------------------------------


def test_sickness_benefit():
    rec = record(360, "24000.00")  # 66.666... a day
    refused = benefits.sickness_benefit(record=record(89, "6000"), sick_days=10, p=P)
    assert not refused.eligible and "89" in refused.reason and "90" in refused.reason
    a = benefits.sickness_benefit(record=rec, sick_days=10, p=P)
    assert a.eligible
    assert a.amount == Decimal("466.67")  # 66.666... x 0.70 x 10, rounded half up
    assert a.details["average_daily_wage"] == Decimal("66.67")
    assert benefits.sickness_benefit(record=record(90, "6000"), sick_days=1, p=P).eligible
    assert not benefits.sickness_benefit(record=rec, sick_days=0, p=P).eligible


def test_maternity_benefit():
    assert not benefits.maternity_benefit(record=record(179, "12000"), p=P).eligible
    a = benefits.maternity_benefit(record=monthly(6), p=P)
    assert a.eligible
    assert a.amount == Decimal("8000.00")  # 2000 / 30 a day x 1.00 x 120 days
    a = benefits.maternity_benefit(record=monthly(6), p=p(maternity__daily_rate="0.80", maternity__days="98"))
    assert a.amount == Decimal("5226.67")  # 66.666... x 0.80 x 98


def test_unemployment_benefit_is_paid_monthly():
    assert not benefits.unemployment_benefit(record=record(359, "24000"), p=P).eligible
    a = benefits.unemployment_benefit(record=monthly(12), p=P)
    assert a.eligible
    assert a.amount == Decimal("1100.00") and a.instalments == 6 and a.total == Decimal("6600.00")


# --- Disability -------------------------------------------------------------------------------


def test_disability_needs_a_medical_decision():
    a = benefits.disability_pension(record=monthly(24), degree_percent=None, p=P)
    assert not a.eligible and "medical" in a.reason
    assert not benefits.disability_pension(record=monthly(24), degree_percent=0, p=P).eligible


def test_disability_pension_from_degree_and_wage():
    a = benefits.disability_pension(record=monthly(24), degree_percent=60, p=P)
    assert a.eligible
    assert a.amount == Decimal("600.00")  # 2000 x 0.50 x 60 %
    assert a.instalments == 12
    refused = benefits.disability_pension(record=record(359, "24000"), degree_percent=60, p=P)
    assert not refused.eligible and "359" in refused.reason


# --- Old-age pension --------------------------------------------------------------------------


BORN = dt.date(1959, 6, 15)


def test_old_age_pension_refused_below_the_retirement_age():
    a = benefits.old_age_pension(birth_date=BORN, on=dt.date(2024, 6, 14), career=monthly(480), p=P)
    assert not a.eligible and "64" in a.reason and "65" in a.reason


def test_old_age_pension_refused_with_too_few_insured_years():
    a = benefits.old_age_pension(birth_date=BORN, on=dt.date(2024, 6, 15), career=record(5399, "359933.33"), p=P)
    assert not a.eligible and "14.99" in a.reason
    assert benefits.old_age_pension(birth_date=BORN, on=dt.date(2024, 6, 15), career=monthly(180), p=P).eligible


def test_old_age_pension_amount():
    a = benefits.old_age_pension(birth_date=BORN, on=dt.date(2024, 6, 15), career=monthly(240), p=P)
    assert a.eligible
    assert a.amount == Decimal("600.00")  # 0.015 x 20 years x 2000
    assert a.instalments == 12 and a.total == Decimal("7200.00")
    # 6000 days are 16.66 completed years; an average of 2500 a month.
    a = benefits.old_age_pension(birth_date=BORN, on=dt.date(2030, 1, 1), career=monthly(200, "2500.00"), p=P)
    assert a.details["insured_years"] == Decimal("16.66")
    assert a.amount == Decimal("624.75")  # 0.015 x 16.66 x 2500
    later = p(retirement__age="67")
    assert not benefits.old_age_pension(birth_date=BORN, on=dt.date(2025, 6, 15), career=monthly(240), p=later).eligible


# --- Survivors' pension -----------------------------------------------------------------------


def test_survivors_pension_from_the_deceased_career():
    assert not benefits.survivors_pension(deceased_career=record(1799, "120000"), p=P).eligible
    a = benefits.survivors_pension(deceased_career=monthly(60), p=P)
    assert a.eligible
    assert a.amount == Decimal("90.00")  # 0.015 x 5 years x 2000 x 0.60
    assert a.instalments == 12
    a = benefits.survivors_pension(deceased_career=monthly(300, "3000.00"), p=p(survivors__share="0.55"))
    assert a.amount == Decimal("618.75")  # 0.015 x 25 x 3000 x 0.55
