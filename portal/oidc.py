"""Sign-in through a national identity provider (OpenID Connect, authorization code flow with
PKCE), by ``mozilla-django-oidc``. Off unless ``OIDC_RP_CLIENT_ID`` is set (from
``SOCIUS_OIDC_CLIENT_ID``; README lists the settings).

The identity's social security number (the claim ``SOCIUS_OIDC_SSN_CLAIM``) names the registry
person; a person without a portal account gets one opened, with no password (audit event
``portal_account.opened``). Only a person's account is ever signed in this way, never a staff
account. The provider's authentication stands for both factors: the session is on the portal
side and marked verified by the provider (audit event ``portal_account.signed_in``).

The endpoints are settings, or read once from the provider's discovery document
(``SOCIUS_OIDC_DISCOVERY_URL``). The id token must be signed with ``OIDC_RP_SIGN_ALGO`` by a key
of the provider's JWKS, carry the nonce of this sign-in, name this client in its audience and
(when known) the provider as its issuer."""

import logging

import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured, SuspiciousOperation
from django.db import transaction
from django.utils.translation import gettext as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationRequestView

from audit.actors import Actor
from audit.services import record_event
from roles.errors import NotAuthorized

from .models import PortalAccount

logger = logging.getLogger("socius.security")

_DISCOVERED = {  # setting: key of the discovery document
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
    "SOCIUS_OIDC_ISSUER": "issuer",
}
_discovery_cache = {}
_MISSING = object()


def enabled():
    return bool(getattr(settings, "OIDC_RP_CLIENT_ID", ""))


def provider_name():
    return getattr(settings, "SOCIUS_OIDC_PROVIDER_NAME", "") or _("your national digital identity")


def _discovery():
    url = settings.SOCIUS_OIDC_DISCOVERY_URL
    if url not in _discovery_cache:
        response = requests.get(url, timeout=settings.OIDC_TIMEOUT)
        response.raise_for_status()
        _discovery_cache[url] = response.json()
    return _discovery_cache[url]


def setting(attr, default=_MISSING):
    """A setting of the sign-in; an empty endpoint is read from the discovery document."""
    value = getattr(settings, attr, None)
    if value in (None, "") and attr in _DISCOVERED and getattr(settings, "SOCIUS_OIDC_DISCOVERY_URL", ""):
        value = _discovery().get(_DISCOVERED[attr])
    if value in (None, ""):
        if default is _MISSING:
            raise ImproperlyConfigured(f"Setting {attr} not found")
        return default
    return value


class StartView(OIDCAuthenticationRequestView):
    get_settings = staticmethod(setting)


class PortalIdentityBackend(OIDCAuthenticationBackend):
    """Checks the provider's tokens and maps the identity to a person's portal account. Not in
    ``AUTHENTICATION_BACKENDS``: only the portal's callback calls it."""

    get_settings = staticmethod(setting)

    def verify_token(self, token, **kwargs):
        payload = super().verify_token(token, **kwargs)
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("The id token is not for this client.")
        issuer = setting("SOCIUS_OIDC_ISSUER", "")
        if issuer and payload.get("iss") != issuer:
            raise SuspiciousOperation("The id token is not from the configured issuer.")
        return payload

    def get_or_create_user(self, access_token, id_token, payload):
        userinfo = self.get_userinfo(access_token, id_token, payload)
        if userinfo.get("sub") != payload.get("sub"):
            raise SuspiciousOperation("The user information is not about the signed-in identity.")
        claim = settings.SOCIUS_OIDC_SSN_CLAIM
        ssn = payload.get(claim) or userinfo.get(claim)
        return identity_account(ssn=str(ssn or ""), issuer=payload.get("iss", "")).user


def identity_account(*, ssn, issuer):
    """The portal account of the living registry person with ``ssn``, opened if they have none.
    Refused (``NotAuthorized``) when no such person is in the registry, or the number belongs
    to another kind of account."""
    from registry.models import Person

    from .services import portal_account_open_by_identity

    refusal = _(
        "Your identity was confirmed, but no person in our registry has this social security number. "
        "Contact our office to have your record checked."
    )
    person = Person.objects.filter(ssn=ssn.strip(), death_date__isnull=True).first() if ssn.strip() else None
    if person is None:
        raise NotAuthorized(refusal)
    with transaction.atomic():
        account = PortalAccount.objects.select_related("user").filter(person=person).first()
        if account is None:
            if get_user_model().objects.filter(username=person.ssn).exists():
                logger.warning("identity sign-in refused: the number of person %s names another account", person.pk)
                raise NotAuthorized(_("This identity cannot sign in to the e-services. Contact our office."))
            account = portal_account_open_by_identity(person=person, issuer=issuer)
    if not account.user.is_active:
        raise NotAuthorized(_("This account is closed. Contact our office."))
    return account


def record_sign_in(*, account, issuer):
    record_event(
        subject_type="portal_account",
        subject_id=account.pk,
        action="portal_account.signed_in",
        actor=Actor.person(account.person, user=account.user),
        payload={"identity_provider": issuer, "second_factor": "identity_provider"},
    )
