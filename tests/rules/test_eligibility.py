"""Eligibility of each claim type from the registry: the contribution ledger, the medical
decisions and the parameters in force on the claim's date (cases.eligibility)."""

import datetime as dt
from decimal import Decimal

import pytest

from cases.eligibility import as_json, assess
from cases.errors import InvalidInput
from cases.models import BenefitClaim, BenefitType
from registry.models import ContributionEntry, DisabilityAssessment
from rules.parameters import set_param
from tests.factories import PersonFactory, add_contributions

pytestmark = pytest.mark.django_db


def claim(person, benefit_type, event_date, **kwargs):
    return BenefitClaim(person=person, benefit_type=benefit_type, event_date=event_date, **kwargs)


@pytest.fixture
def person(org):
    return PersonFactory(branch=org.north_a)


# --- Marriage grant: 720 days within the 5 years before the marriage ------------------------

MARRIAGE = dt.date(2024, 12, 10)


def test_marriage_grant_720_days_in_the_window(person):
    # The 24 months before the month of the marriage: December 2022 to November 2024.
    add_contributions(person, start=dt.date(2022, 12, 1), months=24)
    result = assess(claim(person, BenefitType.MARRIAGE, MARRIAGE))
    assert result.eligible
    assert result.details["days"] == 720
    assert result.amount == Decimal("1200.00")


def test_marriage_grant_719_days_refused(person):
    add_contributions(person, start=dt.date(2022, 12, 1), months=23)
    add_contributions(person, start=dt.date(2024, 11, 1), months=1, days=29)
    result = assess(claim(person, BenefitType.MARRIAGE, MARRIAGE))
    assert not result.eligible
    assert result.details == {"days": 719, "required": 720}
    assert "719" in result.reason and "720" in result.reason
    assert as_json(result)["eligible"] is False


def test_marriage_grant_days_outside_the_window_do_not_count(person):
    # 23 months inside the window...
    add_contributions(person, start=dt.date(2022, 12, 1), months=23)
    # ...the month of the marriage and the month before the window are outside it.
    add_contributions(person, start=dt.date(2024, 12, 1), months=1)
    add_contributions(person, start=dt.date(2019, 11, 1), months=1)
    result = assess(claim(person, BenefitType.MARRIAGE, MARRIAGE))
    assert not result.eligible and result.details["days"] == 690


def test_marriage_grant_window_starts_sixty_months_before(person):
    # The first month of the window (December 2019) counts: 24 months from there.
    add_contributions(person, start=dt.date(2019, 12, 1), months=24)
    assert assess(claim(person, BenefitType.MARRIAGE, MARRIAGE)).eligible


def test_marriage_grant_two_payers_in_one_month_count_the_month_once(person, org):
    add_contributions(person, start=dt.date(2022, 12, 1), months=23)
    # Two jobs in November 2024: still 30 days of insurance.
    add_contributions(person, start=dt.date(2024, 11, 1), months=1, days=20)
    add_contributions(person, start=dt.date(2024, 11, 1), months=1, days=20)
    result = assess(claim(person, BenefitType.MARRIAGE, MARRIAGE))
    assert result.details["days"] == 23 * 30 + 30


def test_marriage_grant_amount_in_force_on_the_marriage_date(person):
    add_contributions(person, start=dt.date(2020, 1, 1), months=60)
    set_param("marriage_grant.amount", "1500.00", dt.date(2024, 12, 1))
    assert assess(claim(person, BenefitType.MARRIAGE, dt.date(2024, 11, 30))).amount == Decimal("1200.00")
    assert assess(claim(person, BenefitType.MARRIAGE, dt.date(2024, 12, 1))).amount == Decimal("1500.00")


# --- Funeral grant: the minimum wage in force on the date of death --------------------------


@pytest.fixture
def wage_change(org):
    set_param("minimum_wage.monthly", "1350.00", dt.date(2024, 7, 1))


def deceased_person(org, died):
    deceased = PersonFactory(branch=org.north_a, death_date=died)
    add_contributions(deceased, start=dt.date(2010, 1, 1), months=120)
    return deceased


def test_funeral_grant_death_before_the_change_gets_the_old_minimum_wage(org, person, wage_change):
    deceased = deceased_person(org, dt.date(2024, 6, 30))
    result = assess(claim(person, BenefitType.FUNERAL, dt.date(2024, 6, 30), deceased=deceased))
    assert result.eligible and result.amount == Decimal("1200.00")


