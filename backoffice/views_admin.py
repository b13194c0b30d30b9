"""Administration pages: the org tree, staff accounts, role grants, delegations and authority limits
of the administrator's own part of the organisation (the subtrees of the units where they hold the
administrator role).

They read through roles.selectors and change through roles.services, which hold every rule and
write the audit events; a person, role or delegation outside the administrator's subtree answers
404 like a missing one.
"""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from roles import selectors, services
from roles.errors import DomainError
from roles.powers import Power

from .forms_admin import (
    ActiveForm,
    AuthorityLimitForm,
    DelegationCreateForm,
    RoleGrantForm,
    StaffCreateForm,
    StaffFilterForm,
    UnitCreateForm,
)
from .navigation import staff_grants

PAGE_SIZE = 50
SECTION = "administration"


def _roots(request):
    """The paths of the subtrees the user administers; 403 for someone who administers nothing."""
    roots = selectors.staff_roots(request.user)
    if not roots:
        raise PermissionDenied(_("You hold no role that lets you manage staff."))
    return roots


def _refusal(form, exc):
    """A service's refusal as a form error: on its field when the form shows it, else for the form."""
    field = exc.field if exc.field in form.fields and not form.fields[exc.field].widget.is_hidden else None
    form.add_error(field, exc.message)
    return exc.status


def _units(roots):
    """The administrator's units as a query for a form's choices (indented from the topmost)."""
    units = selectors.managed_units(roots)
    units.base_depth = min(root.count(".") for root in roots)
    return units


def _with_power_labels(delegations):
    """Each delegation's powers by their names (none: every power of the role)."""
    for delegation in delegations:
        delegation.power_labels = [str(Power.LABELS.get(p, p)) for p in delegation.powers]
    return delegations


def _render(request, template, context, status=200):
    return render(request, f"backoffice/administration/{template}", {"section": SECTION, **context}, status=status)


# --- Org tree ---------------------------------------------------------------------------------------


def _units_page(request, roots, form=None, status=200, units=None):
    """The tree (its units with their levels, read once: the rows and the parent choices of the form)."""
    units = units if units is not None else list(selectors.managed_units(roots))
    counts = selectors.staff_counts(roots)
    base = min((u.depth for u in units), default=1)
    rows = [{"unit": u, "indent": u.depth - base, "staff": counts.get(u.pk, 0)} for u in units]
    form = form or UnitCreateForm(units=units, levels=selectors.org_levels())
    return _render(request, "units.html", {"rows": rows, "form": form}, status)


@login_required
@require_GET
def units(request):
    return _units_page(request, _roots(request))


@login_required
@require_POST
def unit_create(request):
    roots = _roots(request)
    units = list(selectors.managed_units(roots))
    form = UnitCreateForm(request.POST, units=units, levels=selectors.org_levels())
    if not form.is_valid():
        return _units_page(request, roots, form, status=422, units=units)
    data = form.cleaned_data
    try:
        unit = services.org_unit_create(
            actor=request.user, code=data["code"].strip(), name=data["name"], level=data["level"], parent=data["parent"]
        )
    except DomainError as exc:
        return _units_page(request, roots, form, status=_refusal(form, exc), units=units)
    messages.success(request, _("The unit %(name)s was created.") % {"name": unit.name})
    return redirect("admin_units")


# --- Staff accounts ---------------------------------------------------------------------------------


