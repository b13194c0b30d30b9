"""Counter intake: staff file any request for a person of their branches with the registry's form,
as themselves; a person of another branch is not found."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from audit.models import AuditEvent
from cases.catalog import TYPES
from cases.models import BenefitClaim, BenefitType, Case
from tests.conftest import make_insured

pytestmark = pytest.mark.django_db


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_the_counter_finds_a_person_of_my_branches_only(team, insured, org):
    client = signed_in(team["operator"])
    found = client.get("/counter/", {"ssn": insured.ssn})
    assert found.status_code == 200
    body = found.content.decode()
    for case_type in TYPES:
        assert f"/counter/{insured.ssn}/{case_type}/" in body
    elsewhere = make_insured(org.south_a)
    assert client.get("/counter/", {"ssn": elsewhere.ssn}).status_code == 404
    assert client.get(f"/counter/{elsewhere.ssn}/benefit_claim/").status_code == 404
    assert client.get("/counter/", {"ssn": "0000000000"}).status_code == 404


def test_a_claim_filed_at_the_counter_names_the_clerk_and_the_channel(team, insured):
    client = signed_in(team["operator"])
    response = client.post(
        f"/counter/{insured.ssn}/benefit_claim/",
        {"benefit_type": BenefitType.MARRIAGE, "event_date": (timezone.localdate() - dt.timedelta(days=3)).isoformat()},
    )
    claim = BenefitClaim.objects.get(person=insured)
    assert response.status_code == 302 and response["Location"].startswith("/counter/receipts/")
    assert claim.channel == "counter"
    created = AuditEvent.objects.filter(subject_type="case", subject_id=str(claim.pk)).order_by("seq").first()
    assert created.actor_kind == "staff" and created.actor_id == team["operator"].pk


def test_a_refused_filing_names_its_field_and_files_nothing(team, insured):
    client = signed_in(team["operator"])
    response = client.post(
        f"/counter/{insured.ssn}/grievance/", {"title": "", "description": "Nobody answered.", "related_case": ""}
    )
    assert response.status_code == 400 and "There is a problem" in response.content.decode()
    assert not Case.objects.filter(person=insured).exists()


def test_the_counter_is_in_the_menu_of_those_who_work_cases(team):
    assert 'href="/counter/"' in signed_in(team["operator"]).get("/").content.decode()
    assert 'href="/counter/"' not in signed_in(team["auditor"]).get("/audit/").content.decode()
