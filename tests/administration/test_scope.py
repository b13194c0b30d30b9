"""Every administration URL that takes an object id answers 404 to an administrator of another
region or branch, exactly as for an id that does not exist, and changes nothing."""

import datetime as dt

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from roles.models import Delegation, Role, RoleAssignment
from roles.selectors import today
from roles.services import delegation_create

pytestmark = pytest.mark.django_db

MISSING = 999_999


@pytest.fixture
def objects(org, team):
    """A person, a role and a delegation of the North A branch."""
    assignment = RoleAssignment.objects.get(user=team["supervisor"])
    delegation = delegation_create(
        actor=team["supervisor"],
        assignment=assignment,
        delegate=team["supervisor2"],
        valid_from=today(),
        valid_to=today() + dt.timedelta(days=3),
    )
    return {"user": team["supervisor"].pk, "assignment": assignment.pk, "delegation": delegation.pk}


# (method, URL name, which object id, POST data)
URLS = [
    ("get", "admin_staff_detail", "user", None),
    ("post", "admin_staff_grant", "user", {"role": Role.OPERATOR, "unit": ""}),
    ("post", "admin_staff_active", "user", {"active": "0"}),
    ("post", "admin_role_revoke", "assignment", {}),
    ("get", "admin_role_delegate", "assignment", None),
    (
        "post",
        "admin_role_delegate",
        "assignment",
        {"delegate": "sup2_na", "valid_from": "2030-01-01", "valid_to": "2030-01-02"},
    ),
    ("post", "admin_delegation_revoke", "delegation", {}),
]


def call(client, method, name, pk, data):
    url = reverse(name, args=[pk])
    return client.get(url) if method == "get" else client.post(url, data)


def snapshot():
    return (
        list(RoleAssignment.objects.values_list("pk", "valid_to").order_by("pk")),
        list(Delegation.objects.values_list("pk", "revoked_at").order_by("pk")),
        AuditEvent.objects.count(),
    )


@pytest.mark.parametrize(("method", "name", "kind", "data"), URLS, ids=[f"{u[0]}-{u[1]}" for u in URLS])
@pytest.mark.parametrize("outsider", ["south", "north_b_admin"])
def test_an_administrator_elsewhere_gets_404(client, org, admins, objects, method, name, kind, data, outsider):
    if outsider == "north_b_admin":
        from tests.conftest import staff

        actor = staff("adm_nb", Role.ADMINISTRATOR, org.north_b)
    else:
        actor = admins["south"]
    client.force_login(actor)
    before = snapshot()
    assert call(client, method, name, objects[kind], data).status_code == 404
    assert call(client, method, name, MISSING, data).status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize(("method", "name", "kind", "data"), URLS, ids=[f"{u[0]}-{u[1]}" for u in URLS])
def test_the_administrator_of_the_region_reaches_them(client, admins, objects, method, name, kind, data):
    client.force_login(admins["north"])
    assert call(client, method, name, objects[kind], data).status_code in (200, 302, 422)