@login_required
@require_GET
def staff_list(request):
    roots = _roots(request)
    form = StaffFilterForm(request.GET or None, units=_units(roots))
    filters = form.filters() if form.is_bound else {}
    rows, next_after = selectors.staff_members(
        roots, after=request.GET.get("after") or None, limit=PAGE_SIZE, **filters
    )
    query = QueryDict(mutable=True)
    query.update({k: v for k, v in request.GET.items() if k != "after"})
    first_query = query.urlencode() if request.GET.get("after") else None
    next_query = None
    if next_after:
        query["after"] = next_after
        next_query = query.urlencode()
    context = {"form": form, "rows": rows, "next_query": next_query, "first_query": first_query}
    return _render(request, "staff_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def staff_create(request):
    roots = _roots(request)
    form = StaffCreateForm(request.POST or None, units=_units(roots))
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            data = form.cleaned_data
            try:
                user = services.staff_account_open(
                    actor=request.user,
                    username=data["username"].strip(),
                    password=data["password"],
                    unit=data["unit"],
                    role=data["role"],
                    valid_from=data["valid_from"],
                    valid_to=data["valid_to"],
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                    email=data["email"],
                )
            except DomainError as exc:
                status = _refusal(form, exc)
            else:
                messages.success(request, _("The account %(login)s was created.") % {"login": user.get_username()})
                return redirect("admin_staff_detail", user_id=user.pk)
    return _render(request, "staff_create.html", {"form": form}, status)


def _member(roots, user_id):
    member = selectors.staff_member(roots, user_id)
    if member is None:
        raise Http404(_("No such staff member."))
    return member


def _staff_page(request, roots, member, *, grant_form=None, active_form=None, status=200):
    context = {
        "member": member,
        "assignments": selectors.staff_assignments(roots, member),
        "delegations": _with_power_labels(selectors.staff_delegations(roots, member)),
        "grant_form": grant_form or RoleGrantForm(units=_units(roots)),
        "active_form": active_form or ActiveForm(initial={"active": "0" if member.is_active else "1"}),
        "today": selectors.today(),
    }
    return _render(request, "staff_detail.html", context, status)


@login_required
@require_GET
def staff_detail(request, user_id):
    roots = _roots(request)
    return _staff_page(request, roots, _member(roots, user_id))


@login_required
@require_POST
def staff_grant(request, user_id):
    roots = _roots(request)
    member = _member(roots, user_id)
    form = RoleGrantForm(request.POST, units=_units(roots))
    if not form.is_valid():
        return _staff_page(request, roots, member, grant_form=form, status=422)
    data = form.cleaned_data
    try:
        services.role_grant(
            actor=request.user,
            user=member,
            role=data["role"],
            unit=data["unit"],
            valid_from=data["valid_from"],
            valid_to=data["valid_to"],
        )
    except DomainError as exc:
        return _staff_page(request, roots, member, grant_form=form, status=_refusal(form, exc))
    messages.success(request, _("The role was granted."))
    return redirect("admin_staff_detail", user_id=member.pk)


@login_required
@require_POST
def staff_active(request, user_id):
    roots = _roots(request)
    member = _member(roots, user_id)
    form = ActiveForm(request.POST)
    if not form.is_valid():
        return _staff_page(request, roots, member, active_form=form, status=422)
    active = form.cleaned_data["active"]
    try:
        services.staff_account_set_active(actor=request.user, user=member, active=active)
    except DomainError as exc:
        return _staff_page(request, roots, member, active_form=form, status=_refusal(form, exc))
    messages.success(request, _("The account was reactivated.") if active else _("The account was deactivated."))
    return redirect("admin_staff_detail", user_id=member.pk)


# --- Role assignments and delegations ---------------------------------------------------------------


def _assignment(roots, assignment_id):
    assignment = selectors.managed_assignment(roots, assignment_id)
    if assignment is None:
        raise Http404(_("No such role."))
    return assignment


@login_required
@require_POST
def assignment_revoke(request, assignment_id):
    roots = _roots(request)
    assignment = _assignment(roots, assignment_id)
    try:
        services.role_revoke(actor=request.user, assignment=assignment)
    except DomainError as exc:
        messages.error(request, exc.message)
        return _staff_page(request, roots, assignment.user, status=exc.status)
    messages.success(request, _("The role was revoked."))
    return redirect("admin_staff_detail", user_id=assignment.user_id)


@login_required
@require_http_methods(["GET", "POST"])
def assignment_delegate(request, assignment_id):
    roots = _roots(request)
    assignment = _assignment(roots, assignment_id)
    form = DelegationCreateForm(
        request.POST or None,
        role=assignment.role,
        find_delegate=lambda login: selectors.staff_member_by_login(roots, login),
    )
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.delegation_create(
                    actor=request.user,
                    assignment=assignment,
                    delegate=data["delegate"],
                    valid_from=data["valid_from"],
                    valid_to=data["valid_to"],
                    powers=data["powers"],
                    reason=data["reason"],
                )
            except DomainError as exc:
                status = _refusal(form, exc)
            else:
                messages.success(request, _("The delegation was recorded."))
                return redirect("admin_staff_detail", user_id=assignment.user_id)
    return _render(request, "delegation_create.html", {"assignment": assignment, "form": form}, status)


def _delegation_key(raw):
    """(valid_from, id) from the ``after`` parameter of the delegations page ("2026-01-31.42")."""
    try:
        day, pk = raw.split(".")
        return dt.date.fromisoformat(day), int(pk)
    except ValueError:
        return None


@login_required
@require_GET
def delegations(request):
    roots = _roots(request)
    raw = request.GET.get("after") or ""
    after = _delegation_key(raw) if raw else None
    if raw and after is None:
        messages.error(request, _("This page link is not valid any more; start from the first page."))
    rows, next_key = selectors.open_delegations(roots, after=after, limit=PAGE_SIZE)
    context = {
        "rows": _with_power_labels(rows),
        "next_after": f"{next_key[0].isoformat()}.{next_key[1]}" if next_key else None,
        "first_page": bool(after),
        "today": selectors.today(),
    }
    return _render(request, "delegations.html", context)


@login_required
@require_POST
def delegation_revoke(request, delegation_id):
    roots = _roots(request)
    delegation = selectors.managed_delegation(roots, delegation_id)
    if delegation is None:
        raise Http404(_("No such delegation."))
    try:
        services.delegation_revoke(actor=request.user, delegation=delegation)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The delegation was withdrawn."))
    back = request.POST.get("next")
    if back == "staff":
        return redirect("admin_staff_detail", user_id=delegation.assignment.user_id)
    return redirect("admin_delegations")


# --- Authority limits -------------------------------------------------------------------------------


def _limits_page(request, form=None, status=200):
    may_set = selectors.sets_authority_limits(request.user, grants=staff_grants(request))
    rows, levels = selectors.authority_limits()
    if may_set and form is None:
        form = AuthorityLimitForm(initial={"valid_from": selectors.today()}, levels=levels)
    context = {"rows": rows, "today": selectors.today(), "form": form if may_set else None}
    return _render(request, "limits.html", context, status)


@login_required
@require_GET
def limits(request):
    _roots(request)
    return _limits_page(request)


@login_required
@require_POST
def limit_set(request):
    _roots(request)
    form = AuthorityLimitForm(request.POST, levels=selectors.org_levels())
    if not form.is_valid():
        return _limits_page(request, form, status=422)
    data = form.cleaned_data
    try:
        services.authority_limit_set(
            actor=request.user,
            role=data["role"],
            level=data["level"],
            amount=data["amount"],
            valid_from=data["valid_from"],
        )
    except DomainError as exc:
        if not selectors.sets_authority_limits(request.user, grants=staff_grants(request)):
            raise PermissionDenied(exc.message) from exc
        return _limits_page(request, form, status=_refusal(form, exc))
    messages.success(request, _("The authority limit was set."))
    return redirect(reverse("admin_limits"))
