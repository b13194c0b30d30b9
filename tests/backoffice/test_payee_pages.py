"""The staff pages for a representative payee: verification, approval under four eyes, and the
designation's life (activation, suspension, resumption, revocation)."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.actors import Actor
from cases import payees, services
from cases.models import PayeeState, RepresentativePayee
from registry.models import PayeeDesignation
from tests.conftest import make_insured

pytestmark = pytest.mark.django_db

P = PayeeState


@pytest.fixture
def request_(org, insured):
    representative = make_insured(org.north_a)
    return payees.payee_request(
        actor=Actor.person(insured),
        beneficiary=insured,
        representative=representative,
        representative_account=representative.bank_accounts.get(),
        relationship="daughter",
        grounds="The beneficiary can no longer manage money.",
    )


def url(case, name="case_detail", **kwargs):
    return reverse(name, kwargs={"reference": case.reference, **kwargs})


def act(case, action):
    return url(case, "case_action", action=action)


def fresh(case):
    return RepresentativePayee.objects.get(pk=case.pk)


def text(response):
    return re.sub(r"\s+", " ", response.content.decode())


def verified(case, operator):
    services.task_take(case_id=case.pk, actor=operator)
    return payees.payee_verify(case_id=case.pk, actor=operator, identity_ok=True, documents_ok=True)


def test_verify_then_approve_from_today(client, team, request_):
    client.force_login(team["operator"])
    body = text(client.get(url(request_)))
    assert f"<h1>Representative payee {request_.reference}</h1>" in body
    assert request_.representative.full_name in body and "<dd>daughter</dd>" in body
    assert request_.representative_account.iban in body

    client.post(url(request_, "case_take"))
    response = client.post(act(request_, "verify"), {"verify-identity_ok": "yes"})
    assert response.status_code == 422 and fresh(request_).state == P.VERIFYING
    response = client.post(
        act(request_, "verify"), {"verify-identity_ok": "yes", "verify-documents_ok": "yes"}, follow=True
    )
    assert "The verification was recorded." in text(response) and fresh(request_).state == P.VERIFIED
    # Whoever verified does not approve; another supervisor does.
    assert 'name="approve-active_from"' not in text(response)

    client.force_login(team["supervisor"])
    body = text(client.get(url(request_)))
    today = timezone.localdate().isoformat()
    assert f'name="approve-active_from" value="{today}"' in body
    response = client.post(act(request_, "approve"), {"approve-active_from": today}, follow=True)
    body = text(response)
    assert "The representative payee is approved." in body
    case = fresh(request_)
    assert case.state == P.ACTIVE and case.approved_by == team["supervisor"]
    assert "Approved → Active" in body and "Payee designation recorded" in body
    assert PayeeDesignation.objects.filter(case_reference=case.reference, active_to__isnull=True).exists()


def test_a_failed_check_rejects_the_request(client, team, request_):
    services.task_take(case_id=request_.pk, actor=team["operator"])
    client.force_login(team["operator"])
    response = client.post(
        act(request_, "verify"),
        {"verify-identity_ok": "yes", "verify-documents_ok": "no", "verify-note": "The guardianship order is missing."},
        follow=True,
    )
    case = fresh(request_)
    assert case.state == P.REJECTED and "guardianship order is missing" in case.end_reason
    assert "Verification → Rejected" in text(response)


def test_the_verifier_may_not_approve(client, team, request_):
    verified(request_, team["supervisor"])
    client.force_login(team["supervisor"])
    assert 'name="approve-active_from"' not in text(client.get(url(request_)))
    response = client.post(act(request_, "approve"), {"approve-active_from": timezone.localdate().isoformat()})
    assert response.status_code == 403 and fresh(request_).state == P.VERIFIED


def test_approval_for_a_later_date_is_activated_when_it_comes(client, team, request_):
    verified(request_, team["operator"])
    later = timezone.localdate() + dt.timedelta(days=10)
    client.force_login(team["supervisor"])
    client.post(act(request_, "approve"), {"approve-active_from": later.isoformat()})
    assert fresh(request_).state == P.APPROVED
    assert "Activate now" not in text(client.get(url(request_)))
    RepresentativePayee.objects.filter(pk=request_.pk).update(active_from=timezone.localdate())
    client.force_login(team["operator"])
    response = client.post(act(request_, "activate"), follow=True)
    assert "The designation is in force" in text(response) and fresh(request_).state == P.ACTIVE


def test_suspend_resume_and_revoke(client, team, request_):
    verified(request_, team["operator"])
    payees.payee_approve(case_id=request_.pk, actor=team["supervisor"], active_from=timezone.localdate())
    client.force_login(team["operator"])
    body = text(client.get(url(request_)))
    assert 'name="suspend-reason"' in body and 'name="revoke-reason"' not in body  # revoking is a supervisor's
    response = client.post(act(request_, "suspend"), {"suspend-reason": "Inquiry into the account."}, follow=True)
    assert "The designation is suspended" in text(response) and fresh(request_).state == P.SUSPENDED
    assert 'name="resume-note"' not in text(response)

    client.force_login(team["supervisor"])
    response = client.post(act(request_, "resume"), {"resume-note": "Inquiry closed."}, follow=True)
    assert "in force again" in text(response) and fresh(request_).state == P.ACTIVE
    response = client.post(act(request_, "revoke"), {"revoke-reason": ""})
    assert response.status_code == 422 and fresh(request_).state == P.ACTIVE
    response = client.post(act(request_, "revoke"), {"revoke-reason": "The beneficiary recovered."}, follow=True)
    body = text(response)
    assert "The designation is revoked" in body and fresh(request_).state == P.REVOKED
    assert "Active → Revoked" in body and "Payee designation ended" in body
    assert "Work on this case" not in body
