"""django-guardian is the read path of unit-level permissions: ``user.has_perm(perm, unit)`` and the
pickers of people who may do a task read its rows, a permission on a unit reaches the unit's
subtree, and the rows follow dated roles and delegations within a minute."""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from guardian.models import UserObjectPermission

from cases.selectors import staff_who_may
from roles.models import OrgUnit, Role, RoleAssignment
from roles.powers import Power
from roles.selectors import today
from roles.services import delegation_create, role_grant
from roles.tasks import refresh_object_permissions
from tests.conftest import LIMIT_FROM, staff
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
User = get_user_model()


def fresh(user):
    """The account as a new request would load it (nothing read of its permissions yet)."""
    return User.objects.get(pk=user.pk)


def next_local_midnight(plus_seconds=30):
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    return dt.datetime.combine(today() + dt.timedelta(days=1), dt.time(0, 0, plus_seconds), zone)


def test_a_permission_on_a_unit_reaches_its_subtree_and_nothing_else(org, team):
    region = fresh(team["region_supervisor"])
    assert region.has_perm("roles.decide_cases", org.north)
    assert region.has_perm("roles.decide_cases", org.north_a)
    assert region.has_perm("roles.work_cases", org.north_b)
    assert not region.has_perm("roles.decide_cases", org.south_a)
    assert not region.has_perm("roles.decide_cases", org.central)
    operator = fresh(team["operator"])
    assert operator.has_perm("roles.work_cases", org.north_a)
    assert not operator.has_perm("roles.decide_cases", org.north_a)
    assert not operator.has_perm("roles.work_cases", org.north_b)


def test_the_backend_reads_the_rows_once_per_account(org, team, django_assert_num_queries):
    user = fresh(team["central_supervisor"])
    ContentType.objects.get_for_model(OrgUnit)  # Django caches content types for the process
    with django_assert_num_queries(1):
        for unit in (org.central, org.north, org.north_a, org.south, org.south_b):
            assert user.has_perm("roles.decide_cases", unit)


def test_removing_a_row_removes_the_access(org, team):
    supervisor = team["supervisor"]
    assert "sup_na" in {u.username for u in staff_who_may(Power.DECIDE_CASE, org.north_a)}
    UserObjectPermission.objects.filter(user=supervisor, permission__codename="decide_cases").delete()
    assert not fresh(supervisor).has_perm("roles.decide_cases", org.north_a)
    assert fresh(supervisor).has_perm("roles.work_cases", org.north_a)
    assert "sup_na" not in {u.username for u in staff_who_may(Power.DECIDE_CASE, org.north_a)}


def test_a_dated_role_takes_effect_within_a_minute_of_its_first_day(org):
    newcomer = UserFactory(username="newcomer")
    role_grant(
        actor=None, user=newcomer, role=Role.SUPERVISOR, unit=org.north_b, valid_from=today() + dt.timedelta(days=1)
    )
    assert not fresh(newcomer).has_perm("roles.decide_cases", org.north_b)
    with time_machine.travel(next_local_midnight(), tick=False):
        refresh_object_permissions.apply().get()
        assert fresh(newcomer).has_perm("roles.decide_cases", org.north_b)
        assert "newcomer" in {u.username for u in staff_who_may(Power.DECIDE_CASE, org.north_b)}


def test_a_delegation_ends_within_a_minute_of_its_last_day(org, team):
    cover = UserFactory(username="cover")
    role_grant(actor=None, user=cover, role=Role.OPERATOR, unit=org.north_a, valid_from=LIMIT_FROM)
    delegation_create(
        actor=team["supervisor"],
        assignment=RoleAssignment.objects.get(user=team["supervisor"]),
        delegate=cover,
        valid_from=today(),
        valid_to=today(),
    )
    assert fresh(cover).has_perm("roles.decide_cases", org.north_a)
    with time_machine.travel(next_local_midnight(), tick=False):
        refresh_object_permissions.apply().get()
        assert not fresh(cover).has_perm("roles.decide_cases", org.north_a)
        assert fresh(cover).has_perm("roles.work_cases", org.north_a)  # the own role stays


def test_beat_refreshes_the_rows_every_minute():
    entry = settings.CELERY_BEAT_SCHEDULE["object-permissions"]
    assert entry["task"] == refresh_object_permissions.name
    assert entry["schedule"] <= 60


def page_status(user, url):
    client = Client()
    client.force_login(user)
    return client.get(url)


def test_queues_supervision_and_administration_read_the_rows(org, team, insured):
    """The queue's scope, the supervisor's unit picker and the administration pages ask guardian:
    a row removed takes the access with it, though the role itself is unchanged."""
    from cases import selectors
    from tests.backoffice.conftest import file_claims

    (claim,) = file_claims(insured, 1)
    operator, supervisor = team["operator"], team["supervisor"]
    assert [t.process.case.pk for t in selectors.unit_queue(fresh(operator)).rows] == [claim.pk]
    UserObjectPermission.objects.filter(user=operator, permission__codename="work_cases").delete()
    assert selectors.unit_queue(fresh(operator)).rows == []
    assert claim.reference not in page_status(operator, "/queue/").content.decode()

    assert page_status(supervisor, "/team/").status_code == 200
    UserObjectPermission.objects.filter(
        user=supervisor, permission__codename__in=["reassign_tasks", "decide_cases"]
    ).delete()
    assert page_status(supervisor, "/team/").status_code == 403

    admin = staff("adm_n", Role.ADMINISTRATOR, org.north)
    assert page_status(admin, "/administration/").status_code == 200
    UserObjectPermission.objects.filter(user=admin, permission__codename="manage_staff").delete()
    assert page_status(admin, "/administration/").status_code == 403
    assert RoleAssignment.objects.filter(user=admin, role=Role.ADMINISTRATOR).exists()


def test_a_supervisor_holds_the_reassign_row_where_the_role_gives_it(org, team):
    assert fresh(team["supervisor"]).has_perm("roles.reassign_tasks", org.north_a)
    assert not fresh(team["operator"]).has_perm("roles.reassign_tasks", org.north_a)
    assert fresh(team["region_supervisor"]).has_perm("roles.reassign_tasks", org.north_b)
