"""Helpers for the claim API tests: a session client per staff member, claims made through
the real services."""

import datetime as dt

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from audit.actors import Actor
from cases import services
from cases.models import BenefitClaim, BenefitType
from tests.conftest import make_insured
from tests.support import fresh_event_day

MARRIAGE_DATE = dt.date(2024, 12, 1)


@pytest.fixture
def as_user(db):
    """``as_user(user)``: an API client logged in with a session as ``user``."""

    def login(user):
        client = APIClient()
        client.force_login(user)
        return client

    return login


@pytest.fixture
def claim(org, insured):
    return services.claim_file(
        actor=Actor.person(insured),
        person=insured,
        benefit_type=BenefitType.MARRIAGE,
        event_date=fresh_event_day(insured, BenefitType.MARRIAGE, MARRIAGE_DATE),
    )


@pytest.fixture
def pension(org):
    """An old-age pension of 12 x 1200.00 = 14400.00: above the branch limit, decided by the region."""
    person = make_insured(org.north_a, months=480, start=dt.date(1984, 1, 1), birth_date=dt.date(1955, 3, 1))
    return services.claim_file(
        actor=Actor.person(person),
        person=person,
        benefit_type=BenefitType.OLD_AGE,
        event_date=fresh_event_day(person, BenefitType.OLD_AGE, dt.date(2024, 6, 1)),
    )


def url(claim, action=None):
    reference = claim if isinstance(claim, str) else claim.reference
    if action is None:
        return reverse("api-claim", args=[reference])
    return reverse(f"api-claim-{action}", args=[reference])


def post(client, claim, action, data=None):
    return client.post(url(claim, action), data or {}, format="json")


def state_of(claim):
    return BenefitClaim.objects.values_list("state", flat=True).get(pk=claim.pk)
