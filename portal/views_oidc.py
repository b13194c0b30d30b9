"""Sign-in through the national identity provider (``portal.oidc``): the start, which sends the
browser to the provider, and the callback it comes back to. Both answer 404 while it is off."""

import logging

import requests
from django.contrib.auth import login as auth_login
from django.core.exceptions import SuspiciousOperation
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render, resolve_url
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from jwt import PyJWTError

from backoffice import security
from roles.errors import DomainError

from . import oidc
from .models import PortalAccount

logger = logging.getLogger("socius.security")


@never_cache
def start(request):
    if not oidc.enabled():
        raise Http404
    return oidc.StartView.as_view()(request)


def _refused(request, reason, status=403):
    return render(request, "portal/oidc_refused.html", {"reason": reason}, status=status)


@never_cache
def callback(request):
    if not oidc.enabled():
        raise Http404
    state, code = request.GET.get("state"), request.GET.get("code")
    states = request.session.get("oidc_states") or {}
    entry = states.pop(state, None) if state else None
    request.session["oidc_states"] = states  # a state serves once
    if request.GET.get("error") or entry is None or not code:
        return _refused(request, _("The sign-in was cancelled or took too long. Please try again."), status=400)
    next_url = request.session.pop("oidc_login_next", None)
    backend = oidc.PortalIdentityBackend()
    try:
        user = backend.authenticate(request, nonce=entry["nonce"], code_verifier=entry.get("code_verifier"))
    except DomainError as exc:
        return _refused(request, exc.message)
    except (SuspiciousOperation, PyJWTError, requests.RequestException, KeyError, ValueError) as exc:
        logger.warning("identity sign-in failed: %s", exc)
        user = None
    if user is None or security.side_of_account(user) != security.PORTAL_SIDE:
        return _refused(request, _("We could not confirm your identity with the provider. Please try again."))
    account = PortalAccount.objects.select_related("person").get(user=user)
    issuer = oidc.setting("SOCIUS_OIDC_ISSUER", "") or oidc.provider_name()
    with transaction.atomic():
        auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        security.mark_side(request.session, security.PORTAL_SIDE)
        security.mark_verified_by_provider(request, str(issuer))
        oidc.record_sign_in(account=account, issuer=str(issuer))
    return redirect(next_url or resolve_url("portal:home"))
