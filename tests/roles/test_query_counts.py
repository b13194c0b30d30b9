"""The permission selectors cost a fixed number of queries, however many roles a user holds."""

import datetime as dt
from decimal import Decimal

import pytest

from roles.errors import AuthorityLimitExceeded
from roles.models import Level, Role, RoleAssignment
from roles.powers import Power
from roles.selectors import authorize, grants_for, unit_ids_where
from roles.services import delegation_create, org_unit_create
from tests.conftest import LIMIT_FROM, REGION_LIMIT
from tests.factories import UserFactory

from .conftest import today

pytestmark = pytest.mark.django_db


@pytest.fixture
def holder(org):
    return UserFactory(username="holder")


def give(org, user, n):
    """``n`` supervisor roles at new branches of the North region, at the region itself, and
    ``n`` delegated supervisor roles at new branches of the South region."""
    units = [
        org_unit_create(code=f"NX{i}", name=f"North extra {i}", level=Level.BRANCH, parent=org.north) for i in range(n)
    ]
    RoleAssignment.objects.bulk_create(
        [RoleAssignment(user=user, role=Role.SUPERVISOR, org_unit=u, valid_from=LIMIT_FROM) for u in units]
        + [RoleAssignment(user=user, role=Role.SUPERVISOR, org_unit=org.north, valid_from=LIMIT_FROM)]
    )
    for i in range(n):
        lender = UserFactory(username=f"lender{i}")
        unit = org_unit_create(code=f"SX{i}", name=f"South extra {i}", level=Level.BRANCH, parent=org.south)
        assignment = RoleAssignment.objects.create(
            user=lender, role=Role.SUPERVISOR, org_unit=unit, valid_from=LIMIT_FROM
        )
        delegation_create(
            actor=lender,
            assignment=assignment,
            delegate=user,
            valid_from=today(),
            valid_to=today() + dt.timedelta(days=5),
        )
    return units


@pytest.mark.parametrize("n", [1, 15])
def test_grants_for_costs_two_queries(org, holder, django_assert_num_queries, n):
    give(org, holder, n)
    with django_assert_num_queries(2):
        grants = grants_for(holder)
    assert len(grants) == 2 * n + 1
    assert sum(1 for g in grants if g.on_behalf_of_id is not None) == n


@pytest.mark.parametrize("n", [1, 15])
def test_authorize_costs_a_fixed_number_of_queries(org, holder, django_assert_num_queries, n):
    units = give(org, holder, n)
    with django_assert_num_queries(2):
        grant = authorize(holder, Power.DECIDE_CASE, unit=units[-1])
    assert grant.unit_id == units[-1].pk  # the nearest of the two roles covering the unit
    with django_assert_num_queries(3):
        grant = authorize(holder, Power.DECIDE_CASE, unit=units[-1], amount=REGION_LIMIT)
    assert grant.unit_id == org.north.pk  # the branch limit is too low; the region's covers it
    # Every candidate fails the limit: still one query for all the limits.
    with django_assert_num_queries(3), pytest.raises(AuthorityLimitExceeded):
        authorize(holder, Power.DECIDE_CASE, unit=units[-1], amount=REGION_LIMIT + Decimal("0.01"))


@pytest.mark.parametrize("n", [1, 15])
def test_unit_ids_where_costs_three_queries(org, holder, django_assert_num_queries, n):
    units = give(org, holder, n)
    with django_assert_num_queries(3):
        ids = unit_ids_where(holder, Power.VIEW_CASE)
    assert {u.pk for u in units} | {org.north.pk, org.north_a.pk, org.north_b.pk} <= ids
    assert org.south_a.pk not in ids and org.central.pk not in ids
    assert len(ids) == 3 + 2 * n


def test_unit_ids_where_without_any_grant_stops_early(org, holder, django_assert_num_queries):
    with django_assert_num_queries(2):
        assert unit_ids_where(holder, Power.VIEW_CASE) == set()
