"""Administrators of the test organisation: one per region, one at the central office, one at a branch."""

import pytest

from roles.models import Role
from tests.conftest import staff

STRONG = "plum-velvet-orbit-1987"


@pytest.fixture
def admins(org):
    return {
        "north": staff("adm_n", Role.ADMINISTRATOR, org.north),
        "south": staff("adm_s", Role.ADMINISTRATOR, org.south),
        "central": staff("adm_hq", Role.ADMINISTRATOR, org.central),
        "north_a": staff("adm_na", Role.ADMINISTRATOR, org.north_a),
    }


@pytest.fixture
def admin_client(client, admins):
    """A client signed in as the North region's administrator."""
    client.force_login(admins["north"])
    return client
