"""A role held at a unit reaches that unit's subtree and nothing else, only while it is valid."""

import datetime as dt

import pytest
from viewflow.workflow.status import STATUS

from cases import services
from cases.models import BenefitClaim, ClaimState
from roles.errors import NotAuthorized
from roles.models import Role
from roles.powers import Power
from roles.selectors import authorize, grants_for, unit_ids_where
from roles.services import role_grant
from tests.conftest import make_insured
from tests.factories import UserFactory
from workflows import routing

from .conftest import case_events, marriage_claim, recommend, today

pytestmark = pytest.mark.django_db


def test_region_supervisor_reaches_its_region_and_nothing_else(org, team):
    supervisor = team["region_supervisor"]
    for unit in (org.north, org.north_a, org.north_b):
        grant = authorize(supervisor, Power.DECIDE_CASE, unit=unit)
        assert grant.unit_id == org.north.pk
        assert grant.on_behalf_of_id is None
    for unit in (org.central, org.south, org.south_a, org.south_b):
        with pytest.raises(NotAuthorized):
            authorize(supervisor, Power.DECIDE_CASE, unit=unit)
    assert unit_ids_where(supervisor, Power.VIEW_CASE) == {org.north.pk, org.north_a.pk, org.north_b.pk}
    assert unit_ids_where(team["supervisor"], Power.VIEW_CASE) == {org.north_a.pk}
    assert unit_ids_where(team["central_supervisor"], Power.DECIDE_CASE) == {
        u.pk for u in (org.central, org.north, org.south, org.north_a, org.north_b, org.south_a, org.south_b)
    }
    # A power the role does not have reaches nowhere.
    assert unit_ids_where(supervisor, Power.EXECUTE_PAYMENT) == set()


def test_region_supervisor_decides_a_branch_claim_of_its_region(org, team, insured):
    claim = marriage_claim(insured)
    recommend(claim, team["operator"])
    services.claim_decide(case_id=claim.pk, actor=team["region_supervisor"], approve=True)
    claim = BenefitClaim.objects.get(pk=claim.pk)
    assert claim.state == ClaimState.IN_PAYMENT
    assert claim.decided_by == team["region_supervisor"]
    assert claim.decided_on_behalf_of is None


def test_region_supervisor_cannot_decide_a_claim_of_the_other_region(org, team):
    person = make_insured(org.south_a)
    claim = marriage_claim(person)
    recommend(claim, team["other_operator"])
    before = len(case_events(claim))
    with pytest.raises(NotAuthorized):
        services.task_take(case_id=claim.pk, actor=team["region_supervisor"])
    with pytest.raises(NotAuthorized):
        services.claim_decide(case_id=claim.pk, actor=team["region_supervisor"], approve=True)
    claim = BenefitClaim.objects.get(pk=claim.pk)
    assert claim.state == ClaimState.RECOMMENDED
    assert claim.decided_by is None
    assert len(case_events(claim)) == before
    # A supervisor of the South region may.
    south_supervisor = UserFactory(username="sup_s")
    role_grant(actor=None, user=south_supervisor, role=Role.SUPERVISOR, unit=org.south, valid_from=dt.date(2000, 1, 1))
    services.claim_decide(case_id=claim.pk, actor=south_supervisor, approve=True)
    assert BenefitClaim.objects.get(pk=claim.pk).state == ClaimState.IN_PAYMENT


def test_branch_operator_cannot_work_a_case_of_another_branch(org, team, insured):
    claim = marriage_claim(insured)
    with pytest.raises(NotAuthorized) as refused:
        services.task_take(case_id=claim.pk, actor=team["other_operator"])
    assert refused.value.status == 403
    assert refused.value.code == "not_authorized"
    assert refused.value.as_dict()["code"] == "not_authorized"
    task = routing.open_task(claim)
    assert task.status == STATUS.NEW and task.owner_id is None
    assert BenefitClaim.objects.get(pk=claim.pk).state == ClaimState.SUBMITTED
    # The operator of the owning branch may take the same task.
    services.task_take(case_id=claim.pk, actor=team["operator"])
    assert BenefitClaim.objects.get(pk=claim.pk).state == ClaimState.IN_REVIEW


def test_operator_of_a_sibling_branch_cannot_recommend_or_ask(org, team, insured, make_staff):
    sibling = make_staff("op_nb", Role.OPERATOR, org.north_b)
    claim = marriage_claim(insured)
    services.task_take(case_id=claim.pk, actor=team["operator"])
    with pytest.raises(NotAuthorized):
        services.claim_request_info(case_id=claim.pk, actor=sibling, question="Marriage certificate")
    with pytest.raises(NotAuthorized):
        services.claim_recommend(case_id=claim.pk, actor=sibling, approve=True)
    assert BenefitClaim.objects.get(pk=claim.pk).state == ClaimState.IN_REVIEW


@pytest.mark.parametrize(
    "valid_from, valid_to",
    [
        (dt.date(2000, 1, 1), -1),  # expired yesterday
        (1, None),  # starts tomorrow
        (10, 20),  # a period entirely ahead
    ],
    ids=["expired", "future", "future-period"],
)
def test_an_assignment_outside_its_dates_gives_nothing(org, insured, valid_from, valid_to):
    day = today()

    def as_date(value):
        return day + dt.timedelta(days=value) if isinstance(value, int) else value

    user = UserFactory(username="dated")
    role_grant(
        actor=None,
        user=user,
        role=Role.SUPERVISOR,
        unit=org.north_a,
        valid_from=as_date(valid_from),
        valid_to=as_date(valid_to) if valid_to is not None else None,
    )
    assert grants_for(user) == []
    assert unit_ids_where(user, Power.VIEW_CASE) == set()
    with pytest.raises(NotAuthorized):
        authorize(user, Power.WORK_CASE, unit=org.north_a)
    claim = marriage_claim(insured)
    with pytest.raises(NotAuthorized):
        services.task_take(case_id=claim.pk, actor=user)
    # The same assignment does reach the unit on a day inside its period.
    inside = as_date(valid_from)
    assert [g.unit_id for g in grants_for(user, on=inside)] == [org.north_a.pk]


def test_an_assignment_is_valid_on_its_first_and_last_day(org):
    user = UserFactory(username="dated")
    start, end = dt.date(2030, 3, 1), dt.date(2030, 3, 31)
    role_grant(actor=None, user=user, role=Role.OPERATOR, unit=org.north_a, valid_from=start, valid_to=end)
    assert grants_for(user, on=start - dt.timedelta(days=1)) == []
    assert len(grants_for(user, on=start)) == 1
    assert len(grants_for(user, on=end)) == 1
    assert grants_for(user, on=end + dt.timedelta(days=1)) == []


def test_inactive_user_holds_nothing(org, team):
    operator = team["operator"]
    operator.is_active = False
    operator.save(update_fields=["is_active"])
    assert grants_for(operator) == []
    with pytest.raises(NotAuthorized):
        authorize(operator, Power.WORK_CASE, unit=org.north_a)
