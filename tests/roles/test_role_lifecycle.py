"""Self-granting, withdrawing a delegation, and roles taking effect by their dates in the guardian mirror."""

import datetime as dt

import pytest
from django.utils import timezone
from guardian.models import UserObjectPermission

from audit.models import AuditEvent
from roles.errors import InvalidInput, NotAuthorized
from roles.models import Role, RoleAssignment
from roles.powers import Power
from roles.selectors import grants_for, may
from roles.services import delegation_create, delegation_revoke, object_permissions_refresh, role_grant
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_an_administrator_cannot_grant_a_role_to_themselves(org, make_staff):
    admin = make_staff("adm_self", Role.ADMINISTRATOR, org.north)
    with pytest.raises(NotAuthorized):
        role_grant(actor=admin, user=admin, role=Role.SUPERVISOR, unit=org.north_a)
    assert not RoleAssignment.objects.filter(user=admin, role=Role.SUPERVISOR).exists()
    colleague = UserFactory(username="colleague")
    role_grant(actor=admin, user=colleague, role=Role.SUPERVISOR, unit=org.north_a)
    assert may(colleague, Power.DECIDE_CASE, unit=org.north_a)


def test_a_withdrawn_delegation_gives_nothing_and_is_recorded(org, make_staff):
    supervisor = make_staff("sup_leave", Role.SUPERVISOR, org.north_a)
    cover = make_staff("cover", Role.OPERATOR, org.north_a)
    today = timezone.localdate()
    delegation = delegation_create(
        actor=supervisor,
        assignment=supervisor.role_assignments.get(),
        delegate=cover,
        valid_from=today,
        valid_to=today + dt.timedelta(days=10),
    )
    assert may(cover, Power.DECIDE_CASE, unit=org.north_a)

    stranger = make_staff("op_other", Role.OPERATOR, org.north_a)
    with pytest.raises(NotAuthorized):
        delegation_revoke(actor=stranger, delegation=delegation)

    delegation_revoke(actor=supervisor, delegation=delegation)
    assert not may(cover, Power.DECIDE_CASE, unit=org.north_a)
    assert all(g.on_behalf_of_id is None for g in grants_for(cover))
    event = AuditEvent.objects.filter(subject_type="user", subject_id=str(cover.pk)).order_by("-seq").first()
    assert event.action == "delegation.revoked" and event.actor_id == supervisor.pk
    with pytest.raises(InvalidInput):
        delegation_revoke(actor=supervisor, delegation=delegation)


def test_a_role_starting_later_reaches_the_guardian_mirror_on_its_first_day(org, monkeypatch):
    user = UserFactory(username="starter")
    start = timezone.localdate() + dt.timedelta(days=3)
    role_grant(actor=None, user=user, role=Role.SUPERVISOR, unit=org.north_a, valid_from=start)
    perms = UserObjectPermission.objects.filter(user=user)
    assert not perms.exists()

    assert object_permissions_refresh(on=start - dt.timedelta(days=2)) == 0
    assert not perms.exists()
    # On its first day the daily job mirrors it (the selectors read the dates themselves).
    monkeypatch.setattr("roles.selectors.today", lambda: start)
    object_permissions_refresh(on=start)
    codenames = set(perms.values_list("permission__codename", flat=True))
    assert {"work_cases", "decide_cases"} <= codenames
