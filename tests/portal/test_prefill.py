"""Filing forms come prefilled from the registry: the benefit asked for and the event the registry
knows for it, the case a request is about, and what the office holds about the person, online and
at the counter alike."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from registry.models import CivilRegistryRecord, Dependant, EmploymentPeriod
from tests.conftest import make_insured

from .conftest import open_account, signed_in
from .test_portal_urls import claim_of

pytestmark = pytest.mark.django_db
CLAIM = "/portal/file/benefit_claim/"


def field_value(body, name):
    """The value the page's input ``name`` carries, or None."""
    marker = f'name="{name}"'
    start = body.index(marker)
    tag = body[body.rindex("<", 0, start) : body.index(">", start)]
    return tag.split('value="', 1)[1].split('"', 1)[0] if 'value="' in tag else None


def married(person, on):
    """The civil registry reported ``person``'s marriage on ``on``."""
    CivilRegistryRecord.objects.create(
        kind=CivilRegistryRecord.Kind.MARRIAGE,
        registration_number=f"M-{person.ssn}-{on}",
        person_ssn=person.ssn,
        event_date=on,
        received_at=timezone.now(),
        outcome="unknown_person",
    )


def test_the_request_page_offers_each_of_the_eight_benefits(person_account):
    body = signed_in(person_account).get("/portal/file/").content.decode()
    for benefit in (
        "sickness",
        "maternity",
        "disability",
        "old_age",
        "survivors",
        "funeral",
        "marriage",
        "unemployment",
    ):
        assert f"{CLAIM}?benefit={benefit}" in body


def test_a_marriage_grant_comes_with_the_marriage_the_civil_registry_sent(person_account):
    person = person_account.person
    married(person, dt.date(2026, 6, 20))
    body = signed_in(person_account).get(CLAIM, {"benefit": "marriage"}).content.decode()
    assert 'value="marriage" selected' in body
    assert field_value(body, "event_date") == "2026-06-20"


def test_a_funeral_grant_names_the_family_member_who_died(person_account, org):
    person = person_account.person
    father = make_insured(org.north_a, birth_date=dt.date(1950, 1, 1), death_date=dt.date(2026, 9, 3))
    Dependant.objects.create(
        insured=person, dependant=father, relationship=Dependant.Relationship.FATHER, valid_from=dt.date(2020, 1, 1)
    )
    body = signed_in(person_account).get(CLAIM, {"benefit": "funeral"}).content.decode()
    assert field_value(body, "deceased") == father.ssn
    assert field_value(body, "event_date") == "2026-09-03"


def test_an_old_age_pension_starts_on_the_day_of_the_retirement_age(org):
    account = open_account(make_insured(org.north_a, birth_date=dt.date(1961, 7, 14)))
    body = signed_in(account).get(CLAIM, {"benefit": "old_age"}).content.decode()
    assert field_value(body, "event_date") == "2026-07-14"


def test_unemployment_starts_from_the_end_of_the_last_employment_only_when_none_runs(person_account):
    person = person_account.person
    employment = EmploymentPeriod.objects.filter(person=person).first()
    if employment is None:
        from tests.factories import EmployerFactory

        employment = EmploymentPeriod.objects.create(
            person=person, employer=EmployerFactory(branch=person.branch), start=dt.date(2020, 1, 1)
        )
    client = signed_in(person_account)
    assert field_value(client.get(CLAIM, {"benefit": "unemployment"}).content.decode(), "event_date") is None
    EmploymentPeriod.objects.filter(person=person).update(end=dt.date(2026, 10, 31))
    assert field_value(client.get(CLAIM, {"benefit": "unemployment"}).content.decode(), "event_date") == "2026-10-31"


def test_an_unknown_benefit_prefills_nothing(person_account):
    body = signed_in(person_account).get(CLAIM, {"benefit": "lottery"}).content.decode()
    assert field_value(body, "event_date") is None
    assert "selected>" in body.split('name="benefit_type"', 1)[1].split("</select>", 1)[0]  # the empty choice


def test_the_form_shows_what_the_office_holds_about_the_person(person_account):
    person = person_account.person
    body = signed_in(person_account).get(CLAIM).content.decode()
    assert person.ssn in body and f"XX00SOC{person.ssn}" in body and person.email in body
    person.bank_accounts.update(verified=False)
    body = signed_in(person_account).get(CLAIM).content.decode()
    assert f"XX00SOC{person.ssn}" not in body


def test_a_grievance_is_about_the_case_it_was_opened_from_and_never_another_persons(person_account, other_account):
    mine, theirs = claim_of(person_account.person), claim_of(other_account.person)
    client = signed_in(person_account)
    body = client.get("/portal/file/grievance/", {"case": mine.reference}).content.decode()
    assert f'value="{mine.reference}" selected' in body
    body = client.get("/portal/file/grievance/", {"case": theirs.reference}).content.decode()
    assert f'value="{theirs.reference}"' not in body


def test_the_counter_prefills_the_same_way(team, person_account):
    person = person_account.person
    married(person, dt.date(2026, 5, 2))
    client = Client()
    client.force_login(team["operator"])
    found = client.get("/counter/", {"ssn": person.ssn}).content.decode()
    assert f"/counter/{person.ssn}/benefit_claim/?benefit=marriage" in found
    body = client.get(f"/counter/{person.ssn}/benefit_claim/", {"benefit": "marriage"}).content.decode()
    assert field_value(body, "event_date") == "2026-05-02"
    assert f"XX00SOC{person.ssn}" in body
