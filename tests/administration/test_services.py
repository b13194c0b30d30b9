"""The rules of administration live in roles.services: each refusal, and the audit event of each change."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from audit.models import AuditEvent
from roles.errors import InvalidInput, NotAuthorized
from roles.models import AuthorityLimit, Delegation, Level, OrgUnit, Role, RoleAssignment
from roles.powers import Power
from roles.selectors import authority_limit, grants_for, sets_authority_limits, staff_roots, today
from roles.services import (
    authority_limit_set,
    delegation_create,
    delegation_revoke,
    org_unit_create,
    role_grant,
    staff_account_open,
    staff_account_set_active,
)
from tests.conftest import staff
from tests.factories import UserFactory

from .conftest import STRONG

pytestmark = pytest.mark.django_db
User = get_user_model()


def events(action, **kwargs):
    return list(AuditEvent.objects.filter(action=action, **kwargs).order_by("seq"))


# --- Org units --------------------------------------------------------------------------------------


def test_an_administrator_creates_a_branch_under_their_region(org, admins):
    unit = org_unit_create(
        actor=admins["north"], code="NC", name="North C branch", level=Level.BRANCH, parent=org.north
    )
    assert unit.parent == org.north and unit.path.startswith(org.north.path)
    [event] = events("org_unit.created", subject_id=str(unit.pk))
    assert event.actor == admins["north"]
    assert event.payload == {"code": "NC", "name": "North C branch", "level": "branch", "parent": "N"}


@pytest.mark.parametrize("parent", ["south", "central"])
def test_no_unit_is_created_outside_the_administrators_subtree(org, admins, parent):
    with pytest.raises(NotAuthorized):
        org_unit_create(actor=admins["north"], code="X1", name="X", level=Level.BRANCH, parent=getattr(org, parent))
    assert not OrgUnit.objects.filter(code="X1").exists()
    assert not events("org_unit.created", actor=admins["north"])


def test_a_branch_administrator_creates_no_unit_under_the_region(org, admins):
    with pytest.raises(NotAuthorized):
        org_unit_create(actor=admins["north_a"], code="X1", name="X", level=Level.BRANCH, parent=org.north)


@pytest.mark.parametrize(("level", "parent"), [(Level.BRANCH, "north_a"), (Level.REGION, "north")])
def test_a_unit_goes_one_level_below_its_parent(org, admins, level, parent):
    actor = admins["north_a"] if parent == "north_a" else admins["north"]
    with pytest.raises(InvalidInput) as refused:
        org_unit_create(actor=actor, code="X1", name="X", level=level, parent=getattr(org, parent))
    assert refused.value.field == "level"
    assert not OrgUnit.objects.filter(code="X1").exists()


def test_an_administrator_always_names_the_parent_and_a_free_code(org, admins):
    with pytest.raises(InvalidInput) as refused:
        org_unit_create(actor=admins["central"], code="X1", name="X", level=Level.REGION)
    assert refused.value.field == "parent"
    with pytest.raises(InvalidInput) as refused:
        org_unit_create(actor=admins["central"], code="N", name="X", level=Level.REGION, parent=org.central)
    assert refused.value.field == "code"
    region = org_unit_create(
        actor=admins["central"], code="E", name="East region", level=Level.REGION, parent=org.central
    )
    assert region.level == Level.REGION


# --- Accounts ---------------------------------------------------------------------------------------


def test_an_account_is_opened_with_its_first_role(org, admins):
    user = staff_account_open(
        actor=admins["north"], username="newop", password=STRONG, unit=org.north_b, role=Role.OPERATOR
    )
    assert [(g.role, g.unit_id) for g in grants_for(user)] == [(Role.OPERATOR, org.north_b.pk)]
    assert [e.action for e in AuditEvent.objects.filter(subject_type="user", subject_id=str(user.pk))] == [
        "user.created",
        "role.granted",
    ]


@pytest.mark.parametrize(("role", "unit"), [(Role.BRANCH_MANAGER, "north_a"), (Role.OPERATOR, "south_a")])
def test_a_refused_first_role_leaves_no_account(org, admins, role, unit):
    with pytest.raises(NotAuthorized):
        staff_account_open(actor=admins["north"], username="newop", password=STRONG, unit=getattr(org, unit), role=role)
    assert not User.objects.filter(username="newop").exists()


def test_an_administrator_deactivates_and_reactivates_an_account(org, team, admins):
    operator = team["operator"]
    staff_account_set_active(actor=admins["north"], user=operator, active=False)
    operator.refresh_from_db()
    assert not operator.is_active
    assert grants_for(operator) == []
    staff_account_set_active(actor=admins["north"], user=operator, active=True)
    operator.refresh_from_db()
    assert operator.is_active and grants_for(operator)
    actions = [e.action for e in events("user.deactivated") + events("user.reactivated")]
    assert actions == ["user.deactivated", "user.reactivated"]
    assert {e.actor for e in events("user.deactivated") + events("user.reactivated")} == {admins["north"]}
    assert events("user.deactivated")[0].org_unit_id == org.north_a.pk


def test_nobody_deactivates_their_own_account(org, admins):
    with pytest.raises(NotAuthorized):
        staff_account_set_active(actor=admins["north"], user=admins["north"], active=False)
    admins["north"].refresh_from_db()
    assert admins["north"].is_active
    assert not events("user.deactivated")


def test_no_account_outside_the_subtree_is_deactivated(org, team, admins):
    with pytest.raises(NotAuthorized):
        staff_account_set_active(actor=admins["north"], user=team["other_operator"], active=False)
    # A person holding a role in the North and one in the South is out of a North administrator's reach.
    both = team["operator2"]
    role_grant(actor=None, user=both, role=Role.OPERATOR, unit=org.south_b)
    with pytest.raises(NotAuthorized):
        staff_account_set_active(actor=admins["north"], user=both, active=False)
    assert User.objects.filter(pk__in=[both.pk, team["other_operator"].pk], is_active=True).count() == 2
    staff_account_set_active(actor=admins["central"], user=both, active=False)


def test_no_account_holding_a_role_above_the_administrators_is_deactivated(org, admins):
    manager = staff("mgr_na", Role.BRANCH_MANAGER, org.north_a)
    with pytest.raises(NotAuthorized):
        staff_account_set_active(actor=admins["north"], user=manager, active=False)
    manager.refresh_from_db()
    assert manager.is_active


def test_deactivating_an_inactive_account_is_refused(org, team, admins):
    staff_account_set_active(actor=admins["north"], user=team["operator"], active=False)
    with pytest.raises(InvalidInput):
        staff_account_set_active(actor=admins["north"], user=team["operator"], active=False)
    assert len(events("user.deactivated")) == 1


def test_an_account_whose_roles_ended_stays_in_reach_of_its_former_administrator(org, admins):
    former = UserFactory(username="former")
    role_grant(
        actor=None,
        user=former,
        role=Role.OPERATOR,
        unit=org.north_a,
        valid_from=dt.date(2020, 1, 1),
        valid_to=dt.date(2021, 1, 1),
    )
    staff_account_set_active(actor=admins["north"], user=former, active=False)
    with pytest.raises(NotAuthorized):
        staff_account_set_active(actor=admins["south"], user=former, active=True)


# --- Delegations recorded by an administrator -------------------------------------------------------


def supervisor_assignment(team):
    return RoleAssignment.objects.get(user=team["supervisor"])


def test_an_administrator_records_a_delegation_for_a_holder(org, team, admins):
    delegation = delegation_create(
        actor=admins["north"],
        assignment=supervisor_assignment(team),
        delegate=team["supervisor2"],
        valid_from=today(),
        valid_to=today() + dt.timedelta(days=10),
        powers=[Power.DECIDE_CASE],
        reason="Annual leave",
    )
    [grant] = [g for g in grants_for(team["supervisor2"]) if g.on_behalf_of_id]
    assert grant.on_behalf_of_id == team["supervisor"].pk and grant.powers == {Power.DECIDE_CASE}
    [event] = events("delegation.created")
    assert event.actor == admins["north"]
    assert event.payload["delegator"] == "sup_na"
    assert event.payload["reason"] == "Annual leave"
    delegation_revoke(actor=admins["north"], delegation=delegation)
    assert events("delegation.revoked")[0].actor == admins["north"]
    assert [g for g in grants_for(team["supervisor2"]) if g.on_behalf_of_id] == []


def test_an_administrator_of_another_region_records_no_delegation(org, team, admins):
    with pytest.raises(NotAuthorized):
        delegation_create(
            actor=admins["south"],
            assignment=supervisor_assignment(team),
            delegate=team["supervisor2"],
            valid_from=today(),
            valid_to=today(),
        )
    assert not Delegation.objects.exists()


def test_the_delegate_belongs_to_the_administrators_subtree(org, team, admins):
    with pytest.raises(NotAuthorized) as refused:
        delegation_create(
            actor=admins["north"],
            assignment=supervisor_assignment(team),
            delegate=team["other_operator"],
            valid_from=today(),
            valid_to=today(),
        )
    assert refused.value.field == "delegate"
    assert not Delegation.objects.exists()


def test_an_administrator_records_no_delegation_to_themselves(org, team, admins):
    with pytest.raises(InvalidInput) as refused:
        delegation_create(
            actor=admins["north"],
            assignment=supervisor_assignment(team),
            delegate=admins["north"],
            valid_from=today(),
            valid_to=today(),
        )
    assert refused.value.field == "delegate"
    assert not Delegation.objects.exists()


def test_an_administrator_delegates_no_role_above_their_own(org, team, admins):
    manager = staff("mgr_na", Role.BRANCH_MANAGER, org.north_a)
    with pytest.raises(NotAuthorized):
        delegation_create(
            actor=admins["north"],
            assignment=RoleAssignment.objects.get(user=manager),
            delegate=team["supervisor"],
            valid_from=today(),
            valid_to=today(),
        )
    delegation = delegation_create(
        actor=manager,
        assignment=RoleAssignment.objects.get(user=manager),
        delegate=team["supervisor"],
        valid_from=today(),
        valid_to=today(),
    )
    with pytest.raises(NotAuthorized):
        delegation_revoke(actor=admins["north"], delegation=delegation)
    assert Delegation.objects.get().revoked_at is None


def test_an_administrator_of_another_region_withdraws_no_delegation(org, team, admins):
    delegation = delegation_create(
        actor=team["supervisor"],
        assignment=supervisor_assignment(team),
        delegate=team["supervisor2"],
        valid_from=today(),
        valid_to=today(),
    )
    with pytest.raises(NotAuthorized):
        delegation_revoke(actor=admins["south"], delegation=delegation)
    assert Delegation.objects.get().revoked_at is None


# --- Authority limits -------------------------------------------------------------------------------


def test_an_administrator_of_the_central_office_sets_limits(org, admins):
    start = today() + dt.timedelta(days=30)
    limit = authority_limit_set(
        actor=admins["central"], role=Role.SUPERVISOR, level=Level.BRANCH, amount=Decimal("7500.50"), valid_from=start
    )
    assert limit.amount == Decimal("7500.50")
    assert authority_limit(Role.SUPERVISOR, Level.BRANCH, start) == (True, Decimal("7500.50"))
    [event] = events("authority_limit.set", actor=admins["central"])
    assert event.subject_id == "supervisor.branch"
    assert event.payload == {"amount": "7500.50", "valid_from": start.isoformat()}


@pytest.mark.parametrize("who", ["north", "north_a", "central_supervisor"])
def test_nobody_below_the_central_office_administration_sets_limits(org, team, admins, who):
    actor = team[who] if who in team else admins[who]
    assert not sets_authority_limits(actor)
    with pytest.raises(NotAuthorized):
        authority_limit_set(
            actor=actor, role=Role.SUPERVISOR, level=Level.BRANCH, amount=Decimal("1.00"), valid_from=today()
        )
    assert not AuthorityLimit.objects.filter(amount=Decimal("1.00")).exists()


def test_only_staff_management_at_the_central_office_counts_for_limits(org, admins):
    # A region's administrator who also supervises at the central office still sets no limit.
    role_grant(actor=None, user=admins["north"], role=Role.SUPERVISOR, unit=org.central)
    assert not sets_authority_limits(admins["north"])
    with pytest.raises(NotAuthorized):
        authority_limit_set(
            actor=admins["north"], role=Role.OPERATOR, level=Level.BRANCH, amount=None, valid_from=today()
        )
    assert sets_authority_limits(admins["central"])


def test_a_limit_is_never_set_in_the_past_nor_negative(org, admins):
    with pytest.raises(InvalidInput) as refused:
        authority_limit_set(
            actor=admins["central"],
            role=Role.SUPERVISOR,
            level=Level.BRANCH,
            amount=Decimal("1.00"),
            valid_from=today() - dt.timedelta(days=1),
        )
    assert refused.value.field == "valid_from"
    with pytest.raises(InvalidInput) as refused:
        authority_limit_set(
            actor=admins["central"],
            role=Role.SUPERVISOR,
            level=Level.BRANCH,
            amount=Decimal("-1.00"),
            valid_from=today(),
        )
    assert refused.value.field == "amount"
    assert not events("authority_limit.set", actor=admins["central"])


def test_staff_roots_keep_only_the_topmost_units(org, admins):
    role_grant(actor=None, user=admins["north_a"], role=Role.ADMINISTRATOR, unit=org.north)
    assert staff_roots(admins["north_a"]) == [org.north.path]
    assert staff_roots(admins["south"]) == [org.south.path]
