"""Registration: the social security number and the date of birth, then a code sent to a contact
the registry already holds, and a password; then the authenticator, as at every login.

The first step answers the same whether or not the details match, so that it tells nobody who is
in the registry; the code step counts its attempts (``portal.services``)."""

from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters

from backoffice import security
from roles.errors import DomainError

from .forms import RegisterCodeForm, RegisterForm
from .services import registration_finish, registration_start

SESSION_CODE = "socius_registration_code"


@csrf_protect
@never_cache
def register(request):
    form = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        request.session[SESSION_CODE] = registration_start(
            ssn=form.cleaned_data["ssn"], birth_date=form.cleaned_data["birth_date"]
        )
        messages.info(
            request,
            _(
                "If these details match the registry, we sent a code to the e-mail address or mobile phone "
                "we hold for you."
            ),
        )
        return redirect("portal:register_code")
    return render(request, "portal/register.html", {"form": form}, status=400 if form.errors else 200)


@sensitive_post_parameters("password", "password_again")
@csrf_protect
@never_cache
def register_code(request):
    form = RegisterCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code_id = request.session.get(SESSION_CODE)
        try:
            if code_id is None:
                raise DomainError(_("This code has expired. Start again to receive a new one."), field="code")
            account = registration_finish(
                code_id=code_id, code=form.cleaned_data["code"], password=form.cleaned_data["password"]
            )
        except DomainError as exc:
            form.add_error("code", exc.message)
        else:
            request.session.pop(SESSION_CODE, None)
            auth_login(request, account.user, backend="django.contrib.auth.backends.ModelBackend")
            security.mark_side(request.session, security.PORTAL_SIDE)
            messages.success(request, _("Your account is open. Now choose the second step of your login."))
            return redirect("portal:enrol")
    return render(request, "portal/register_code.html", {"form": form}, status=400 if form.errors else 200)
