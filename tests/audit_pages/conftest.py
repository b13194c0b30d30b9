import pytest

from roles.models import Role
from tests.backoffice.conftest import file_claims
from tests.conftest import make_insured, staff


@pytest.fixture
def auditors(org):
    """An auditor at the central office (the whole trail) and one per region."""
    return {
        "central": staff("aud_hq", Role.AUDITOR, org.central),
        "north": staff("aud_n", Role.AUDITOR, org.north),
        "south": staff("aud_s", Role.AUDITOR, org.south),
    }


@pytest.fixture
def north_claim(org):
    return file_claims(make_insured(org.north_a), 1)[0]


@pytest.fixture
def south_claim(org):
    return file_claims(make_insured(org.south_a), 1)[0]
