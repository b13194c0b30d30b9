"""Power of attorney fixtures: a grantor and an attorney, and requests brought to a given step
through the real services."""

import datetime as dt

import pytest
from django.utils import timezone

from audit.actors import Actor
from audit.models import AuditEvent
from cases import attorneys, services
from cases.models import CaseType
from tests.conftest import make_insured

SCOPE = [CaseType.BENEFIT_CLAIM, CaseType.GRIEVANCE]


@pytest.fixture
def grantor(org):
    return make_insured(org.north_a)


@pytest.fixture
def attorney(org):
    return make_insured(org.north_b)


def requested(grantor, attorney, **kwargs):
    today = timezone.localdate()
    kwargs.setdefault("actor", Actor.person(grantor))
    kwargs.setdefault("attorney_name", attorney.last_name)
    kwargs.setdefault("scope", SCOPE)
    kwargs.setdefault("valid_from", today)
    kwargs.setdefault("valid_to", today + dt.timedelta(days=90))
    return attorneys.attorney_request(grantor=grantor, attorney=attorney, **kwargs)


def verified(grantor, attorney, team, **kwargs):
    case = requested(grantor, attorney, **kwargs)
    services.task_take(case_id=case.pk, actor=team["operator"])
    attorneys.attorney_verify(case_id=case.pk, actor=team["operator"], identity_ok=True, documents_ok=True)
    return case


def approved(grantor, attorney, team, **kwargs):
    case = verified(grantor, attorney, team, **kwargs)
    attorneys.attorney_approve(case_id=case.pk, actor=team["supervisor"])
    return case


def events(case):
    return list(
        AuditEvent.objects.filter(subject_type="case", subject_id=str(case.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )
