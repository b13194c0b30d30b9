"""Fixtures of the security tests: people of several parts of the organisation and objects of
the South A branch that North users must not reach."""

import datetime as dt
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from audit.actors import Actor
from audit.models import VerificationRun
from cases import engine, services
from cases.models import BenefitType, CaseDocument
from roles.models import Role, RoleAssignment
from roles.services import delegation_create
from tests.conftest import make_insured, staff
from tests.support import fresh_event_day


@dataclass
class World:
    """Objects of the South A branch, made through the services, and their owners."""

    claim: object
    document: object
    south_operator: object
    south_assignment: object
    south_delegation: object
    run: object
    org: object
    own_claim: object
    own_operator: object


@pytest.fixture
def people(org, team):
    return {
        **team,
        "region_auditor": staff("aud_n", Role.AUDITOR, org.north),
        "region_admin": staff("admin_n", Role.ADMINISTRATOR, org.north),
    }


@pytest.fixture
def world(org, people):
    south_operator = people["other_operator"]
    person = make_insured(org.south_a)
    claim = services.claim_file(
        actor=Actor.person(person),
        person=person,
        benefit_type=BenefitType.MARRIAGE,
        event_date=fresh_event_day(person, BenefitType.MARRIAGE, dt.date(2024, 12, 1)),
    )
    services.task_take(case_id=claim.pk, actor=south_operator)
    engine.case_document_add(
        case_id=claim.pk,
        actor=south_operator,
        title="certificate",
        uploaded_file=SimpleUploadedFile("certificate.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf"),
    )
    document = CaseDocument.objects.get(case_id=claim.pk)
    assignment = RoleAssignment.objects.get(user=south_operator)
    colleague = staff("op3_sa", Role.OPERATOR, org.south_a)
    delegation = delegation_create(
        actor=None,
        assignment=assignment,
        delegate=colleague,
        valid_from=timezone.localdate(),
        valid_to=timezone.localdate() + dt.timedelta(days=10),
    )
    run = VerificationRun.objects.create(requested_at=dt.datetime.now(dt.UTC))
    own_claim = services.claim_file(
        actor=Actor.person(subject := make_insured(org.north_a)),
        person=subject,
        benefit_type=BenefitType.MARRIAGE,
        event_date=fresh_event_day(subject, BenefitType.MARRIAGE, dt.date(2024, 12, 1)),
    )
    return World(
        own_claim=own_claim,
        own_operator=people["operator"],
        claim=claim,
        document=document,
        south_operator=south_operator,
        south_assignment=assignment,
        south_delegation=delegation,
        run=run,
        org=org,
    )
