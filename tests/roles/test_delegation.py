"""Delegation for a dated period: the delegate acts on behalf of the delegator."""

import datetime as dt

import pytest

from audit.models import AuditEvent
from cases import services
from cases.models import BenefitClaim, ClaimState
from roles.errors import InvalidInput, NotAuthorized
from roles.models import Delegation, Role
from roles.powers import Power
from roles.selectors import authorize, grants_for, unit_ids_where
from roles.services import delegation_create, role_grant, role_revoke
from tests.factories import UserFactory

from .conftest import assignment_of, case_events, marriage_claim, recommend, today

pytestmark = pytest.mark.django_db


def days(n):
    return today() + dt.timedelta(days=n)


@pytest.fixture
def cover():
    """A staff member with no role of their own."""
    return UserFactory(username="cover")


def delegate(holder, to, *, start=-1, end=10, powers=()):
    return delegation_create(
        actor=holder,
        assignment=assignment_of(holder),
        delegate=to,
        valid_from=days(start),
        valid_to=days(end),
        powers=powers,
        reason="Leave cover",
    )


def test_delegate_decides_on_behalf_of_the_delegator_and_both_are_recorded(org, team, insured, cover):
    supervisor = team["supervisor"]
    delegate(supervisor, cover)
    claim = marriage_claim(insured)
    recommend(claim, team["operator"])

    services.claim_decide(case_id=claim.pk, actor=cover, approve=True, note="Covered")

    claim = BenefitClaim.objects.get(pk=claim.pk)
    assert claim.state == ClaimState.IN_PAYMENT
    assert claim.decided_by == cover
    assert claim.decided_on_behalf_of == supervisor
    [approve] = case_events(claim, "benefit_claim.approve")
    assert approve.actor == cover
    assert approve.actor_label == "cover"
    assert approve.on_behalf_of == supervisor
    [completed] = [e for e in case_events(claim, "task.completed") if e.payload["node"] == "decide"]
    assert (completed.actor, completed.on_behalf_of) == (cover, supervisor)


def test_delegate_recommends_on_behalf_of_the_operator(org, team, insured, cover):
    operator = team["operator"]
    delegate(operator, cover)
    claim = marriage_claim(insured)
    recommend(claim, cover)

    claim = BenefitClaim.objects.get(pk=claim.pk)
    assert claim.state == ClaimState.RECOMMENDED
    assert claim.recommended_by == cover
    assert claim.recommended_on_behalf_of == operator
    [assigned] = case_events(claim, "task.assigned")
    [recommended] = case_events(claim, "benefit_claim.recommend")
    for event in (assigned, recommended):
        assert event.actor == cover and event.on_behalf_of == operator
    # A staff member acting in their own right records nobody else.
    [created] = case_events(claim, "benefit_claim.created")
    assert created.on_behalf_of is None


def test_delegation_is_recorded_in_the_audit_trail(org, team, cover):
    delegation = delegate(team["supervisor"], cover, powers=[Power.WORK_CASE])
    assert delegation.powers == [Power.WORK_CASE]
    event = AuditEvent.objects.get(subject_type="user", subject_id=str(cover.pk), action="delegation.created")
    assert event.actor == team["supervisor"]
    assert event.payload["role"] == Role.SUPERVISOR
    assert event.payload["powers"] == [Power.WORK_CASE]
    assert event.payload["valid_to"] == days(10).isoformat()


@pytest.mark.parametrize("start, end", [(1, 10), (-10, -1)], ids=["not-yet", "over"])
def test_outside_its_period_a_delegation_gives_nothing(org, team, insured, cover, start, end):
    delegate(team["supervisor"], cover, start=start, end=end)
    claim = marriage_claim(insured)
    recommend(claim, team["operator"])
    assert grants_for(cover) == []
    assert unit_ids_where(cover, Power.VIEW_CASE) == set()
    with pytest.raises(NotAuthorized):
        services.claim_decide(case_id=claim.pk, actor=cover, approve=True)
    assert BenefitClaim.objects.get(pk=claim.pk).state == ClaimState.RECOMMENDED
    # Inside the period the same delegation reaches the unit, on behalf of the supervisor.
    [grant] = grants_for(cover, on=days(start))
    assert grant.unit_id == org.north_a.pk
    assert grant.on_behalf_of_id == team["supervisor"].pk


def test_a_delegation_ends_with_the_delegators_role(org, team, cover):
    supervisor = team["supervisor"]
    delegate(supervisor, cover)
    assert len(grants_for(cover)) == 1
    role_revoke(actor=None, assignment=assignment_of(supervisor))
    assert grants_for(supervisor) == []
    assert grants_for(cover) == []


