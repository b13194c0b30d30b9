"""Representatives for the portal's tests: an approved representative payee of a pensioner and an
attorney under a power of attorney in force, each with a portal account, and a signed-in client
acting for the person they represent."""

import datetime as dt

from django.utils import timezone

from audit.actors import Actor
from cases import attorneys, payees, services
from cases.models import CaseType
from registry.models import BankAccount
from tests.conftest import make_insured

from .conftest import open_account, signed_in


def payee_in_force(beneficiary, representative, team):
    """``representative`` is the approved representative payee of ``beneficiary`` from today."""
    case = payees.payee_request(
        beneficiary=beneficiary,
        representative=representative,
        representative_account=BankAccount.objects.get(person=representative, verified=True),
        relationship="son",
        grounds="The pensioner can no longer manage money alone.",
        actor=Actor.person(beneficiary),
    )
    services.task_take(case_id=case.pk, actor=team["operator"])
    payees.payee_verify(case_id=case.pk, actor=team["operator"], identity_ok=True, documents_ok=True)
    return payees.payee_approve(case_id=case.pk, actor=team["supervisor"], active_from=timezone.localdate())


def power_in_force(grantor, attorney, team, scope=(CaseType.GRIEVANCE,), days=90):
    """``attorney`` holds a power of attorney of ``grantor`` for ``scope`` from today for ``days``."""
    today = timezone.localdate()
    case = attorneys.attorney_request(
        grantor=grantor,
        attorney=attorney,
        attorney_name=attorney.last_name,
        scope=list(scope),
        valid_from=today,
        valid_to=today + dt.timedelta(days=days) if days is not None else None,
        actor=Actor.person(grantor),
    )
    services.task_take(case_id=case.pk, actor=team["operator"])
    attorneys.attorney_verify(case_id=case.pk, actor=team["operator"], identity_ok=True, documents_ok=True)
    return attorneys.attorney_approve(case_id=case.pk, actor=team["supervisor"])


def representative_account(branch):
    return open_account(make_insured(branch))


def acting_client(account, mandate_key):
    """A client signed in as ``account`` (asked whom it acts for) that chose ``mandate_key``."""
    client = signed_in(account)
    response = client.post("/portal/acting/", {"whom": mandate_key})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert client.get(response["Location"]).status_code == 200  # (shows, and so spends, the confirmation)
    return client
