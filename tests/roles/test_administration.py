"""Administrators create accounts and grant roles only inside their subtree, never above their own rank;
guardian object permissions mirror roles on org units, never on cases."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from guardian.models import GroupObjectPermission, UserObjectPermission

from audit.models import AuditEvent
from cases import services
from cases.models import BenefitClaim, Case
from roles.errors import InvalidInput, NotAuthorized
from roles.models import OrgUnit, Role, RoleAssignment
from roles.powers import ROLE_RANK, Power
from roles.selectors import grants_for
from roles.services import delegation_create, delegation_revoke, role_grant, role_revoke, staff_account_create
from tests.factories import UserFactory

from .conftest import marriage_claim, recommend, today

pytestmark = pytest.mark.django_db
User = get_user_model()
STRONG = "plum-velvet-orbit-1987"


@pytest.fixture
def admin_north(org, make_staff):
    return make_staff("adm_n", Role.ADMINISTRATOR, org.north)


def role_events(user):
    return AuditEvent.objects.filter(subject_type="user", subject_id=str(user.pk)).order_by("seq")


def test_administration_ranks_as_supervisor():
    assert ROLE_RANK[Role.ADMINISTRATOR] == ROLE_RANK[Role.SUPERVISOR]
    assert ROLE_RANK[Role.BRANCH_MANAGER] > ROLE_RANK[Role.ADMINISTRATOR]


def test_administrator_creates_accounts_inside_their_subtree(org, admin_north):
    user = staff_account_create(actor=admin_north, username="newop", password=STRONG, unit=org.north_a)
    assert user.check_password(STRONG)
    [event] = role_events(user)
    assert event.action == "user.created"
    assert event.actor == admin_north
    assert event.org_unit_id == org.north_a.pk


@pytest.mark.parametrize("unit", ["south_a", "south", "central"])
def test_administrator_creates_no_account_outside_their_subtree(org, admin_north, unit):
    with pytest.raises(NotAuthorized):
        staff_account_create(actor=admin_north, username="newop", password=STRONG, unit=getattr(org, unit))
    assert not User.objects.filter(username="newop").exists()


@pytest.mark.parametrize("password", ["short1", "password1234", "123456789012", "newoperator1"])
def test_weak_passwords_are_refused(org, admin_north, password):
    with pytest.raises(InvalidInput) as refused:
        staff_account_create(actor=admin_north, username="newoperator1", password=password, unit=org.north_a)
    assert refused.value.field == "password"
    assert refused.value.status == 422 and refused.value.code == "invalid"
    assert not User.objects.filter(username="newoperator1").exists()


def test_a_taken_login_is_refused(org, admin_north):
    with pytest.raises(InvalidInput) as refused:
        staff_account_create(actor=admin_north, username="adm_n", password=STRONG, unit=org.north_a)
    assert refused.value.field == "username"


@pytest.mark.parametrize(
    ("role", "unit"), [(Role.OPERATOR, "north_a"), (Role.SUPERVISOR, "north_b"), (Role.SUPERVISOR, "north")]
)
def test_administrator_grants_roles_up_to_their_rank_inside_their_subtree(org, admin_north, role, unit):
    user = UserFactory(username="granted")
    unit = getattr(org, unit)
    assignment = role_grant(actor=admin_north, user=user, role=role, unit=unit)
    assert assignment.granted_by == admin_north
    assert [(g.role, g.unit_id) for g in grants_for(user)] == [(role, unit.pk)]
    event = role_events(user).get(action="role.granted")
    assert event.actor == admin_north
    assert event.subject_type == "user" and event.subject_id == str(user.pk)
    assert event.payload["role"] == role
    assert event.payload["unit"] == unit.code


@pytest.mark.parametrize("unit", ["south_a", "south", "central"])
def test_administrator_grants_nothing_outside_their_subtree(org, admin_north, unit):
    user = UserFactory(username="granted")
    with pytest.raises(NotAuthorized):
        role_grant(actor=admin_north, user=user, role=Role.OPERATOR, unit=getattr(org, unit))
    assert not RoleAssignment.objects.filter(user=user).exists()
    assert not role_events(user).exists()


def test_administrator_grants_no_role_above_their_own(org, admin_north):
    user = UserFactory(username="granted")
    with pytest.raises(NotAuthorized):
        role_grant(actor=admin_north, user=user, role=Role.BRANCH_MANAGER, unit=org.north_a)
    assert not RoleAssignment.objects.filter(user=user).exists()


def test_a_branch_administrator_cannot_act_at_the_region(org, make_staff):
    branch_admin = make_staff("adm_na", Role.ADMINISTRATOR, org.north_a)
    user = UserFactory(username="granted")
    with pytest.raises(NotAuthorized):
        role_grant(actor=branch_admin, user=user, role=Role.OPERATOR, unit=org.north)
    with pytest.raises(NotAuthorized):
        staff_account_create(actor=branch_admin, username="newop", password=STRONG, unit=org.north)
    role_grant(actor=branch_admin, user=user, role=Role.OPERATOR, unit=org.north_a)


def test_staff_without_the_administrator_role_grant_nothing(org, team):
    user = UserFactory(username="granted")
    for actor in (team["supervisor"], team["region_supervisor"], team["central_supervisor"]):
        with pytest.raises(NotAuthorized):
            role_grant(actor=actor, user=user, role=Role.OPERATOR, unit=org.north_a)
    assert not RoleAssignment.objects.filter(user=user).exists()


def test_an_expired_administrator_grants_nothing(org):
    former = UserFactory(username="former_adm")
    role_grant(
        actor=None,
        user=former,
        role=Role.ADMINISTRATOR,
        unit=org.north,
        valid_from=dt.date(2000, 1, 1),
        valid_to=today() - dt.timedelta(days=1),
    )
    with pytest.raises(NotAuthorized):
        role_grant(actor=former, user=UserFactory(username="granted"), role=Role.OPERATOR, unit=org.north_a)


def test_administrator_revokes_inside_their_subtree_up_to_their_rank(org, team, admin_north, make_staff):
    operator = team["operator"]
    role_revoke(actor=admin_north, assignment=RoleAssignment.objects.get(user=operator))
    assert grants_for(operator) == []
    event = role_events(operator).get(action="role.revoked")
    assert event.actor == admin_north
    assert event.payload["valid_to"] == (today() - dt.timedelta(days=1)).isoformat()

    with pytest.raises(NotAuthorized):  # outside the subtree
        role_revoke(actor=admin_north, assignment=RoleAssignment.objects.get(user=team["other_operator"]))
    assert grants_for(team["other_operator"])
    manager = make_staff("mgr_na", Role.BRANCH_MANAGER, org.north_a)
    with pytest.raises(NotAuthorized):  # above their rank
        role_revoke(actor=admin_north, assignment=RoleAssignment.objects.get(user=manager))
    assert grants_for(manager)


# --- guardian mirror -----------------------------------------------------------------------------


def object_permissions(user):
    return set(
        UserObjectPermission.objects.filter(user=user).values_list(
            "content_type__app_label", "content_type__model", "permission__codename", "object_pk"
        )
    )


def test_object_permissions_mirror_roles_on_the_unit(org, admin_north):
    supervisor = UserFactory(username="new_sup")
    assert object_permissions(supervisor) == set()
    assignment = role_grant(actor=admin_north, user=supervisor, role=Role.SUPERVISOR, unit=org.north_b)
    unit_pk = str(org.north_b.pk)
    assert object_permissions(supervisor) == {
        ("roles", "orgunit", "work_cases", unit_pk),
        ("roles", "orgunit", "decide_cases", unit_pk),
        ("roles", "orgunit", "reassign_tasks", unit_pk),
    }
    assert supervisor.has_perm("roles.decide_cases", org.north_b)
    assert not supervisor.has_perm("roles.decide_cases", org.north_a)

    operator = UserFactory(username="new_op")
    role_grant(actor=admin_north, user=operator, role=Role.OPERATOR, unit=org.north_a)
    assert object_permissions(operator) == {("roles", "orgunit", "work_cases", str(org.north_a.pk))}

    role_revoke(actor=admin_north, assignment=assignment)
    assert object_permissions(supervisor) == set()
    assert not User.objects.get(pk=supervisor.pk).has_perm("roles.decide_cases", org.north_b)
    assert object_permissions(operator) == {("roles", "orgunit", "work_cases", str(org.north_a.pk))}


def test_revoking_one_of_two_roles_keeps_the_other_roles_permissions(org, admin_north):
    user = UserFactory(username="two_roles")
    first = role_grant(actor=admin_north, user=user, role=Role.SUPERVISOR, unit=org.north_a)
    role_grant(actor=admin_north, user=user, role=Role.OPERATOR, unit=org.north_b)
    role_revoke(actor=admin_north, assignment=first)
    assert object_permissions(user) == {("roles", "orgunit", "work_cases", str(org.north_b.pk))}


def test_a_delegation_is_mirrored_while_it_runs_and_ends_with_it(org, team):
    cover = UserFactory(username="cover")
    delegation = delegation_create(
        actor=team["supervisor"],
        assignment=RoleAssignment.objects.get(user=team["supervisor"]),
        delegate=cover,
        valid_from=today(),
        valid_to=today() + dt.timedelta(days=3),
    )
    assert grants_for(cover)[0].powers >= {Power.DECIDE_CASE}
    na = str(org.north_a.pk)
    assert object_permissions(cover) == {
        ("roles", "orgunit", "work_cases", na),
        ("roles", "orgunit", "decide_cases", na),
        ("roles", "orgunit", "reassign_tasks", na),
    }
    assert User.objects.get(pk=cover.pk).has_perm("roles.decide_cases", org.north_a)
    delegation_revoke(actor=team["supervisor"], delegation=delegation)
    assert object_permissions(cover) == set()
    assert not User.objects.get(pk=cover.pk).has_perm("roles.decide_cases", org.north_a)


def test_no_object_permission_ever_references_a_case(org, team, insured):
    claim = marriage_claim(insured)
    recommend(claim, team["operator"])
    services.claim_decide(case_id=claim.pk, actor=team["supervisor"], approve=True)
    services.claim_pay_due(case_id=claim.pk)
    case_types = [ContentType.objects.get_for_model(m) for m in (Case, BenefitClaim)]
    assert UserObjectPermission.objects.exists()
    assert not UserObjectPermission.objects.filter(content_type__in=case_types).exists()
    assert not GroupObjectPermission.objects.filter(content_type__in=case_types).exists()
    unit_type = ContentType.objects.get_for_model(OrgUnit)
    assert set(UserObjectPermission.objects.values_list("content_type", flat=True)) == {unit_type.pk}
    assert ("roles", "orgunit", "decide_cases", str(org.north_a.pk)) in object_permissions(team["supervisor"])
