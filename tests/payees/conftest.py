"""Representative payee fixtures: a beneficiary and a representative with their own verified
accounts, and requests brought to a given step through the real services."""

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from audit.actors import Actor
from audit.models import AuditEvent
from cases import payees, services
from cases.models import Notification
from registry.models import BankAccount
from tests.conftest import make_insured


@pytest.fixture
def beneficiary(org):
    return make_insured(org.north_a)


@pytest.fixture
def representative(org):
    return make_insured(org.north_b)


def account_of(person):
    return BankAccount.objects.get(person=person, verified=True)


def requested(beneficiary, representative, **kwargs):
    kwargs.setdefault("actor", Actor.person(beneficiary))
    return payees.payee_request(
        beneficiary=beneficiary,
        representative=representative,
        representative_account=kwargs.pop("account", None) or account_of(representative),
        relationship=kwargs.pop("relationship", "daughter"),
        grounds=kwargs.pop("grounds", "The beneficiary can no longer manage money alone."),
        **kwargs,
    )


def verified(beneficiary, representative, team):
    case = requested(beneficiary, representative)
    services.task_take(case_id=case.pk, actor=team["operator"])
    payees.payee_verify(case_id=case.pk, actor=team["operator"], identity_ok=True, documents_ok=True)
    return case


def active(beneficiary, representative, team):
    case = verified(beneficiary, representative, team)
    payees.payee_approve(case_id=case.pk, actor=team["supervisor"], active_from=timezone.localdate())
    return case


def events(case):
    return list(
        AuditEvent.objects.filter(subject_type="case", subject_id=str(case.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )


def portal_topics(case, person):
    """Topics of the portal messages ``person`` received about ``case``, in order."""
    return [
        n.key.split(":")[1]
        for n in Notification.objects.filter(case=case, person=person, channel=Notification.Channel.PORTAL).order_by(
            "id"
        )
    ]


def audit_verify_output():
    out = io.StringIO()
    call_command("audit_verify", stdout=out)
    return out.getvalue()
