"""Login in two steps: the password, then a code of the account's authenticator (TOTP).

After the password step the user is signed in but not verified: backoffice.middleware sends
every other page to the code step (or to enrolment, for an account with no confirmed device).
Both steps count failures for lockout (backoffice.security); a locked-out attempt gets the same
message as a wrong password.

The same steps serve two sides (``Side``): the staff workbench and the e-services portal
(``portal.views_account``). Each side admits only its own accounts (a staff account never signs
in to the portal, a person's account never to the workbench) and records the side in the
session, which the middleware holds every page to.
"""

from dataclasses import dataclass

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, logout
from django.contrib.auth import login as auth_login
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters

from roles import two_factor
from roles.errors import NotAuthorized

from . import security
from .forms_account import CodeForm, PasswordLoginForm
from .models import LoginStage


@dataclass(frozen=True)
class Side:
    """One side's login: its URL names, templates, home page, and which accounts it admits."""

    name: str
    login: str
    verify: str
    enrol: str
    logout: str
    home: str
    base: str  # the layout the login pages extend
    login_title: str
    username_label: str
    register: str = ""  # where a newcomer opens an account, on a side that has it
    login_extra: str = ""  # a template the login page includes (the side's other ways in)

    def admits(self, user):
        return security.side_of_account(user) == self.name


STAFF = Side(
    name=security.STAFF_SIDE,
    login="login",
    verify="account_verify",
    enrol="account_enrol",
    logout="logout",
    home=settings.LOGIN_REDIRECT_URL,
    base="base.html",
    login_title=gettext_lazy("Staff login"),
    username_label=gettext_lazy("User name"),
)


def _generic_failure():
    return _("Your user name and password did not match, or there were too many attempts. Please try again later.")


def _next_url(request):
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


def _with_next(url_name, next_url):
    url = reverse(url_name)
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def _password_login(request, side):
    next_url = _next_url(request)
    if request.user.is_authenticated and security.is_verified(request.session) and side.admits(request.user):
        return redirect(next_url or resolve_url(side.home))
    error = None
    form = PasswordLoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"]
        address = security.client_address(request)
        user = None
        with security.attempt_lock(username):
            if security.is_locked_out(username, address):
                security.spend_a_password_check(form.cleaned_data["password"])
                security.record_refused(username, address, LoginStage.PASSWORD)
            else:
                user = authenticate(request, username=username, password=form.cleaned_data["password"])
                if user is not None and not side.admits(user):
                    user = None  # the other side's account: the same answer as a wrong password
                if user is None:
                    security.record_failure(username, address, LoginStage.PASSWORD)
        if user is None:
            error = _generic_failure()
        else:
            auth_login(request, user)  # a new session key; not verified yet
            security.mark_side(request.session, side.name)
            return redirect(_with_next(side.verify, next_url))
    elif request.method == "POST":
        error = _generic_failure()
    return render(request, "registration/login.html", {"form": form, "next": next_url, "error": error, "side": side})


def _code_failed(request, stage, side):
    """Count a wrong code; on lockout end the half-signed-in session. Returns a response or None."""
    user = request.user
    address = security.client_address(request)
    if security.record_failure(user.get_username(), address, stage):
        logout(request)
        messages.error(request, _generic_failure())
        return redirect(side.login)
    return None


def _refuse_if_locked(request, stage, side):
    user = request.user
    address = security.client_address(request)
    if security.is_locked_out(user.get_username(), address):
        security.record_refused(user.get_username(), address, stage)
        logout(request)
        messages.error(request, _generic_failure())
        return redirect(side.login)
    return None


def _verified(request, device, next_url, side):
    security.mark_verified(request, device)
    return redirect(next_url or resolve_url(side.home))


def _signed_in_here(request, side):
    """Signed in through this side's password step (else back to its login)."""
    return request.user.is_authenticated and security.side_of(request.session) == side.name


def _verify(request, side):
    """The second step: a code from the confirmed device."""
    next_url = _next_url(request)
    if not _signed_in_here(request, side):
        return redirect(_with_next(side.login, next_url))
    if security.is_verified(request.session):
        return redirect(next_url or resolve_url(side.home))
    if two_factor.confirmed_device(request.user) is None:
        return redirect(_with_next(side.enrol, next_url))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with security.attempt_lock(request.user.get_username()):
            outcome = _refuse_if_locked(request, LoginStage.CODE, side)
            if outcome is None:
                device = two_factor.code_verify(user=request.user, token=form.cleaned_data["code"])
                if device is not None:
                    security.clear_failures(request.user.get_username())
                else:
                    outcome = _code_failed(request, LoginStage.CODE, side)
        if outcome is not None:
            return outcome
        if device is not None:
            return _verified(request, device, next_url, side)
        form.add_error("code", _("This code is not valid. Enter the current code of your authenticator app."))
    # No navigation before the second factor: every section would send back here.
    context = {"form": form, "next": next_url, "nav_items": [], "side": side}
    return render(request, "backoffice/account/verify.html", context)


def _qr_svg(uri):
    """The otpauth URI as an inline SVG QR code (no external request, no image file)."""
    return segno.make(uri, error="m").svg_inline(scale=4, border=2, title=_("QR code of your authenticator key"))


def _grouped(secret):
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _enrol(request, side):
    """First login without a confirmed device: show the new secret once, confirm it with a code."""
    next_url = _next_url(request)
    if not _signed_in_here(request, side):
        return redirect(_with_next(side.login, next_url))
    if security.is_verified(request.session):
        return redirect(next_url or resolve_url(side.home))
    try:
        device = two_factor.enrolment_device(request.user)
    except NotAuthorized:  # already enrolled: the secret is not shown again
        return redirect(_with_next(side.verify, next_url))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        confirmed = None
        with security.attempt_lock(request.user.get_username()):
            outcome = _refuse_if_locked(request, LoginStage.CODE, side)
            if outcome is None:
                try:
                    confirmed = two_factor.enrolment_confirm(
                        user=request.user, device_id=device.pk, token=form.cleaned_data["code"]
                    )
                except NotAuthorized:
                    outcome = redirect(_with_next(side.verify, next_url))
                else:
                    if confirmed is not None:
                        security.clear_failures(request.user.get_username())
                    else:
                        outcome = _code_failed(request, LoginStage.CODE, side)
        if outcome is not None:
            return outcome
        if confirmed is not None:
            messages.success(request, _("Your authenticator app is set up. Use it at every login."))
            return _verified(request, confirmed, next_url, side)
        form.add_error("code", _("This code is not valid. Check the key in your app and enter its current code."))
    uri = device.config_url
    secret = two_factor.secret_base32(device)
    context = {
        "form": form,
        "next": next_url,
        "secret": _grouped(secret),
        "otpauth_uri": uri,
        "qr_svg": _qr_svg(uri),
        "nav_items": [],
        "side": side,
    }
    return render(request, "backoffice/account/enrol.html", context)


def side_views(side):
    """The views of ``side``'s login steps: (password, code, enrolment)."""

    def bind(step):
        def view(request):
            return step(request, side)

        return csrf_protect(never_cache(view))

    return sensitive_post_parameters("password")(bind(_password_login)), bind(_verify), bind(_enrol)


password_login, verify, enrol = side_views(STAFF)
