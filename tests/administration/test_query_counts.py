"""The administration list pages read a fixed number of queries, however many units, people,
delegations or limits there are: each runs with a small and a ten times larger data set."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from roles.models import Level, Role, RoleAssignment
from roles.selectors import today
from roles.services import authority_limit_set, delegation_create, org_unit_create
from tests.conftest import staff

pytestmark = pytest.mark.django_db

SIZES = [3, 30]

# session, user, the administrator's grants (roles, delegations: the menu), guardian's rows (the
# subtrees administered); then what the page reads:
BASE = 5
# units of the subtree, staff per unit (one grouped query), the parent choices of the new unit form
UNITS_QUERIES = BASE + 3
# the unit choices of the filter, the page of people, their roles in force with their units
STAFF_QUERIES = BASE + 3
# ... and the chosen unit, read when the filter is checked
STAFF_FILTERED_QUERIES = STAFF_QUERIES + 1
# the page of delegations with their roles, units, holders and delegates
DELEGATIONS_QUERIES = BASE + 1
# the limits
LIMITS_QUERIES = BASE + 1
# the person, their roles with units and granters, their delegations, the unit choices of the grant form
STAFF_DETAIL_QUERIES = BASE + 4


def populate(org, n):
    """``n`` branches in the North with an operator each, ``n`` delegations, ``n`` limits; the same in the South."""
    people = []
    for region, prefix in ((org.north, "N"), (org.south, "S")):
        for i in range(n):
            unit = org_unit_create(code=f"{prefix}X{i}", name=f"{prefix} extra {i}", level=Level.BRANCH, parent=region)
            people.append(staff(f"op_{prefix.lower()}x{i}", Role.OPERATOR, unit))
    north_people = people[:n]
    holder = staff("sup_many", Role.SUPERVISOR, org.north_a)
    holding = RoleAssignment.objects.get(user=holder)
    for i, person in enumerate(north_people):
        delegation_create(
            actor=holder,
            assignment=holding,
            delegate=person,
            valid_from=today() + dt.timedelta(days=i),
            valid_to=today() + dt.timedelta(days=i + 2),
        )
        # the same person given a second role at the North A branch: two rows on their page
        RoleAssignment.objects.create(user=person, role=Role.FINANCE_OFFICER, org_unit=org.north_a, valid_from=today())
    for i in range(n):
        authority_limit_set(
            actor=None,
            role=Role.SUPERVISOR,
            level=Level.BRANCH,
            amount=Decimal(1000 + i),
            valid_from=dt.date(2031, 1, 1 + i % 28) + dt.timedelta(days=31 * (i // 28)),
        )
    return holder


@pytest.mark.parametrize("n", SIZES)
def test_units_page_query_count(client, org, admins, n, django_assert_num_queries):
    populate(org, n)
    client.force_login(admins["north"])
    with django_assert_num_queries(UNITS_QUERIES):
        response = client.get(reverse("admin_units"))
    assert response.content.decode().count('class="unit-row"') == 3 + n


@pytest.mark.parametrize("n", SIZES)
def test_staff_page_query_count(client, org, admins, n, django_assert_num_queries):
    populate(org, n)
    client.force_login(admins["north"])
    with django_assert_num_queries(STAFF_QUERIES):
        response = client.get(reverse("admin_staff"))
    assert response.content.decode().count('class="staff-row"') == n + 3  # the extra operators, sup_many, adm_n, adm_na
    with django_assert_num_queries(STAFF_FILTERED_QUERIES):
        response = client.get(reverse("admin_staff"), {"unit": org.north_a.pk, "name": "op"})
    assert response.content.decode().count('class="staff-row"') == n


@pytest.mark.parametrize("n", SIZES)
def test_delegations_page_query_count(client, org, admins, n, django_assert_num_queries):
    populate(org, n)
    client.force_login(admins["north"])
    with django_assert_num_queries(DELEGATIONS_QUERIES):
        response = client.get(reverse("admin_delegations"))
    assert response.content.decode().count('class="delegation-row"') == n


@pytest.mark.parametrize("n", SIZES)
def test_limits_page_query_count(client, org, admins, n, django_assert_num_queries):
    populate(org, n)
    client.force_login(admins["central"])
    with django_assert_num_queries(LIMITS_QUERIES):
        response = client.get(reverse("admin_limits"))
    assert response.content.decode().count('class="limit-row"') == 6 + n


@pytest.mark.parametrize("n", SIZES)
def test_staff_detail_query_count(client, org, admins, n, django_assert_num_queries):
    holder = populate(org, n)
    client.force_login(admins["north"])
    with django_assert_num_queries(STAFF_DETAIL_QUERIES):
        response = client.get(reverse("admin_staff_detail", args=[holder.pk]))
    assert response.content.decode().count('class="delegation-row"') == n
