"""Helpers for the role tests: claims brought to a given step through the real services."""

import datetime as dt

import pytest

from audit.actors import Actor
from audit.models import AuditEvent
from cases import services
from cases.models import BenefitType
from roles.models import RoleAssignment
from tests.conftest import make_insured
from tests.support import fresh_event_day

MARRIAGE_DATE = dt.date(2024, 12, 1)
# Born 1955, 40 insured years at 2000.00 a month: 0.015 x 40 x 2000.00 = 1200.00 a month,
# 12 instalments = 14400.00, above the branch limit and below the region limit.
RETIREMENT_DATE = dt.date(2024, 6, 1)
PENSION_MONTHLY = "1200.00"


@pytest.fixture
def pensioner(org):
    return make_insured(org.north_a, months=480, start=dt.date(1984, 1, 1), birth_date=dt.date(1955, 3, 1))


def marriage_claim(person):
    return services.claim_file(
        actor=Actor.person(person),
        person=person,
        benefit_type=BenefitType.MARRIAGE,
        event_date=fresh_event_day(person, BenefitType.MARRIAGE, MARRIAGE_DATE),
    )


def pension_claim(person):
    return services.claim_file(
        actor=Actor.person(person),
        person=person,
        benefit_type=BenefitType.OLD_AGE,
        event_date=fresh_event_day(person, BenefitType.OLD_AGE, RETIREMENT_DATE),
    )


def recommend(claim, actor, *, approve=True, **kwargs):
    """``actor`` takes the review task and recommends."""
    services.task_take(case_id=claim.pk, actor=actor)
    return services.claim_recommend(case_id=claim.pk, actor=actor, approve=approve, **kwargs)


def assignment_of(user):
    return RoleAssignment.objects.get(user=user)


def case_events(claim, action=None):
    qs = AuditEvent.objects.filter(subject_type="case", subject_id=str(claim.pk)).order_by("seq")
    if action:
        qs = qs.filter(action=action)
    return list(qs)


def today():
    from django.utils import timezone

    return timezone.localdate()
