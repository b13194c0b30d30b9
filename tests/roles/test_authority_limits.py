"""Authority limits per role and level, effective-dated, and the escalation they cause."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from viewflow.workflow.status import STATUS

from audit.models import AuditEvent
from cases import services, worklist
from cases.models import BenefitClaim, ClaimState
from roles.errors import AuthorityLimitExceeded, InvalidInput, NotAuthorized
from roles.models import Level, OrgUnit, Role
from roles.powers import Power, roles_with
from roles.selectors import authority_limit, authorize, deciding_unit
from roles.services import authority_limit_set
from tests.conftest import BRANCH_LIMIT, LIMIT_FROM, REGION_LIMIT
from tests.factories import UserFactory
from workflows import routing

from .conftest import PENSION_MONTHLY, case_events, marriage_claim, pension_claim, recommend, today

pytestmark = pytest.mark.django_db

RAISED_FROM = dt.date(2030, 1, 1)
RAISED = Decimal("8000.00")
LOWERED_FROM = dt.date(2032, 1, 1)
LOWERED = Decimal("1000.00")


def test_a_limit_valid_from_a_later_date_applies_only_from_that_date(org, team):
    supervisor = team["supervisor"]
    authority_limit_set(actor=None, role=Role.SUPERVISOR, level=Level.BRANCH, amount=RAISED, valid_from=RAISED_FROM)
    authority_limit_set(actor=None, role=Role.SUPERVISOR, level=Level.BRANCH, amount=LOWERED, valid_from=LOWERED_FROM)
    amount = Decimal("6000.00")  # above the original branch limit, below the raised one
    assert BRANCH_LIMIT < amount < RAISED

    day_before = RAISED_FROM - dt.timedelta(days=1)
    with pytest.raises(AuthorityLimitExceeded) as refused:
        authorize(supervisor, Power.DECIDE_CASE, unit=org.north_a, amount=amount, on=day_before)
    assert refused.value.code == "authority_limit_exceeded" and refused.value.status == 403
    assert authorize(supervisor, Power.DECIDE_CASE, unit=org.north_a, amount=BRANCH_LIMIT, on=day_before)

    grant = authorize(supervisor, Power.DECIDE_CASE, unit=org.north_a, amount=amount, on=RAISED_FROM)
    assert grant.unit_id == org.north_a.pk
    with pytest.raises(AuthorityLimitExceeded):
        authorize(supervisor, Power.DECIDE_CASE, unit=org.north_a, amount=RAISED + Decimal("0.01"), on=RAISED_FROM)

    with pytest.raises(AuthorityLimitExceeded):
        authorize(supervisor, Power.DECIDE_CASE, unit=org.north_a, amount=amount, on=LOWERED_FROM)
    assert authorize(supervisor, Power.DECIDE_CASE, unit=org.north_a, amount=LOWERED, on=LOWERED_FROM)

    assert authority_limit(Role.SUPERVISOR, Level.BRANCH, day_before) == (True, BRANCH_LIMIT)
    assert authority_limit(Role.SUPERVISOR, Level.BRANCH, RAISED_FROM) == (True, RAISED)
    assert authority_limit(Role.SUPERVISOR, Level.BRANCH, LOWERED_FROM) == (True, LOWERED)
    assert authority_limit(Role.SUPERVISOR, Level.BRANCH, LIMIT_FROM - dt.timedelta(days=1)) == (False, None)
    # Other roles and levels keep their own limits.
    assert authority_limit(Role.BRANCH_MANAGER, Level.BRANCH, RAISED_FROM) == (True, BRANCH_LIMIT)
    assert authority_limit(Role.SUPERVISOR, Level.REGION, RAISED_FROM) == (True, REGION_LIMIT)


def test_the_deciding_unit_follows_the_limit_in_force(org):
    authority_limit_set(actor=None, role=Role.SUPERVISOR, level=Level.BRANCH, amount=RAISED, valid_from=RAISED_FROM)
    authority_limit_set(actor=None, role=Role.BRANCH_MANAGER, level=Level.BRANCH, amount=RAISED, valid_from=RAISED_FROM)
    deciders = roles_with(Power.DECIDE_CASE)
    amount = Decimal("6000.00")
    assert deciding_unit(org.north_a, amount, deciders, on=RAISED_FROM - dt.timedelta(days=1)) == org.north
    assert deciding_unit(org.north_a, amount, deciders, on=RAISED_FROM) == org.north_a
    assert deciding_unit(org.north_a, REGION_LIMIT + 1, deciders, on=RAISED_FROM) == org.central


def test_a_zero_limit_approves_no_amount(org, make_staff):
    manager = make_staff("mgr_n", Role.BRANCH_MANAGER, org.north)
    authority_limit_set(
        actor=None, role=Role.BRANCH_MANAGER, level=Level.REGION, amount=Decimal("0.00"), valid_from=RAISED_FROM
    )
    assert authorize(
        manager, Power.DECIDE_CASE, unit=org.north_a, amount=Decimal("1.00"), on=RAISED_FROM - dt.timedelta(days=1)
    )
    with pytest.raises(AuthorityLimitExceeded):
        authorize(manager, Power.DECIDE_CASE, unit=org.north_a, amount=Decimal("1.00"), on=RAISED_FROM)
    # A decision with no amount (a rejection) needs no limit.
    assert authorize(manager, Power.DECIDE_CASE, unit=org.north_a, on=RAISED_FROM)


def test_only_the_system_administrator_sets_limits(org, team):
    with pytest.raises(NotAuthorized):
        authority_limit_set(
            actor=team["central_supervisor"],
            role=Role.SUPERVISOR,
            level=Level.CENTRAL,
            amount=None,
            valid_from=RAISED_FROM,
        )
    root = UserFactory(username="root", is_superuser=True)
    authority_limit_set(actor=root, role=Role.SUPERVISOR, level=Level.BRANCH, amount=RAISED, valid_from=RAISED_FROM)
    assert authority_limit(Role.SUPERVISOR, Level.BRANCH, RAISED_FROM) == (True, RAISED)
    event = AuditEvent.objects.filter(action="authority_limit.set", actor=root).get()
    assert event.subject_id == "supervisor.branch"
    assert event.payload == {"amount": "8000.00", "valid_from": "2030-01-01"}


# --- Escalation ----------------------------------------------------------------------------------


def decide_task_queue(claim):
    task = routing.open_task(claim)
    assert task.flow_task.name == "decide" and task.status == STATUS.NEW
    assert task.owner_permission == "roles.decide_cases"
    assert task.owner_permission_content_type == ContentType.objects.get_for_model(OrgUnit)
    return int(task.owner_permission_obj_pk)


def recommend_event(claim):
    [event] = case_events(claim, "benefit_claim.recommend")
    return event.payload


def test_within_the_branch_limit_the_branch_decides(org, team, insured):
    claim = marriage_claim(insured)
    recommend(claim, team["operator"])
    claim = BenefitClaim.objects.get(pk=claim.pk)
    assert claim.deciding_unit == org.north_a
    assert decide_task_queue(claim) == org.north_a.pk
    assert recommend_event(claim)["escalated"] is False


def test_above_the_branch_limit_the_decision_goes_to_the_region(org, team, pensioner):
    claim = pension_claim(pensioner)
    recommend(claim, team["operator"])
    claim = BenefitClaim.objects.get(pk=claim.pk)
    total = claim.recommended_amount * claim.recommended_instalments
    assert claim.recommended_amount == Decimal(PENSION_MONTHLY)
    assert claim.recommended_instalments == 12
    assert BRANCH_LIMIT < total <= REGION_LIMIT
    assert claim.deciding_unit == org.north
    assert decide_task_queue(claim) == org.north.pk
    payload = recommend_event(claim)
    assert payload["escalated"] is True
    assert payload["deciding_unit"] == "N"
    assert Decimal(payload["total"]) == total
    [created] = [e for e in case_events(claim, "task.created") if e.payload["node"] == "decide"]
    assert created.payload["queue"] == "N"

    branch_supervisor = team["supervisor"]
    with pytest.raises(NotAuthorized):
        services.task_take(case_id=claim.pk, actor=branch_supervisor)
    with pytest.raises(NotAuthorized):
        services.claim_decide(case_id=claim.pk, actor=branch_supervisor, approve=True)
    # Their limit alone would stop them on the branch's own work as well.
    with pytest.raises(AuthorityLimitExceeded):
        authorize(branch_supervisor, Power.DECIDE_CASE, unit=org.north_a, amount=total)
    assert BenefitClaim.objects.get(pk=claim.pk).state == ClaimState.RECOMMENDED

    region_supervisor = team["region_supervisor"]
    services.task_take(case_id=claim.pk, actor=region_supervisor)
    services.claim_decide(case_id=claim.pk, actor=region_supervisor, approve=True)
    claim = BenefitClaim.objects.get(pk=claim.pk)
    assert claim.state == ClaimState.IN_PAYMENT
    assert claim.decided_by == region_supervisor
    assert claim.approved_amount == Decimal(PENSION_MONTHLY)
    [approve] = case_events(claim, "benefit_claim.approve")
    assert approve.org_unit_id == org.north.pk


def test_above_the_region_limit_the_decision_goes_to_the_central_office(org, team, pensioner):
    claim = pension_claim(pensioner)
    services.task_take(case_id=claim.pk, actor=team["operator"])
    monthly = Decimal("5000.00")  # 12 instalments: 60000.00
    assert monthly * 12 > REGION_LIMIT
    with pytest.raises(InvalidInput) as refused:
        services.claim_recommend(case_id=claim.pk, actor=team["operator"], approve=True, amount=monthly)
    assert refused.value.field == "note"
    services.claim_recommend(
        case_id=claim.pk, actor=team["operator"], approve=True, amount=monthly, note="Arrears since 2020 included"
    )
    claim = BenefitClaim.objects.get(pk=claim.pk)
    assert claim.deciding_unit == org.central
    assert decide_task_queue(claim) == org.central.pk
    assert recommend_event(claim)["escalated"] is True

    for refused_user in (team["supervisor"], team["region_supervisor"]):
        with pytest.raises(NotAuthorized):
            services.claim_decide(case_id=claim.pk, actor=refused_user, approve=True)
    services.claim_decide(case_id=claim.pk, actor=team["central_supervisor"], approve=True)
    claim = BenefitClaim.objects.get(pk=claim.pk)
    assert claim.state == ClaimState.IN_PAYMENT
    assert claim.approved_amount * claim.recommended_instalments == Decimal("60000.00")


@pytest.mark.parametrize(
    "amount, unit",
    [(BRANCH_LIMIT, "north_a"), (BRANCH_LIMIT + Decimal("0.01"), "north")],
    ids=["at-the-limit", "one-cent-above"],
)
def test_the_branch_limit_is_inclusive(org, team, insured, amount, unit):
    claim = marriage_claim(insured)  # one instalment
    recommend(claim, team["operator"], amount=amount, note="Two marriages registered")
    claim = BenefitClaim.objects.get(pk=claim.pk)
    assert claim.deciding_unit == getattr(org, unit)
    assert decide_task_queue(claim) == getattr(org, unit).pk


def test_a_limit_lowered_after_the_recommendation_stops_the_branch(org, team, insured):
    """A recommended approval above the decider's limit is not theirs to decide either way (the
    domain's "a decision above the limit escalates"); a recommended rejection commits nothing."""
    claim = marriage_claim(insured)  # 1200.00, recommended within the branch limit
    recommend(claim, team["operator"])
    authority_limit_set(actor=None, role=Role.SUPERVISOR, level=Level.BRANCH, amount=LOWERED, valid_from=today())
    with pytest.raises(AuthorityLimitExceeded):
        services.claim_decide(case_id=claim.pk, actor=team["supervisor"], approve=True)
    with pytest.raises(AuthorityLimitExceeded):
        services.claim_decide(case_id=claim.pk, actor=team["supervisor"], approve=False, note="Not married")
    with pytest.raises(AuthorityLimitExceeded):
        services.task_take(case_id=claim.pk, actor=team["supervisor"])
    with pytest.raises(worklist.NothingToTake):
        worklist.task_take_next(actor=team["supervisor"])
    services.claim_decide(case_id=claim.pk, actor=team["region_supervisor"], approve=False, note="Not married")
    assert BenefitClaim.objects.get(pk=claim.pk).state == ClaimState.REJECTED


def test_a_recommended_rejection_needs_no_limit(org, team, insured):
    claim = marriage_claim(insured)
    services.task_take(case_id=claim.pk, actor=team["operator"])
    services.claim_recommend(case_id=claim.pk, actor=team["operator"], approve=False, note="Not married")
    authority_limit_set(actor=None, role=Role.SUPERVISOR, level=Level.BRANCH, amount=LOWERED, valid_from=today())
    services.task_take(case_id=claim.pk, actor=team["supervisor"])
    services.claim_decide(case_id=claim.pk, actor=team["supervisor"], approve=False, note="Not married")
    assert BenefitClaim.objects.get(pk=claim.pk).state == ClaimState.REJECTED
