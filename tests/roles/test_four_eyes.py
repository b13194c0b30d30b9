"""Four eyes: whoever recommends a decision, or is represented in recommending it, cannot decide it."""

import datetime as dt

import pytest

from cases import services
from cases.models import BenefitClaim, ClaimState
from roles.errors import FourEyesViolation, NotAuthorized
from roles.services import delegation_create
from tests.factories import UserFactory
from tests.support import person_actor

from .conftest import assignment_of, case_events, marriage_claim, recommend, today

pytestmark = pytest.mark.django_db


def lend(holder, to):
    return delegation_create(
        actor=holder,
        assignment=assignment_of(holder),
        delegate=to,
        valid_from=today(),
        valid_to=today() + dt.timedelta(days=7),
    )


def assert_undecided(claim, events_before):
    claim = BenefitClaim.objects.get(pk=claim.pk)
    assert claim.state == ClaimState.RECOMMENDED
    assert claim.decided_by is None
    assert len(case_events(claim)) == events_before


@pytest.mark.parametrize("approve", [True, False], ids=["approve", "reject"])
def test_the_recommender_cannot_decide(org, team, insured, approve):
    supervisor = team["supervisor"]
    claim = marriage_claim(insured)
    recommend(claim, supervisor)
    before = len(case_events(claim))
    with pytest.raises(FourEyesViolation) as refused:
        services.claim_decide(case_id=claim.pk, actor=supervisor, approve=approve, note="Checked")
    assert refused.value.code == "four_eyes"
    assert refused.value.status == 403
    assert isinstance(refused.value, NotAuthorized)
    assert_undecided(claim, before)
    # A second supervisor decides.
    services.claim_decide(case_id=claim.pk, actor=team["supervisor2"], approve=approve, note="Checked")
    claim = BenefitClaim.objects.get(pk=claim.pk)
    assert claim.decided_by == team["supervisor2"]
    assert claim.state == (ClaimState.IN_PAYMENT if approve else ClaimState.REJECTED)


def test_nobody_decides_on_behalf_of_the_recommender(org, team, insured):
    supervisor = team["supervisor"]
    cover = UserFactory(username="cover")
    lend(supervisor, cover)
    claim = marriage_claim(insured)
    recommend(claim, supervisor)
    before = len(case_events(claim))
    with pytest.raises(FourEyesViolation):
        services.claim_decide(case_id=claim.pk, actor=cover, approve=True)
    assert_undecided(claim, before)


def test_the_person_represented_in_the_recommendation_cannot_decide(org, team, insured):
    supervisor = team["supervisor"]
    cover = UserFactory(username="cover")
    lend(supervisor, cover)
    claim = marriage_claim(insured)
    recommend(claim, cover)  # on behalf of the supervisor
    claim = BenefitClaim.objects.get(pk=claim.pk)
    assert (claim.recommended_by, claim.recommended_on_behalf_of) == (cover, supervisor)
    before = len(case_events(claim))
    with pytest.raises(FourEyesViolation):
        services.claim_decide(case_id=claim.pk, actor=supervisor, approve=True)
    with pytest.raises(FourEyesViolation):
        services.claim_decide(case_id=claim.pk, actor=cover, approve=True)
    assert_undecided(claim, before)
    services.claim_decide(case_id=claim.pk, actor=team["region_supervisor"], approve=True)
    assert BenefitClaim.objects.get(pk=claim.pk).state == ClaimState.IN_PAYMENT


def test_whoever_decided_before_an_appeal_cannot_decide_again(org, team, insured):
    claim = marriage_claim(insured)
    recommend(claim, team["operator"])
    services.claim_decide(case_id=claim.pk, actor=team["supervisor"], approve=False, note="Too few days")
    services.claim_appeal(actor=person_actor(claim.pk), case_id=claim.pk, grounds="The days in 2023 are missing")
    recommend(claim, team["operator2"])
    with pytest.raises(FourEyesViolation):
        services.claim_decide(case_id=claim.pk, actor=team["supervisor"], approve=True)
    services.claim_decide(case_id=claim.pk, actor=team["supervisor2"], approve=True)
    assert BenefitClaim.objects.get(pk=claim.pk).state == ClaimState.IN_PAYMENT
