"""The administration pages: what they show, what they change (through roles.services), and the
services' refusals shown as readable form errors."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import formats, translation

from audit.models import AuditEvent
from backoffice import views_admin
from roles.models import AuthorityLimit, Delegation, Level, OrgUnit, Role, RoleAssignment
from roles.selectors import today
from roles.services import authority_limit_set, delegation_create, role_grant
from tests.conftest import BRANCH_LIMIT, staff

from .conftest import STRONG

pytestmark = pytest.mark.django_db
User = get_user_model()


def text(response):
    return response.content.decode()


def test_only_administrators_see_the_section_and_its_pages(client, team, admins):
    client.force_login(team["supervisor"])
    assert reverse("admin_units") not in text(client.get(reverse("inbox")))
    for name in (
        "admin_units",
        "admin_staff",
        "admin_delegations",
        "admin_limits",
        "admin_parameters",
        "admin_staff_create",
    ):
        assert client.get(reverse(name)).status_code == 403
    client.force_login(admins["north"])
    body = text(client.get(reverse("admin_units")))
    assert f'href="{reverse("admin_units")}" aria-current="page"' in body


# --- Org tree ---------------------------------------------------------------------------------------


def test_the_tree_shows_the_subtree_indented_in_path_order_with_staff_counts(admin_client, org, team):
    response = admin_client.get(reverse("admin_units"))
    assert response.status_code == 200
    rows = re.findall(r'data-code="(\w+)">\s*<td class="tree-depth-(\d)">', text(response))
    assert rows == [("N", "0"), ("NA", "1"), ("NB", "1")]
    counts = dict(re.findall(r'data-code="(\w+)">.*?class="num staff-count"><a [^>]*>(\d+)</a>', text(response), re.S))
    # North: the region supervisor and its administrator; North A: two operators, two supervisors,
    # the finance officer and the branch administrator.
    assert counts == {"N": "2", "NA": "6", "NB": "0"}
    assert "South" not in text(response)


def test_a_person_counts_once_per_unit_and_only_while_their_role_lasts(admin_client, org, team):
    role_grant(actor=None, user=team["operator"], role=Role.FINANCE_OFFICER, unit=org.north_a)  # a second role
    ended = staff("ended_nb", Role.OPERATOR, org.north_b)
    RoleAssignment.objects.filter(user=ended).update(valid_to=today() - dt.timedelta(days=1))
    staff("later_nb", Role.OPERATOR, org.north_b)
    RoleAssignment.objects.filter(user__username="later_nb").update(valid_from=today() + dt.timedelta(days=1))
    body = text(admin_client.get(reverse("admin_units")))
    counts = dict(re.findall(r'data-code="(\w+)">.*?class="num staff-count"><a [^>]*>(\d+)</a>', body, re.S))
    assert counts == {"N": "2", "NA": "6", "NB": "0"}


def test_a_new_branch_is_created_under_the_region(admin_client, org):
    response = admin_client.post(
        reverse("admin_unit_create"),
        {"parent": org.north.pk, "code": "NC", "name": "North C branch", "level": "branch"},
    )
    assert response.status_code == 302
    unit = OrgUnit.objects.get(code="NC")
    assert unit.parent == org.north
    assert AuditEvent.objects.filter(action="org_unit.created", subject_id=str(unit.pk)).exists()


def test_a_refused_unit_shows_the_reason_on_the_form(admin_client, org):
    response = admin_client.post(
        reverse("admin_unit_create"), {"parent": org.north_a.pk, "code": "NC", "name": "Too deep", "level": "branch"}
    )
    assert response.status_code == 422
    assert "cannot be placed under" in text(response)
    response = admin_client.post(
        reverse("admin_unit_create"), {"parent": org.south.pk, "code": "SC", "name": "Elsewhere", "level": "branch"}
    )
    assert response.status_code == 422
    assert "Select a valid choice" in text(response)
    assert not OrgUnit.objects.filter(code__in=["NC", "SC"]).exists()


# --- Staff ------------------------------------------------------------------------------------------


def logins(response):
    return re.findall(r'<tr class="staff-row">\s*<td><a href="[^"]+">([^<]+)</a>', text(response))


def test_the_staff_list_shows_the_subtree_by_login_and_filters(admin_client, org, team, admins):
    everyone = logins(admin_client.get(reverse("admin_staff")))
    assert everyone == ["adm_n", "adm_na", "fin_na", "op2_na", "op_na", "sup2_na", "sup_n", "sup_na"]
    assert logins(admin_client.get(reverse("admin_staff"), {"unit": org.north.pk, "name": "sup"})) == [
        "sup2_na",
        "sup_n",
        "sup_na",
    ]
    assert logins(admin_client.get(reverse("admin_staff"), {"unit": org.north_a.pk, "name": "op"})) == [
        "op2_na",
        "op_na",
    ]
    # A unit outside the subtree is not a choice: the filter is ignored, nothing of the South shows.
    assert "op_sa" not in logins(admin_client.get(reverse("admin_staff"), {"unit": org.south_a.pk}))


def test_the_staff_list_pages_by_login(admin_client, org, team, monkeypatch):
    monkeypatch.setattr(views_admin, "PAGE_SIZE", 3)
    first = admin_client.get(reverse("admin_staff"), {"name": "_"})
    assert logins(first) == ["adm_n", "adm_na", "fin_na"]
    [link] = re.findall(r'href="\?([^"]+)" rel="next"', text(first))
    second = admin_client.get(reverse("admin_staff") + "?" + link.replace("&amp;", "&"))
    assert logins(second) == ["op2_na", "op_na", "sup2_na"]
    [first_link] = re.findall(r'href="\?([^"]*)">First page', text(second))
    assert first_link == "name=_"


def test_an_account_is_created_with_its_first_role(admin_client, org):
    response = admin_client.post(
        reverse("admin_staff_create"),
        {"username": "newop", "password": STRONG, "unit": org.north_b.pk, "role": Role.OPERATOR, "first_name": "Ana"},
    )
    user = User.objects.get(username="newop")
    assert response.status_code == 302 and response["Location"] == reverse("admin_staff_detail", args=[user.pk])
    assert user.check_password(STRONG)
    assert RoleAssignment.objects.get(user=user).org_unit == org.north_b


def test_an_account_above_the_administrators_rank_is_refused_on_the_form(admin_client, org):
    response = admin_client.post(
        reverse("admin_staff_create"),
        {"username": "newmgr", "password": STRONG, "unit": org.north_a.pk, "role": Role.BRANCH_MANAGER},
    )
    assert response.status_code == 403
    assert "You cannot grant a role above your own." in text(response)
    response = admin_client.post(
        reverse("admin_staff_create"),
        {"username": "newop", "password": "short1", "unit": org.north_a.pk, "role": Role.OPERATOR},
    )
    assert response.status_code == 422
    assert 'class="errorlist' in text(response)
    assert not User.objects.filter(username__in=["newmgr", "newop"]).exists()


def test_the_staff_page_shows_roles_and_delegations(admin_client, team):
    delegation_create(
        actor=team["supervisor"],
        assignment=RoleAssignment.objects.get(user=team["supervisor"]),
        delegate=team["supervisor2"],
        valid_from=today(),
        valid_to=today() + dt.timedelta(days=5),
        reason="Training week",
    )
    body = text(admin_client.get(reverse("admin_staff_detail", args=[team["supervisor"].pk])))
    assert "Supervisor" in body and "North A branch" in body
    assert "Training week" in body and "sup2_na" in body
    assert reverse("admin_role_delegate", args=[RoleAssignment.objects.get(user=team["supervisor"]).pk]) in body


def test_a_role_is_granted_and_revoked(admin_client, org, team, admins):
    operator = team["operator"]
    response = admin_client.post(
        reverse("admin_staff_grant", args=[operator.pk]), {"role": Role.SUPERVISOR, "unit": org.north_b.pk}
    )
    assert response.status_code == 302
    granted = RoleAssignment.objects.get(user=operator, role=Role.SUPERVISOR)
    assert granted.granted_by == admins["north"] and granted.org_unit == org.north_b
    response = admin_client.post(reverse("admin_role_revoke", args=[granted.pk]))
    assert response.status_code == 302
    granted.refresh_from_db()
    assert granted.valid_to == today() - dt.timedelta(days=1)
    assert AuditEvent.objects.filter(action="role.revoked", actor=admins["north"]).exists()


@pytest.mark.parametrize(
    ("who", "role", "unit", "message"),
    [
        ("operator", Role.BRANCH_MANAGER, "north_a", "You cannot grant a role above your own."),
        ("self", Role.SUPERVISOR, "north_b", "You cannot grant a role to yourself; another administrator must."),
        ("operator", Role.OPERATOR, "north_b", "The end date is before the start date."),
    ],
    ids=["rank", "self", "dates"],
)
def test_refused_grants_show_the_reason_on_the_form(admin_client, org, team, admins, who, role, unit, message):
    user = admins["north"] if who == "self" else team[who]
    data = {"role": role, "unit": getattr(org, unit).pk}
    if message.startswith("The end date"):
        data.update(valid_from="2030-01-02", valid_to="2030-01-01")
    response = admin_client.post(reverse("admin_staff_grant", args=[user.pk]), data)
    assert response.status_code in (403, 422)
    assert message.replace("'", "&#x27;") in text(response)
    assert not RoleAssignment.objects.filter(user=user, granted_by=admins["north"]).exists()


def test_a_grant_outside_the_subtree_is_not_a_choice(admin_client, org, team):
    response = admin_client.post(
        reverse("admin_staff_grant", args=[team["operator"].pk]), {"role": Role.OPERATOR, "unit": org.south_a.pk}
    )
    assert response.status_code == 422
    assert not RoleAssignment.objects.filter(user=team["operator"], org_unit=org.south_a).exists()


def test_an_account_is_deactivated_and_reactivated(admin_client, team):
    operator = team["operator"]
    url = reverse("admin_staff_active", args=[operator.pk])
    assert admin_client.post(url, {"active": "0"}).status_code == 302
    operator.refresh_from_db()
    assert not operator.is_active
    assert "Reactivate the account" in text(admin_client.get(reverse("admin_staff_detail", args=[operator.pk])))
    assert admin_client.post(url, {"active": "1"}).status_code == 302
    operator.refresh_from_db()
    assert operator.is_active


def test_a_deactivated_person_is_signed_out_at_their_next_request(admin_client, team):
    operator_client = Client()
    operator_client.force_login(team["operator"])
    assert operator_client.get(reverse("inbox")).status_code == 200
    admin_client.post(reverse("admin_staff_active", args=[team["operator"].pk]), {"active": "0"})
    response = operator_client.get(reverse("inbox"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_deactivating_an_inactive_account_shows_why(admin_client, team):
    url = reverse("admin_staff_active", args=[team["operator"].pk])
    admin_client.post(url, {"active": "0"})
    response = admin_client.post(url, {"active": "0"})  # a second tab, or a double click
    assert response.status_code == 422
    assert "The account is already inactive." in text(response)


def test_deactivating_ones_own_account_is_refused_on_the_page(admin_client, admins):
    response = admin_client.post(reverse("admin_staff_active", args=[admins["north"].pk]), {"active": "0"})
    assert response.status_code == 403
    assert "You cannot deactivate or reactivate your own account" in text(response)
    admins["north"].refresh_from_db()
    assert admins["north"].is_active


# --- Delegations ------------------------------------------------------------------------------------


def test_a_delegation_is_recorded_listed_and_withdrawn(admin_client, team, admins):
    assignment = RoleAssignment.objects.get(user=team["supervisor"])
    form = admin_client.get(reverse("admin_role_delegate", args=[assignment.pk]))
    assert form.status_code == 200 and 'value="decide_case"' in text(form) and 'value="manage_staff"' not in text(form)
    start, end = today(), today() + dt.timedelta(days=7)
    response = admin_client.post(
        reverse("admin_role_delegate", args=[assignment.pk]),
        {"delegate": "sup2_na", "valid_from": start, "valid_to": end, "powers": ["decide_case"], "reason": "Leave"},
    )
    assert response.status_code == 302
    delegation = Delegation.objects.get()
    assert (delegation.delegate, delegation.powers, delegation.reason) == (
        team["supervisor2"],
        ["decide_case"],
        "Leave",
    )
    listed = text(admin_client.get(reverse("admin_delegations")))
    assert "sup2_na" in listed and reverse("admin_delegation_revoke", args=[delegation.pk]) in listed
    assert "decide cases" in listed and "decide_case" not in listed
    assert admin_client.post(reverse("admin_delegation_revoke", args=[delegation.pk])).status_code == 302
    delegation.refresh_from_db()
    assert delegation.revoked_at is not None
    assert "sup2_na" not in text(admin_client.get(reverse("admin_delegations")))
    assert AuditEvent.objects.filter(action="delegation.revoked", actor=admins["north"]).exists()


@pytest.mark.parametrize(
    ("delegate", "days", "message"),
    [
        ("op_sa", 3, "Nobody with this login belongs to your part of the organisation."),
        ("adm_n", 3, "You cannot delegate to yourself."),
        ("sup2_na", -3, "The end date is before the start date."),
    ],
)
def test_refused_delegations_show_the_reason_on_the_form(admin_client, team, delegate, days, message):
    assignment = RoleAssignment.objects.get(user=team["supervisor"])
    response = admin_client.post(
        reverse("admin_role_delegate", args=[assignment.pk]),
        {"delegate": delegate, "valid_from": today(), "valid_to": today() + dt.timedelta(days=days)},
    )
    assert response.status_code == 422
    assert message in text(response)
    assert not Delegation.objects.exists()


# --- Authority limits -------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "fr", "fa"])
def test_limits_are_listed_with_amounts_in_the_users_language(client, org, admins, language):
    client.force_login(admins["north"])
    response = client.get(reverse("admin_limits"), HTTP_ACCEPT_LANGUAGE=language)
    with translation.override(language):
        shown = formats.number_format(BRANCH_LIMIT, 2, use_l10n=True, force_grouping=True)
    assert re.search(r'class="num amount">' + re.escape(shown) + "<", text(response))
    if language == "fr":
        assert "5\xa0000,00" in text(response)
    assert 'action="' + reverse("admin_limit_set") not in text(response)


def test_limits_are_listed_by_role_then_level_from_the_top_with_the_one_in_force_marked(client, org, admins):
    later = today() + dt.timedelta(days=5)
    authority_limit_set(
        actor=None, role=Role.SUPERVISOR, level=Level.BRANCH, amount=Decimal("6000.00"), valid_from=later
    )
    client.force_login(admins["north"])
    body = text(client.get(reverse("admin_limits")))
    rows = re.findall(r'<tr class="limit-row">(.*?)</tr>', body, re.S)
    cells = [re.sub(r"<[^>]+>", "", row).split() for row in rows]
    assert [(c[0], c[1]) for c in cells][:4] == [
        ("Supervisor", "Central"),
        ("Supervisor", "Regional"),
        ("Supervisor", "Branch"),
        ("Supervisor", "Branch"),
    ]
    assert "to come" in rows[2] and "6,000.00" in rows[2]
    assert "in force" in rows[3] and "5,000.00" in rows[3]


def test_a_central_administrator_sets_a_limit(client, org, admins):
    client.force_login(admins["central"])
    assert 'action="' + reverse("admin_limit_set") in text(client.get(reverse("admin_limits")))
    start = today() + dt.timedelta(days=10)
    response = client.post(
        reverse("admin_limit_set"),
        {"role": Role.SUPERVISOR, "level": Level.BRANCH, "amount": "6000.00", "valid_from": start},
    )
    assert response.status_code == 302
    assert AuthorityLimit.objects.get(role=Role.SUPERVISOR, level=Level.BRANCH, valid_from=start).amount == Decimal(
        "6000.00"
    )
    response = client.post(
        reverse("admin_limit_set"),
        {"role": Role.SUPERVISOR, "level": Level.BRANCH, "amount": "6000.00", "valid_from": "2001-01-01"},
    )
    assert response.status_code == 422
    assert "A limit can only take effect from today or later." in text(response)


def test_a_region_administrator_sets_no_limit(admin_client, org):
    response = admin_client.post(
        reverse("admin_limit_set"),
        {"role": Role.SUPERVISOR, "level": Level.BRANCH, "amount": "9.00", "valid_from": today()},
    )
    assert response.status_code == 403
    assert not AuthorityLimit.objects.filter(amount=Decimal("9.00")).exists()


# --- CSRF -------------------------------------------------------------------------------------------


def test_every_form_carries_a_csrf_token_and_a_post_without_it_is_refused(org, team, admins):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admins["central"])
    for url in (
        reverse("admin_units"),
        reverse("admin_staff_create"),
        reverse("admin_staff_detail", args=[team["operator"].pk]),
        reverse("admin_limits"),
        reverse("admin_parameters"),
    ):
        body = text(client.get(url))
        assert body.count('method="post"') == body.count("csrfmiddlewaretoken")
    response = client.post(reverse("admin_staff_active", args=[team["operator"].pk]), {"active": "0"})
    assert response.status_code == 403
    team["operator"].refresh_from_db()
    assert team["operator"].is_active


def test_a_branch_manager_added_later_is_still_shown_but_not_deactivated(admin_client, org):
    manager = staff("mgr_na", Role.BRANCH_MANAGER, org.north_a)
    assert "mgr_na" in logins(admin_client.get(reverse("admin_staff")))
    response = admin_client.post(reverse("admin_staff_active", args=[manager.pk]), {"active": "0"})
    assert response.status_code == 403
    assert "This person holds a role above your own." in text(response)
