"""Bulk synthetic claims: counts, consistent tasks and queues, valid audit chains, and data the
services can go on working with."""

from collections import Counter
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from viewflow.workflow.fields import get_task_ref
from viewflow.workflow.models import Process, Task

from audit.actors import Actor
from audit.models import AuditEvent
from audit.verify import verify_all
from cases import selectors, services
from cases.models import BenefitClaim, Case, CaseType, ClaimState
from cases.seeding import SCALE_BENEFITS, SCALE_MIX, seed_scale, synthetic_reference
from registry.models import Person
from registry.ssn import is_valid_ssn
from roles.models import Level, OrgUnit
from tests.support import person_actor
from workflows.flows import BenefitClaimFlow

from .conftest import run_command

REVIEW = get_task_ref(BenefitClaimFlow.review)
DECIDE = get_task_ref(BenefitClaimFlow.decide)
CLAIMS_ONLY = [CaseType.BENEFIT_CLAIM]


def queue(permission, unit):
    """The unit's queue as the selectors read it: open, unassigned human tasks by permission and unit."""
    return Task.objects.filter(
        status="NEW",
        flow_task_type="HUMAN",
        owner_permission=permission,
        owner_permission_content_type=ContentType.objects.get_for_model(OrgUnit),
        owner_permission_obj_pk=str(unit.pk),
    )


def check_seeded(org, team, stats, cases):
    claims = list(BenefitClaim.objects.select_related("owning_unit", "deciding_unit"))
    assert len(claims) == cases == stats.cases
    assert Case.objects.count() == cases
    assert Person.objects.count() == stats.persons == cases
    assert all(is_valid_ssn(ssn) for ssn in Person.objects.values_list("ssn", flat=True))
    assert Process.objects.count() == cases
    assert Task.objects.filter(flow_task=REVIEW).count() == cases
    assert Task.objects.count() == stats.tasks
    assert AuditEvent.objects.filter(subject_type="case").count() == stats.events
    assert len({c.reference for c in claims}) == cases

    states = Counter(c.state for c in claims)
    assert set(states) == {
        ClaimState.SUBMITTED,
        ClaimState.IN_REVIEW,
        ClaimState.AWAITING_INFO,
        ClaimState.RECOMMENDED,
        ClaimState.WITHDRAWN,
        ClaimState.REJECTED,
    }
    assert states == stats.by_state

    by_unit = Counter((c.owning_unit_id, c.state) for c in claims)
    operators = team["operators"]
    for branch in (org.north_a, org.north_b, org.south_a, org.south_b):
        # Submitted claims wait in their branch's review queue; claims under review sit with an operator there.
        assert queue("roles.work_cases", branch).count() == by_unit[(branch.pk, ClaimState.SUBMITTED)]
        assigned = Task.objects.filter(flow_task=REVIEW, status="ASSIGNED", owner_permission_obj_pk=str(branch.pk))
        reviewing = by_unit[(branch.pk, ClaimState.IN_REVIEW)] + by_unit[(branch.pk, ClaimState.AWAITING_INFO)]
        assert assigned.count() == reviewing
        assert set(assigned.values_list("owner_id", flat=True)) <= {u.pk for u in operators.get(branch.pk, [])}
    # No operator in South B: nothing there went beyond submission.
    assert {s for (unit, s) in by_unit if unit == org.south_b.pk} <= {ClaimState.SUBMITTED, ClaimState.WITHDRAWN}

    # Decision tasks wait where the authority limit covers the amount: amounts above the branch
    # limit go to the region.
    for claim in claims:
        if claim.state != ClaimState.RECOMMENDED:
            continue
        total = claim.recommended_amount * claim.recommended_instalments
        expected = Level.BRANCH if total <= Decimal("5000") else Level.REGION
        assert claim.deciding_unit.level == expected
        (task,) = queue("roles.decide_cases", claim.deciding_unit).filter(process_id=claim.process_id)
        assert task.flow_task == BenefitClaimFlow.decide
    assert queue("roles.decide_cases", org.north).exists()

    # Each case row names the head of its chain, and every chain verifies.
    last = {}
    for subject_id, seq, head in AuditEvent.objects.filter(subject_type="case").values_list(
        "subject_id", "seq", "hash"
    ):
        if seq > last.get(subject_id, (0, ""))[0]:
            last[subject_id] = (seq, head)
    assert all(last[str(c.pk)] == (c.audit_seq, c.audit_hash) for c in claims)
    assert "OK:" in run_command("audit_verify")


@pytest.mark.django_db
def test_seeded_claims_fill_queues_and_verify(org, scale_team):
    stats = seed_scale(300, types=CLAIMS_ONLY, batch=120, threaded=False, seed=7)
    check_seeded(org, scale_team, stats, 300)

    # The staff selectors find them.
    operator = scale_team["operators"][org.north_a.pk][0]
    page = selectors.unit_queue(operator)
    expected = queue("roles.work_cases", org.north_a).count()
    assert len(page.rows) == min(expected, selectors.DEFAULT_LIMIT) and expected
    assert {t.owner_permission_obj_pk for t in page.rows} == {str(org.north_a.pk)}
    inbox = selectors.inbox(operator)
    assert inbox.rows and all(t.owner_id == operator.pk for t in inbox.rows)


