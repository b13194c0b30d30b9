import pytest

from tests.conftest import make_insured

from . import helpers

JAN, FEB = helpers.JAN, helpers.FEB


@pytest.fixture
def south_insured(org):
    return make_insured(org.south_a)


@pytest.fixture
def late_payer(org):
    return helpers.late_payer(org.north_a)


@pytest.fixture
def overpayer(org):
    return helpers.overpayer(org.north_a)
