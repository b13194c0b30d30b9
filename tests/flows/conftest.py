import pytest

from tests.backoffice.conftest import file_claims, file_grievance


@pytest.fixture
def claim(insured):
    return file_claims(insured, 1)[0]


@pytest.fixture
def grievance(insured):
    return file_grievance(insured)
