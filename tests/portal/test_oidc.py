"""Sign-in through a national identity provider (OpenID Connect), against a real provider
started for the test (``oidc_provider``): off by default; on, a full sign-in reaches my page."""

from urllib.parse import urlsplit

import pytest
import requests
from django.contrib.auth import get_user_model
from django.test import Client, override_settings

from audit.models import AuditEvent
from backoffice.security import PORTAL_SIDE, PROVIDER_MARK, SESSION_SIDE, SESSION_VERIFIED
from portal import oidc
from portal.models import PortalAccount
from tests.conftest import make_insured

from .oidc_provider import Provider

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider():
    oidc._discovery_cache.clear()
    with Provider(client_id="socius-test", client_secret="test-only-client-secret") as running:
        with override_settings(**running.settings()):
            yield running
    oidc._discovery_cache.clear()


def sign_in(client, provider):
    """The browser's round trip: our start page, the provider's authorize, our callback."""
    start = client.get("/portal/login/provider/")
    assert start.status_code == 302 and start["Location"].startswith(f"{provider.url}/authorize?")
    approved = requests.get(start["Location"], allow_redirects=False, timeout=10)
    back = urlsplit(approved.headers["Location"])
    assert back.path == "/portal/login/provider/callback/"
    return client.get(f"{back.path}?{back.query}")


def test_off_by_default_no_button_and_no_pages():
    assert "/portal/login/provider/" not in Client().get("/portal/login/").content.decode()
    assert Client().get("/portal/login/provider/").status_code == 404
    assert Client().get("/portal/login/provider/callback/?code=x&state=y").status_code == 404


def test_on_the_login_page_offers_the_provider(provider):
    with override_settings(SOCIUS_OIDC_PROVIDER_NAME="National ID"):
        page = Client().get("/portal/login/").content.decode()
    assert 'href="/portal/login/provider/"' in page and "Sign in with National ID" in page


def test_a_person_signs_in_through_the_provider_and_reaches_my_page(provider, org):
    person = make_insured(org.north_a)
    provider.identity = {"sub": "subject-1", "national_id": person.ssn}
    client = Client()
    answer = sign_in(client, provider)
    assert answer.status_code == 302 and answer["Location"] == "/portal/"
    assert client.get("/portal/").status_code == 200
    account = PortalAccount.objects.get(person=person)
    assert not account.user.has_usable_password()
    assert client.session[SESSION_SIDE] == PORTAL_SIDE
    assert client.session[SESSION_VERIFIED] == PROVIDER_MARK + provider.url
    opened = AuditEvent.objects.get(action="portal_account.opened")
    assert opened.payload["identity_provider"] == provider.url
    signed = AuditEvent.objects.get(action="portal_account.signed_in")
    assert signed.payload["second_factor"] == "identity_provider" and signed.actor_kind == "person"
    # Again: the same account, no second one.
    assert sign_in(Client(), provider)["Location"] == "/portal/"
    assert PortalAccount.objects.filter(person=person).count() == 1
    assert AuditEvent.objects.filter(action="portal_account.opened").count() == 1


def test_an_existing_account_is_used(provider, person_account):
    provider.identity = {"sub": "subject-2", "national_id": person_account.person.ssn}
    client = Client()
    assert sign_in(client, provider)["Location"] == "/portal/"
    assert int(client.session["_auth_user_id"]) == person_account.user.pk


def test_an_unknown_number_is_refused_clearly(provider):
    provider.identity = {"sub": "subject-3", "national_id": "0000000000"}
    client = Client()
    refused = sign_in(client, provider)
    assert refused.status_code == 403 and "no person in our registry" in refused.content.decode()
    assert "_auth_user_id" not in client.session and not PortalAccount.objects.exists()


def test_a_staff_account_is_never_reached(provider, org, team):
    person = make_insured(org.north_a)
    operator = team["operator"]
    get_user_model().objects.filter(pk=operator.pk).update(username=person.ssn)
    provider.identity = {"sub": "subject-4", "national_id": person.ssn}
    client = Client()
    refused = sign_in(client, provider)
    assert refused.status_code == 403 and "_auth_user_id" not in client.session
    assert not PortalAccount.objects.exists()


@pytest.mark.parametrize("tamper", ["signature", "nonce"])
def test_a_bad_signature_or_a_wrong_nonce_is_refused(provider, org, tamper):
    person = make_insured(org.north_a)
    provider.identity = {"sub": "subject-5", "national_id": person.ssn}
    provider.tamper = tamper
    client = Client()
    refused = sign_in(client, provider)
    assert refused.status_code == 403 and "could not confirm your identity" in refused.content.decode()
    assert "_auth_user_id" not in client.session and not PortalAccount.objects.exists()


def test_a_replayed_or_unknown_state_is_refused(provider, org):
    person = make_insured(org.north_a)
    provider.identity = {"sub": "subject-6", "national_id": person.ssn}
    client = Client()
    start = client.get("/portal/login/provider/")
    back = urlsplit(requests.get(start["Location"], allow_redirects=False, timeout=10).headers["Location"])
    assert Client().get(f"{back.path}?{back.query}").status_code == 400  # another browser
    assert client.get(f"{back.path}?{back.query}").status_code == 302
    assert client.get(f"{back.path}?{back.query}").status_code == 400  # a state serves once


def test_the_endpoints_come_from_the_discovery_document(provider, org):
    person = make_insured(org.north_a)
    provider.identity = {"sub": "subject-7", "national_id": person.ssn}
    blank = dict.fromkeys(["OIDC_OP_AUTHORIZATION_ENDPOINT", "OIDC_OP_TOKEN_ENDPOINT", "OIDC_OP_USER_ENDPOINT"], "")
    discovery = f"{provider.url}/.well-known/openid-configuration"
    with override_settings(
        **blank, OIDC_OP_JWKS_ENDPOINT="", SOCIUS_OIDC_ISSUER="", SOCIUS_OIDC_DISCOVERY_URL=discovery
    ):
        assert sign_in(Client(), provider)["Location"] == "/portal/"
