"""Registry selectors: the contribution record over a window, the verified bank account on a date."""

import datetime as dt
from decimal import Decimal

import pytest

from registry.models import BankAccount, DisabilityAssessment
from registry.selectors import contribution_record, latest_disability_degree, verified_bank_account
from tests.factories import EmployerFactory, PersonFactory, add_contributions

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(org):
    person = PersonFactory(branch=org.north_a)
    # January to December 2023, 30 days at 1000, 2000, ... 12000 a month.
    for month in range(1, 13):
        add_contributions(person, start=dt.date(2023, month, 1), months=1, wage=Decimal(1000 * month))
    return person


def test_unbounded_record_is_the_whole_ledger_of_the_person(org, person):
    other = PersonFactory(branch=org.north_a)
    add_contributions(other, start=dt.date(2023, 1, 1), months=12)
    record = contribution_record(person)
    assert record.days == 360
    assert record.earnings == Decimal(78000)
    assert contribution_record(PersonFactory(branch=org.north_a)).days == 0


def test_whole_months_between_the_dates(person):
    record = contribution_record(person, dt.date(2023, 3, 1), dt.date(2023, 5, 31))
    assert (record.days, record.earnings) == (90, Decimal(3000 + 4000 + 5000))


def test_months_partly_outside_the_dates_do_not_count(person):
    # March starts before the 2nd and May ends after the 30th: only April lies wholly inside.
    record = contribution_record(person, dt.date(2023, 3, 2), dt.date(2023, 5, 30))
    assert (record.days, record.earnings) == (30, Decimal(4000))
    assert contribution_record(person, dt.date(2023, 3, 2), dt.date(2023, 3, 31)).days == 0


def test_open_ended_windows(person):
    assert contribution_record(person, None, dt.date(2023, 2, 28)).earnings == Decimal(3000)
    assert contribution_record(person, None, dt.date(2023, 2, 27)).earnings == Decimal(1000)
    assert contribution_record(person, dt.date(2023, 12, 1), None).earnings == Decimal(12000)
    assert contribution_record(person, dt.date(2023, 12, 2), None).days == 0


def test_february_of_a_leap_year_ends_on_the_29th(org):
    person = PersonFactory(branch=org.north_a)
    add_contributions(person, start=dt.date(2024, 2, 1), months=1)
    assert contribution_record(person, dt.date(2024, 2, 1), dt.date(2024, 2, 28)).days == 0
    assert contribution_record(person, dt.date(2024, 2, 1), dt.date(2024, 2, 29)).days == 30


def test_several_payers_in_one_month_count_at_most_thirty_days(org):
    person = PersonFactory(branch=org.north_a)
    first, second = EmployerFactory(branch=org.north_a), EmployerFactory(branch=org.north_a)
    add_contributions(person, start=dt.date(2024, 1, 1), months=1, days=20, wage=Decimal("800"), employer=first)
    add_contributions(person, start=dt.date(2024, 1, 1), months=1, days=25, wage=Decimal("900"), employer=second)
    add_contributions(person, start=dt.date(2024, 2, 1), months=1, days=10, wage=Decimal("300"), employer=first)
    add_contributions(person, start=dt.date(2024, 2, 1), months=1, days=12, wage=Decimal("350"), employer=second)
    record = contribution_record(person)
    assert record.days == 30 + 22
    assert record.earnings == Decimal("2350")


def test_record_is_one_query(person, django_assert_num_queries):
    with django_assert_num_queries(1):
        contribution_record(person, dt.date(2023, 1, 1), dt.date(2023, 12, 31))


def account(person, iban, *, verified=True, valid_from=dt.date(2020, 1, 1), valid_to=None):
    return BankAccount.objects.create(
        person=person, iban=iban, holder=person.full_name, verified=verified, valid_from=valid_from, valid_to=valid_to
    )


def test_verified_bank_account_in_force_on_a_date(org):
    person = PersonFactory(branch=org.north_a)
    on = dt.date(2024, 6, 1)
    assert verified_bank_account(person, on) is None
    account(person, "UNVERIFIED", verified=False, valid_from=dt.date(2024, 1, 1))
    assert verified_bank_account(person, on) is None
    old = account(person, "OLD", valid_from=dt.date(2020, 1, 1), valid_to=dt.date(2024, 5, 31))
    assert verified_bank_account(person, on) is None
    assert verified_bank_account(person, dt.date(2024, 5, 31)) == old
    current = account(person, "CURRENT", valid_from=dt.date(2024, 6, 1))
    account(person, "FUTURE", valid_from=dt.date(2024, 7, 1))
    assert verified_bank_account(person, on) == current
    assert verified_bank_account(person, dt.date(2024, 7, 1)).iban == "FUTURE"
    assert verified_bank_account(PersonFactory(branch=org.north_a), on) is None


def test_latest_disability_degree_in_force(org):
    person = PersonFactory(branch=org.north_a)
    on = dt.date(2024, 6, 1)
    assert latest_disability_degree(person, on) is None
    DisabilityAssessment.objects.create(person=person, degree_percent=30, decided_on=dt.date(2022, 1, 1))
    DisabilityAssessment.objects.create(
        person=person, degree_percent=70, decided_on=dt.date(2023, 1, 1), review_date=dt.date(2024, 5, 31)
    )
    DisabilityAssessment.objects.create(person=person, degree_percent=90, decided_on=dt.date(2024, 6, 2))
    assert latest_disability_degree(person, dt.date(2023, 6, 1)) == 70
    assert latest_disability_degree(person, on) == 30
    assert latest_disability_degree(person, dt.date(2024, 6, 2)) == 90