def test_funeral_grant_death_after_the_change_gets_the_new_minimum_wage(org, person, wage_change):
    deceased = deceased_person(org, dt.date(2024, 7, 1))
    result = assess(claim(person, BenefitType.FUNERAL, dt.date(2024, 7, 1), deceased=deceased))
    assert result.eligible and result.amount == Decimal("1350.00")


def test_funeral_grant_uses_the_registry_date_of_death(org, person, wage_change):
    # The claim gives a later date (the funeral, say); the death was registered before the change.
    deceased = deceased_person(org, dt.date(2024, 6, 28))
    result = assess(claim(person, BenefitType.FUNERAL, dt.date(2024, 7, 3), deceased=deceased))
    assert result.amount == Decimal("1200.00")
    # Without a registered date of death the claim's date applies.
    deceased.death_date = None
    result = assess(claim(person, BenefitType.FUNERAL, dt.date(2024, 7, 3), deceased=deceased))
    assert result.amount == Decimal("1350.00")


def test_funeral_grant_refused_when_the_deceased_was_never_insured(org, person):
    deceased = PersonFactory(branch=org.north_a, death_date=dt.date(2024, 3, 1))
    result = assess(claim(person, BenefitType.FUNERAL, dt.date(2024, 3, 1), deceased=deceased))
    assert not result.eligible and result.reason


# --- Sickness, maternity, unemployment: days in the months before the event -----------------


def test_sickness_counts_the_twelve_months_before_the_onset(person):
    onset = dt.date(2024, 6, 20)
    add_contributions(person, start=dt.date(2024, 3, 1), months=3, wage=Decimal("1800.00"))  # Mar-May: 90 days
    add_contributions(person, start=dt.date(2024, 6, 1), months=1)  # the month of onset: outside
    add_contributions(person, start=dt.date(2023, 5, 1), months=1)  # 13 months before: outside
    result = assess(claim(person, BenefitType.SICKNESS, onset, sick_days=10))
    assert result.eligible
    assert result.amount == Decimal("420.00")  # 60 a day x 0.70 x 10 days
    ContributionEntry.objects.filter(person=person, period=dt.date(2024, 5, 1)).update(days=29)
    result = assess(claim(person, BenefitType.SICKNESS, onset, sick_days=10))
    assert not result.eligible and "89" in result.reason


def test_maternity_benefit_from_the_ledger(person):
    add_contributions(person, start=dt.date(2023, 7, 1), months=12, wage=Decimal("2400.00"))
    result = assess(claim(person, BenefitType.MATERNITY, dt.date(2024, 7, 5)))
    assert result.eligible and result.amount == Decimal("9600.00")  # 80 a day x 120 days


def test_unemployment_benefit_from_the_ledger(person):
    add_contributions(person, start=dt.date(2023, 7, 1), months=12, wage=Decimal("2000.00"))
    result = assess(claim(person, BenefitType.UNEMPLOYMENT, dt.date(2024, 7, 5)))
    assert result.eligible
    assert (result.amount, result.instalments) == (Decimal("1100.00"), 6)
    # A year earlier the same person had no contributions.
    assert not assess(claim(person, BenefitType.UNEMPLOYMENT, dt.date(2023, 7, 5))).eligible


# --- Disability: needs a medical commission decision ---------------------------------------


ONSET = dt.date(2024, 9, 1)


@pytest.fixture
def worker(person):
    add_contributions(person, start=dt.date(2020, 1, 1), months=48)
    return person


def medical(person, degree, decided_on, review_date=None):
    return DisabilityAssessment.objects.create(
        person=person, degree_percent=degree, decided_on=decided_on, review_date=review_date
    )


def test_disability_without_a_medical_decision_is_refused(worker):
    result = assess(claim(worker, BenefitType.DISABILITY, ONSET))
    assert not result.eligible and "medical" in result.reason


def test_disability_decision_whose_review_passed_before_the_onset_does_not_count(worker):
    medical(worker, 70, decided_on=dt.date(2022, 1, 1), review_date=dt.date(2024, 8, 31))
    assert not assess(claim(worker, BenefitType.DISABILITY, ONSET)).eligible


