"""Rule parameters: the values of the law and of policy the rules read, by date (``rules``).

Every administrator sees them; the administrators of the top unit change them through
``rules.changes.parameter_change``, with a reason, after seeing what a correction or a value
dated in the past does to open cases."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from roles import selectors
from roles.errors import DomainError
from rules.changes import NeedsConfirmation, known_keys, parameter_change
from rules.models import Parameter
from rules.parameters import describe

from .forms_admin import ParameterChangeForm
from .navigation import staff_grants
from .views_admin import _refusal, _render, _roots


def _rows(today):
    """Per key: the value in force today, the values to come and how many were replaced (one query)."""
    rows = {}
    for key, valid_from, value in Parameter.objects.order_by("key", "valid_from").values_list(
        "key", "valid_from", "value"
    ):
        row = rows.setdefault(key, {"key": key, "label": describe(key), "current": None, "coming": [], "past": 0})
        if valid_from <= today:
            if row["current"] is not None:
                row["past"] += 1
            row["current"] = {"value": value, "valid_from": valid_from}
        else:
            row["coming"].append({"value": value, "valid_from": valid_from})
    return list(rows.values())


def _keys():
    return [(key, f"{key}: {describe(key)}") for key in known_keys()]


def _page(request, form=None, preview=None, status=200):
    today = selectors.today()
    may_change = selectors.sets_authority_limits(request.user, grants=staff_grants(request))
    if may_change and form is None:
        form = ParameterChangeForm(initial={"valid_from": today}, keys=_keys())
    context = {"rows": _rows(today), "today": today, "form": form if may_change else None, "preview": preview}
    return _render(request, "parameters.html", context, status)


@login_required
@require_GET
def parameters(request):
    _roots(request)
    return _page(request)


@login_required
@require_POST
def parameter_set(request):
    _roots(request)
    form = ParameterChangeForm(request.POST, keys=_keys())
    if not form.is_valid():
        return _page(request, form, status=422)
    data = form.cleaned_data
    try:
        parameter_change(
            actor=request.user,
            key=data["key"],
            value=data["value"],
            valid_from=data["valid_from"],
            reason=data["reason"],
            on=selectors.today(),
            confirmed=data["confirmed"],
        )
    except NeedsConfirmation as needed:
        confirming = ParameterChangeForm(request.POST, keys=_keys(), confirming=True)
        confirming.is_valid()
        return _page(request, confirming, preview=needed.preview, status=409)
    except DomainError as exc:
        if not selectors.sets_authority_limits(request.user, grants=staff_grants(request)):
            raise PermissionDenied(exc.message) from exc
        return _page(request, form, status=_refusal(form, exc))
    messages.success(request, _("The parameter was changed."))
    return redirect(reverse("admin_parameters"))
