"""The administration pages on the demo office: the central office's administrator reaches every
unit and person, a region's administrator their region only."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from roles.models import OrgUnit, RoleAssignment

pytestmark = pytest.mark.django_db


def test_demo_administrators_see_their_part_of_the_office(client):
    call_command("seed_demo", stdout=io.StringIO())
    users = get_user_model().objects
    north_member = users.get(username="operator1.riverside")
    south_member = users.get(username="operator1.harbour")

    client.force_login(users.get(username="admin.central"))
    tree = client.get(reverse("admin_units")).content.decode()
    assert tree.count('class="unit-row"') == OrgUnit.objects.count()
    for name in ("admin_staff", "admin_delegations", "admin_limits", "admin_staff_create"):
        assert client.get(reverse(name)).status_code == 200, name
    assert 'action="' + reverse("admin_limit_set") in client.get(reverse("admin_limits")).content.decode()
    for member in (north_member, south_member):
        assert client.get(reverse("admin_staff_detail", args=[member.pk])).status_code == 200

    client.force_login(users.get(username="admin.northern"))
    tree = client.get(reverse("admin_units")).content.decode()
    assert 'data-code="RN-RIV"' in tree and 'data-code="RS-HAR"' not in tree
    staff_page = client.get(reverse("admin_staff"), {"name": "operator1"}).content.decode()
    assert "operator1.riverside" in staff_page and "operator1.harbour" not in staff_page
    assert client.get(reverse("admin_staff_detail", args=[north_member.pk])).status_code == 200
    assert client.get(reverse("admin_staff_detail", args=[south_member.pk])).status_code == 404
    south_role = RoleAssignment.objects.filter(user=south_member).first()
    assert client.post(reverse("admin_role_revoke", args=[south_role.pk])).status_code == 404
    assert 'action="' + reverse("admin_limit_set") not in client.get(reverse("admin_limits")).content.decode()
