"""The staff pages of a power of attorney: the same case page, queue actions and details panel as
every type; verification, approval under four eyes and revocation through them."""

import re

import pytest
from django.urls import reverse

from cases.models import AttorneyState, PowerOfAttorney

from .conftest import requested

pytestmark = pytest.mark.django_db
A = AttorneyState


def url(case, name="case_detail", **kwargs):
    return reverse(name, kwargs={"reference": case.reference, **kwargs})


def text(response):
    return re.sub(r"\s+", " ", response.content.decode())


def state(case):
    return PowerOfAttorney.objects.get(pk=case.pk).state


def test_verify_approve_and_revoke_on_the_case_page(client, team, grantor, attorney):
    case = requested(grantor, attorney)
    client.force_login(team["operator"])
    body = text(client.get(url(case)))
    assert f"<h1>Power of attorney {case.reference}</h1>" in body
    assert attorney.full_name in body and "Benefit claim, Grievance" in body
    client.post(url(case, "case_take"))
    response = client.post(
        url(case, "case_action", action="verify"),
        {"verify-identity_ok": "yes", "verify-documents_ok": "yes"},
        follow=True,
    )
    assert "The verification was recorded." in text(response) and state(case) == A.VERIFIED
    assert 'name="approve-note"' not in text(response)  # not an operator's step, nor the verifier's

    client.force_login(team["supervisor"])
    body = text(client.get(url(case)))
    assert 'name="approve-note"' in body
    response = client.post(url(case, "case_action", action="approve"), {"approve-note": ""}, follow=True)
    assert "The power of attorney is approved." in text(response) and state(case) == A.APPROVED

    client.force_login(team["operator2"])
    body = text(client.get(url(case)))
    assert 'name="revoke-reason"' in body
    response = client.post(
        url(case, "case_action", action="revoke"), {"revoke-reason": "The grantor asked at the counter."}, follow=True
    )
    assert "the attorney may no longer act" in text(response) and state(case) == A.REVOKED
