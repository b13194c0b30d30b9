"""Fixtures of the notification tests: a person who can be reached on every channel, the
in-memory SMS backend, and a claim whose review task the operator holds."""

import datetime as dt

import pytest

from audit.actors import Actor
from cases import services, sms
from cases.models import BenefitClaim, BenefitType
from tests.conftest import make_insured
from tests.support import fresh_event_day

PHONE = "+32 470 12 34 56"
LOCMEM_SMS = "cases.sms.LocmemSmsBackend"


@pytest.fixture
def sms_outbox(settings):
    """SMS go to the in-memory backend; yields the module holding ``outbox`` and ``requests``."""
    settings.SOCIUS_SMS_BACKEND = LOCMEM_SMS
    sms.reset_outbox()
    yield sms
    sms.reset_outbox()


@pytest.fixture
def reachable(org):
    """An insured person with an e-mail address and a mobile phone."""
    return make_insured(org.north_a, phone=PHONE)


def reviewing_claim(person, operator):
    claim = services.claim_file(
        actor=Actor.person(person),
        person=person,
        benefit_type=BenefitType.MARRIAGE,
        event_date=fresh_event_day(person, BenefitType.MARRIAGE, dt.date(2024, 12, 1)),
    )
    services.task_take(case_id=claim.pk, actor=operator)
    return BenefitClaim.objects.select_related("person").get(pk=claim.pk)


@pytest.fixture
def reviewing(reachable, team):
    return reviewing_claim(reachable, team["operator"])
