import pytest

from cases import grievances

from .helpers import file_grievance, reload, triage


@pytest.fixture
def filed(insured):
    """A grievance filed through the portal, waiting in the North A triage queue."""
    return file_grievance(insured)


@pytest.fixture
def triaged(filed, team):
    """A triaged normal-priority grievance; its investigation task waits in the North A queue."""
    return triage(filed, team["operator"])


@pytest.fixture
def investigating(triaged, team):
    """A triaged grievance whose investigation task the second operator holds."""
    grievances.task_take(case_id=triaged.pk, actor=team["operator2"])
    return reload(triaged)


@pytest.fixture
def resolved(investigating, team):
    return grievances.grievance_resolve(
        case_id=investigating.pk, actor=team["operator2"], answer="The delay came from the bank; it is fixed."
    )
