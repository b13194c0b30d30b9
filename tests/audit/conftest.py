import pytest

from .trail import build_trail


@pytest.fixture
def trail(org, team):
    return build_trail(org, team["operator"], team["supervisor"])