def test_a_delegation_cannot_be_delegated_again(org, team, cover):
    supervisor = team["supervisor"]
    delegate(supervisor, cover)
    third = UserFactory(username="third")
    with pytest.raises(NotAuthorized):
        delegation_create(
            actor=cover,
            assignment=assignment_of(supervisor),
            delegate=third,
            valid_from=days(0),
            valid_to=days(5),
        )
    assert not Delegation.objects.filter(delegate=third).exists()
    assert grants_for(third) == []
    # The delegate holds no assignment of their own that they could pass on.
    assert not cover.role_assignments.exists()


def test_nobody_delegates_a_role_they_do_not_hold(org, team, cover):
    with pytest.raises(NotAuthorized):
        delegation_create(
            actor=team["operator"],
            assignment=assignment_of(team["supervisor"]),
            delegate=cover,
            valid_from=days(0),
            valid_to=days(5),
        )
    assert grants_for(cover) == []


def test_nobody_delegates_powers_their_role_does_not_have(org, team, cover):
    with pytest.raises(InvalidInput) as refused:
        delegate(team["operator"], cover, powers=[Power.WORK_CASE, Power.DECIDE_CASE])
    assert refused.value.field == "powers"
    assert grants_for(cover) == []


def test_staff_management_is_not_delegated(org, make_staff, cover):
    administrator = make_staff("adm_n", Role.ADMINISTRATOR, org.north)
    with pytest.raises(InvalidInput) as refused:
        delegate(administrator, cover)
    assert refused.value.field == "powers"


def test_nobody_delegates_for_longer_than_they_hold_the_role(org, cover):
    holder = UserFactory(username="temp_sup")
    role_grant(actor=None, user=holder, role=Role.SUPERVISOR, unit=org.north_a, valid_from=days(-30), valid_to=days(30))
    with pytest.raises(InvalidInput) as refused:
        delegate(holder, cover, start=0, end=31)
    assert refused.value.field == "valid_to"
    with pytest.raises(InvalidInput):
        delegate(holder, cover, start=-31, end=5)
    assert not Delegation.objects.exists()
    # Up to the last day of the role is allowed.
    delegate(holder, cover, start=0, end=30)
    assert grants_for(cover, on=days(30))
    assert grants_for(cover, on=days(31)) == []


def test_a_revoked_role_can_no_longer_be_delegated(org, team, cover):
    supervisor = team["supervisor"]
    role_revoke(actor=None, assignment=assignment_of(supervisor))
    with pytest.raises(InvalidInput):
        delegate(supervisor, cover, start=0, end=5)
    assert not Delegation.objects.exists()


def test_a_subset_of_powers_delegates_only_those_powers(org, team, insured, cover):
    supervisor = team["supervisor"]
    delegate(supervisor, cover, powers=[Power.VIEW_CASE, Power.WORK_CASE])
    [grant] = grants_for(cover)
    assert grant.powers == {Power.VIEW_CASE, Power.WORK_CASE}
    assert grant.on_behalf_of_id == supervisor.pk

    claim = marriage_claim(insured)
    recommend(claim, cover)  # working the case is delegated
    assert BenefitClaim.objects.get(pk=claim.pk).recommended_on_behalf_of == supervisor
    with pytest.raises(NotAuthorized):  # deciding is not
        services.claim_decide(case_id=claim.pk, actor=cover, approve=True)
    with pytest.raises(NotAuthorized):
        authorize(cover, Power.REASSIGN_TASK, unit=org.north_a)
    assert BenefitClaim.objects.get(pk=claim.pk).state == ClaimState.RECOMMENDED


def test_own_role_comes_before_a_delegated_one(org, team, insured):
    """A supervisor covering for another supervisor acts in their own right where they can."""
    supervisor, colleague = team["supervisor"], team["supervisor2"]
    delegate(colleague, supervisor)
    grant = authorize(supervisor, Power.DECIDE_CASE, unit=org.north_a)
    assert grant.on_behalf_of_id is None
    claim = marriage_claim(insured)
    recommend(claim, team["operator"])
    services.claim_decide(case_id=claim.pk, actor=supervisor, approve=True)
    claim = BenefitClaim.objects.get(pk=claim.pk)
    assert claim.decided_by == supervisor and claim.decided_on_behalf_of is None


def test_a_delegation_reaches_only_the_delegators_subtree(org, team, cover):
    delegate(team["region_supervisor"], cover)
    assert unit_ids_where(cover, Power.DECIDE_CASE) == {org.north.pk, org.north_a.pk, org.north_b.pk}
    with pytest.raises(NotAuthorized):
        authorize(cover, Power.DECIDE_CASE, unit=org.south_a)
