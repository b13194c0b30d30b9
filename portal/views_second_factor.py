"""The portal's second step of the login: the authenticator app (the staff's step, through
``backoffice.views_account``) or a code sent by SMS or e-mail to the contact on file
(``portal.second_factor``), which the person chooses at enrolment. Both count wrong codes for
the same lockout."""

from dataclasses import replace

from django.contrib import messages
from django.shortcuts import redirect, render, resolve_url
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django_otp.plugins.otp_totp.models import TOTPDevice

from backoffice import security
from backoffice.models import LoginStage
from backoffice.views_account import (
    _code_failed,
    _next_url,
    _refuse_if_locked,
    _signed_in_here,
    _verified,
    _with_next,
    side_views,
)
from roles.errors import DomainError, NotAuthorized

from . import second_factor
from .forms import SecondFactorChoiceForm, SentCodeForm
from .views_account import PORTAL
from .views_account import verify as app_verify

# The authenticator's enrolment, on its own page: its form posts back to it.
PORTAL_APP = replace(PORTAL, enrol="portal:enrol_app")
_login, _verify, enrol_app = side_views(PORTAL_APP)

SESSION_LOGIN_CODE = "socius_login_code"  # the id of the login code sent for this session
SESSION_ENROL_CHANNEL = "socius_enrol_channel"


def _channel_label(channel):
    return _("mobile phone") if channel == "sms" else _("e-mail address")


def _send(request, channel):
    """Send a code by ``channel``; remember it in the session, or say why none was sent."""
    code_id = second_factor.login_code_send(user=request.user, channel=channel)
    if code_id is None:
        messages.error(request, _("We cannot send another code yet. Wait a minute, then ask again."))
    else:
        request.session[SESSION_LOGIN_CODE] = code_id
        messages.info(
            request,
            _("We sent a code to the %(contact)s we hold for you.") % {"contact": _channel_label(channel)},
        )
    return code_id


def _check(request, form, next_url, on_success):
    """Check the code of the form against the session's login code, with the login's lockout.
    Returns a response, or None after adding the form's error."""
    user = request.user
    code_id = request.session.get(SESSION_LOGIN_CODE)
    with security.attempt_lock(user.get_username()):
        outcome = _refuse_if_locked(request, LoginStage.CODE, PORTAL)
        if outcome is not None:
            return outcome
        try:
            if code_id is None:
                raise DomainError(_("This code has expired. Ask for a new one."), field="code")
            matched = second_factor.login_code_check(user=user, code_id=code_id, code=form.cleaned_data["code"])
        except DomainError as exc:
            form.add_error("code", exc.message)
            return None
        if not matched:
            outcome = _code_failed(request, LoginStage.CODE, PORTAL)
            if outcome is not None:
                return outcome
            form.add_error("code", _("This code is not the one we sent."))
            return None
        security.clear_failures(user.get_username())
    request.session.pop(SESSION_LOGIN_CODE, None)
    return on_success()


def _code_page(request, form, action, next_url, status=200):
    context = {"form": form, "next": next_url, "action": action, "side": PORTAL}
    return render(request, "portal/login_code.html", context, status=400 if form.errors else status)


@csrf_protect
@never_cache
def verify(request):
    """The second step: a code by SMS or e-mail for a person who chose it, else the app's."""
    next_url = _next_url(request)
    if not _signed_in_here(request, PORTAL) or security.is_verified(request.session):
        return app_verify(request)
    device = second_factor.contact_device(request.user)
    if device is None:
        return app_verify(request)
    form = SentCodeForm()
    if request.method == "POST" and "resend" in request.POST:
        _send(request, device.channel)
        return redirect(_with_next("portal:verify", next_url))
    if request.method == "POST":
        form = SentCodeForm(request.POST)
        if form.is_valid():
            outcome = _check(request, form, next_url, lambda: _verified(request, device, next_url, PORTAL))
            if outcome is not None:
                return outcome
    elif SESSION_LOGIN_CODE not in request.session:
        _send(request, device.channel)
    return _code_page(request, form, "portal:verify", next_url)


def _enrolled(user):
    return (
        TOTPDevice.objects.filter(user=user, confirmed=True).exists() or second_factor.contact_device(user) is not None
    )


@csrf_protect
@never_cache
def enrol(request):
    """First login without a second factor: the authenticator app, or codes by SMS or e-mail."""
    next_url = _next_url(request)
    if not _signed_in_here(request, PORTAL):
        return redirect(_with_next("portal:login", next_url))
    if security.is_verified(request.session):
        return redirect(next_url or resolve_url("portal:home"))
    if _enrolled(request.user):
        return redirect(_with_next("portal:verify", next_url))
    channels = second_factor.channels_available(second_factor.person_of_user(request.user))
    form = SecondFactorChoiceForm(request.POST or None, channels=channels)
    if request.method == "POST" and form.is_valid():
        method = form.cleaned_data["method"]
        if method == form.APP:
            return redirect(_with_next("portal:enrol_app", next_url))
        request.session[SESSION_ENROL_CHANNEL] = method
        request.session.pop(SESSION_LOGIN_CODE, None)
        if _send(request, method) is not None:
            return redirect(_with_next("portal:enrol_code", next_url))
    context = {"form": form, "next": next_url, "side": PORTAL}
    return render(request, "portal/enrol_choice.html", context, status=400 if form.errors else 200)


@csrf_protect
@never_cache
def enrol_code(request):
    """Confirm the chosen channel with the code sent by it."""
    next_url = _next_url(request)
    channel = request.session.get(SESSION_ENROL_CHANNEL)
    if not _signed_in_here(request, PORTAL) or security.is_verified(request.session) or not channel:
        return redirect(_with_next("portal:enrol", next_url))
    if request.method == "POST" and "resend" in request.POST:
        _send(request, channel)
        return redirect(_with_next("portal:enrol_code", next_url))
    form = SentCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():

        def confirmed():
            try:
                device = second_factor.enrolment_confirm(user=request.user, channel=channel)
            except NotAuthorized:
                return redirect(_with_next("portal:verify", next_url))
            request.session.pop(SESSION_ENROL_CHANNEL, None)
            messages.success(request, _("Your login codes will come by this channel at every login."))
            return _verified(request, device, next_url, PORTAL)

        outcome = _check(request, form, next_url, confirmed)
        if outcome is not None:
            return outcome
    return _code_page(request, form, "portal:enrol_code", next_url)