def test_disability_decision_taken_after_the_onset_counts(worker):
    """The commission sits after the onset: its decision is what the claim waits for."""
    medical(worker, 60, decided_on=ONSET + dt.timedelta(days=40))
    result = assess(claim(worker, BenefitType.DISABILITY, ONSET))
    assert result.eligible and result.details["degree_percent"] == 60


def test_disability_pension_from_the_medical_degree(worker):
    medical(worker, 40, decided_on=dt.date(2023, 1, 1))
    medical(worker, 80, decided_on=dt.date(2024, 8, 1), review_date=dt.date(2026, 8, 1))
    result = assess(claim(worker, BenefitType.DISABILITY, ONSET))
    assert result.eligible
    assert result.details["degree_percent"] == 80
    assert result.amount == Decimal("800.00")  # 2000 x 0.50 x 80 %
    assert result.instalments == 12


# --- Old-age pension ------------------------------------------------------------------------


def retiree(org, months, born=dt.date(1959, 3, 10), wage=Decimal("2000.00")):
    person = PersonFactory(branch=org.north_a, birth_date=born)
    add_contributions(person, start=dt.date(2000, 1, 1), months=months, wage=wage)
    return person


def test_old_age_pension_too_young(org):
    person = retiree(org, 240)
    result = assess(claim(person, BenefitType.OLD_AGE, dt.date(2024, 3, 9)))
    assert not result.eligible and result.details == {"age": 64}


def test_old_age_pension_too_few_years(org):
    person = retiree(org, 179)
    result = assess(claim(person, BenefitType.OLD_AGE, dt.date(2024, 3, 10)))
    assert not result.eligible and result.details == {"insured_years": Decimal("14.91")}


def test_old_age_pension_exact_amount(org):
    person = retiree(org, 289, born=dt.date(1958, 11, 30), wage=Decimal("2400.00"))  # January 2000 to January 2024
    # Only months wholly before the claim date count: February 2024 is not one.
    add_contributions(person, start=dt.date(2024, 2, 1), months=1, wage=Decimal("90000.00"))
    result = assess(claim(person, BenefitType.OLD_AGE, dt.date(2024, 2, 15)))
    assert result.eligible
    assert result.details["insured_years"] == Decimal("24.08")  # 8670 days / 360, rounded down
    assert result.amount == Decimal("866.88")  # 0.015 x 24.08 x 2400
    assert result.instalments == 12 and result.total == Decimal("10402.56")


# --- Survivors' pension: from the deceased's career ----------------------------------------


def test_survivors_pension_from_the_deceased_career(org, person):
    deceased = PersonFactory(branch=org.north_a, death_date=dt.date(2024, 5, 2))
    add_contributions(deceased, start=dt.date(2004, 1, 1), months=240, wage=Decimal("3000.00"))
    result = assess(claim(person, BenefitType.SURVIVORS, dt.date(2024, 5, 2), deceased=deceased))
    assert result.eligible
    assert result.amount == Decimal("540.00")  # 0.015 x 20 years x 3000 x 0.60
    assert result.instalments == 12
    # The share in force on the registered date of death applies, whenever the claim is made.
    set_param("survivors.share", "0.50", dt.date(2024, 6, 1))
    later = assess(claim(person, BenefitType.SURVIVORS, dt.date(2024, 8, 1), deceased=deceased))
    assert later.amount == Decimal("540.00")
    deceased.death_date = None
    assert assess(claim(person, BenefitType.SURVIVORS, dt.date(2024, 8, 1), deceased=deceased)).amount == Decimal(
        "450.00"
    )


def test_survivors_pension_refused_for_a_short_career_or_without_the_deceased(org, person):
    add_contributions(person, start=dt.date(2000, 1, 1), months=240)  # the survivor's own career is irrelevant
    deceased = PersonFactory(branch=org.north_a, death_date=dt.date(2024, 5, 2))
    add_contributions(deceased, start=dt.date(2019, 6, 1), months=59)  # to April 2024
    result = assess(claim(person, BenefitType.SURVIVORS, dt.date(2024, 5, 2), deceased=deceased))
    assert not result.eligible and "4.91" in result.reason
    assert not assess(claim(person, BenefitType.SURVIVORS, dt.date(2024, 5, 2))).eligible


def test_a_date_before_any_rules_is_invalid_input(person):
    with pytest.raises(InvalidInput) as caught:
        assess(claim(person, BenefitType.MARRIAGE, dt.date(1999, 12, 31)))
    assert (caught.value.status, caught.value.field) == (422, "event_date")
