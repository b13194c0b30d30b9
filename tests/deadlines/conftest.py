import pytest

from tests.conftest import make_insured


@pytest.fixture
def south_insured(org):
    return make_insured(org.south_a)