@pytest.mark.django_db
def test_services_carry_on_with_seeded_claims(org, scale_team):
    seed_scale(200, types=CLAIMS_ONLY, batch=200, threaded=False, seed=3)
    operator = scale_team["operators"][org.north_a.pk][0]
    submitted = BenefitClaim.objects.filter(owning_unit=org.north_a, state=ClaimState.SUBMITTED).first()
    services.task_take(case_id=submitted.pk, actor=operator)
    submitted.refresh_from_db()
    assert submitted.state == ClaimState.IN_REVIEW

    recommended = BenefitClaim.objects.filter(state=ClaimState.RECOMMENDED, deciding_unit=org.north_a).first()
    services.claim_decide(case_id=recommended.pk, actor=scale_team["supervisor_na"], approve=False, note="Not proven.")
    recommended.refresh_from_db()
    assert recommended.state == ClaimState.REJECTED
    result = verify_all()
    assert result.ok, result.problems


@pytest.mark.django_db
def test_without_an_org_tree_a_minimal_one_is_made():
    stats = seed_scale(40, types=CLAIMS_ONLY, batch=25, threaded=False)
    assert OrgUnit.objects.filter(level=Level.BRANCH).count() == 4
    assert stats.cases == BenefitClaim.objects.count() == 40
    # Nobody works there yet: claims wait in the queues or were withdrawn.
    assert set(BenefitClaim.objects.values_list("state", flat=True)) <= {ClaimState.SUBMITTED, ClaimState.WITHDRAWN}
    assert verify_all().ok


@pytest.mark.django_db
def test_a_second_run_adds_new_people_and_claims(org, scale_team):
    seed_scale(50, types=CLAIMS_ONLY, threaded=False)
    seed_scale(50, types=CLAIMS_ONLY, threaded=False)
    assert BenefitClaim.objects.count() == Person.objects.count() == 100
    assert verify_all().ok


def test_synthetic_references_are_unique_and_never_drawn_by_the_services():
    refs = {synthetic_reference(n, 2026) for n in range(1, 5000)}
    assert len(refs) == 4999
    assert all(r.startswith("BC-2026-U") and len(r) == 16 for r in refs)
    # Services draw eight characters from an alphabet without U.
    assert "U" not in "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    with pytest.raises(ValueError):
        synthetic_reference(32**7, 2026)


def test_mix_and_benefits_are_well_formed():
    assert abs(sum(w for _s, w in SCALE_MIX) - 1) < 1e-9
    for amount, instalments, *_rest in SCALE_BENEFITS.values():
        assert isinstance(amount, Decimal) and instalments >= 1


def chain_shape(case_id):
    """What a chain says happened and where, without times, ids and hashes."""
    shape = []
    for action, from_state, to_state, payload, actor_id, unit_id in (
        AuditEvent.objects.filter(subject_type="case", subject_id=str(case_id))
        .order_by("seq")
        .values_list("action", "from_state", "to_state", "payload", "actor_id", "org_unit_id")
    ):
        shape.append((action, from_state, to_state, tuple(sorted(payload)), actor_id is not None, unit_id))
    return shape


@pytest.mark.django_db
def test_seeded_chains_are_the_ones_the_services_write(org, scale_team):
    """For every situation seed_scale produces, a claim moved there through cases/services.py
    has the same sequence of events, states, payload keys and kinds of actor."""
    import datetime as dt

    from tests.conftest import make_insured

    operator = scale_team["operators"][org.north_a.pk][0]
    supervisor = scale_team["supervisor_na"]

    def filed():
        person = make_insured(org.north_a)
        return services.claim_file(
            actor=Actor.person(person), person=person, benefit_type="marriage", event_date=dt.date(2024, 12, 1)
        ).pk

    through_services = {}
    case = filed()
    through_services[ClaimState.SUBMITTED] = case
    case = filed()
    services.claim_withdraw(actor=person_actor(case), case_id=case, reason="no longer needed")
    through_services[ClaimState.WITHDRAWN] = case
    case = filed()
    services.task_take(case_id=case, actor=operator)
    through_services[ClaimState.IN_REVIEW] = case
    case = filed()
    services.task_take(case_id=case, actor=operator)
    services.claim_request_info(case_id=case, actor=operator, question="Which date?")
    through_services[ClaimState.AWAITING_INFO] = case
    case = filed()
    services.task_take(case_id=case, actor=operator)
    services.claim_recommend(case_id=case, actor=operator, approve=True)
    through_services[ClaimState.RECOMMENDED] = case
    case = filed()
    services.task_take(case_id=case, actor=operator)
    services.claim_recommend(case_id=case, actor=operator, approve=False, note="Too few days.")
    services.claim_decide(case_id=case, actor=supervisor, approve=False, note="Too few days.")
    through_services[ClaimState.REJECTED] = case

    real = set(through_services.values())
    seed_scale(150, types=CLAIMS_ONLY, batch=150, threaded=False, seed=11)
    for state, service_case in through_services.items():
        seeded = (
            BenefitClaim.objects.filter(state=state, owning_unit=org.north_a)
            .exclude(pk__in=real)
            .exclude(deciding_unit__level=Level.REGION)
            .first()
        )
        assert seeded is not None, state
        assert chain_shape(seeded.pk) == chain_shape(service_case), state
