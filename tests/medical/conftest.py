"""Medical commission fixtures: commission members at the region and at the central office, and
cases brought to a given step through the real services."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from audit.actors import Actor
from audit.models import AuditEvent
from cases import medical, services
from cases.models import MedicalPurpose
from roles.models import Role
from tests.conftest import staff

LOCATION = "North region medical centre, room 4"


@pytest.fixture
def doctors(org):
    """Three commission members at the North region (covering its branches)."""
    return [staff(f"doc_n{i}", Role.MEDICAL_COMMISSION, org.north) for i in (1, 2, 3)]


@pytest.fixture
def appeal_doctors(org):
    """Three other commission members, at the central office."""
    return [staff(f"doc_hq{i}", Role.MEDICAL_COMMISSION, org.central) for i in (1, 2, 3)]


def session_time():
    """A session that has taken place today (decisions are recorded on or after the session day)."""
    return timezone.now()


def requested(person, purpose=MedicalPurpose.DISABILITY_CLAIM, related_claim=None):
    return medical.medical_request(
        actor=Actor.person(person), person=person, purpose=purpose, related_claim=related_claim
    )


def scheduled(person, team, doctors, **kwargs):
    case = requested(person, **kwargs)
    services.task_take(case_id=case.pk, actor=team["operator"])
    medical.medical_schedule(
        case_id=case.pk, actor=team["operator"], scheduled_for=session_time(), location=LOCATION, members=doctors
    )
    return case


def decided(person, team, doctors, *, degree=60, permanent=True, review_date=None, **kwargs):
    case = scheduled(person, team, doctors, **kwargs)
    return medical.medical_decide(
        case_id=case.pk,
        actor=doctors[0],
        degree_percent=degree,
        permanent=permanent,
        review_date=review_date,
        note="Findings of the commission.",
    )


def in_a_year():
    return timezone.localdate() + dt.timedelta(days=365)


def events(case):
    return list(
        AuditEvent.objects.filter(subject_type="case", subject_id=str(case.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )


def audit_verify_output():
    out = io.StringIO()
    call_command("audit_verify", stdout=out)
    return out.getvalue()
