"""Password reset: the social security number and the date of birth, then a code sent to a
contact the registry already holds, and a new password. The first step answers the same whether
or not the details match; a right code clears the login lockout; nobody is signed in by it (the
login still asks for the second factor). Every step is in the audit trail (``portal.services``)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters

from roles.errors import DomainError

from .forms import RegisterCodeForm, RegisterForm
from .services import password_reset_finish, password_reset_start

SESSION_CODE = "socius_reset_code"


@csrf_protect
@never_cache
def reset(request):
    form = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        request.session[SESSION_CODE] = password_reset_start(
            ssn=form.cleaned_data["ssn"], birth_date=form.cleaned_data["birth_date"]
        )
        messages.info(
            request,
            _(
                "If these details match an account, we sent a code to the e-mail address or mobile phone "
                "we hold for you."
            ),
        )
        return redirect("portal:reset_code")
    return render(request, "portal/reset.html", {"form": form}, status=400 if form.errors else 200)


@sensitive_post_parameters("password", "password_again")
@csrf_protect
@never_cache
def reset_code(request):
    form = RegisterCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code_id = request.session.get(SESSION_CODE)
        try:
            if code_id is None:
                raise DomainError(_("This code has expired. Start again to receive a new one."), field="code")
            password_reset_finish(
                code_id=code_id, code=form.cleaned_data["code"], password=form.cleaned_data["password"]
            )
        except DomainError as exc:
            form.add_error("code", exc.message)
        except ValidationError as exc:
            form.add_error("password", exc)
        else:
            request.session.pop(SESSION_CODE, None)
            messages.success(request, _("Your new password is set. Sign in with it."))
            return redirect("portal:login")
    return render(request, "portal/reset_code.html", {"form": form}, status=400 if form.errors else 200)
