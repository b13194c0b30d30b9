import pytest

from cases import services
from roles.models import Role
from tests.backoffice.conftest import file_claims, recommend, south_insured  # noqa: F401 - fixtures
from tests.conftest import staff


def held_by(person, operator, n):
    """``n`` claims of ``person`` filed and taken by ``operator`` (open review tasks they hold)."""
    claims = file_claims(person, n)
    for claim in claims:
        services.task_take(case_id=claim.pk, actor=operator)
    return claims


@pytest.fixture
def south_supervisor(org):
    return staff("sup_sa", Role.SUPERVISOR, org.south_a)


__all__ = ["held_by", "recommend"]
