"""Rules stated once: the refusal checks of a step (four eyes with delegation, commission
membership) are the service's, and "take", "take next", reassignment and the case page ask the
same checks, so nobody is handed or offered work the service would refuse."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import Client
from viewflow.workflow.models import Task

from audit.actors import Actor
from cases import medical, payees, services, worklist
from cases.catalog import TYPES
from cases.errors import FourEyesViolation, InvalidInput, NotAuthorized
from cases.models import Case, CaseType, MedicalPurpose
from roles.errors import DomainError
from roles.models import RoleAssignment
from roles.powers import Power
from roles.selectors import today
from roles.services import delegation_create
from tests.conftest import make_insured, staff

from .conftest import file_claims

pytestmark = pytest.mark.django_db


def cover(holder, delegate, days=5):
    """``holder`` lends their role to ``delegate`` (leave cover)."""
    return delegation_create(
        actor=holder,
        assignment=RoleAssignment.objects.get(user=holder),
        delegate=delegate,
        valid_from=today(),
        valid_to=today() + dt.timedelta(days=days),
    )


def recommended_by(claim, user):
    services.task_take(case_id=claim.pk, actor=user)
    services.claim_recommend(case_id=claim.pk, actor=user, approve=True)


def page(user, case):
    client = Client()
    client.force_login(user)
    return client.get(f"/cases/{case.reference}/").content.decode()


def decide_url(case):
    return f"/cases/{case.reference}/decide/"


def test_every_step_check_names_a_real_step_of_its_type():
    from workflows.flow_classes import FLOW_CLASSES as FLOWS  # one flow class per type

    for case_type, spec in TYPES.items():
        for node in spec.step_checks:
            assert node in FLOWS[case_type].QUEUE_PERMISSIONS, (case_type, node)


def test_take_next_never_hands_a_delegate_the_claim_he_recommended(team, insured):
    """The operator covers the supervisor's leave: he may decide in the branch, but not what he
    recommended himself. Take next passes over it; the decision waits for someone else."""
    operator, supervisor = team["operator"], team["supervisor"]
    cover(supervisor, operator)
    (claim,) = file_claims(insured, 1)
    recommended_by(claim, operator)

    with pytest.raises(worklist.NothingToTake):
        worklist.task_take_next(actor=operator)
    with pytest.raises(FourEyesViolation):
        services.task_take(case_id=claim.pk, actor=operator)
    (task,) = Task.objects.filter(process_id=claim.process_id, status="NEW")
    assert task.owner_id is None and task.flow_task.name == "decide"
    # The page offers him neither the task nor the decision; the other supervisor has both.
    assert decide_url(claim) not in page(operator, claim)
    assert f"/cases/{claim.reference}/take/" not in page(operator, claim)
    assert decide_url(claim) in page(team["supervisor2"], claim)
    case, _task = worklist.task_take_next(actor=team["supervisor2"])
    assert case.pk == claim.pk


def test_nobody_decides_for_the_person_on_whose_behalf_they_recommended(team, insured):
    """The supervisor recommended; neither he nor his leave cover, who would decide on his behalf,
    is handed or offered the decision."""
    supervisor = team["supervisor"]
    cover_user = staff("cover_na", "operator", supervisor.role_assignments.first().org_unit)
    cover(supervisor, cover_user)
    (claim,) = file_claims(insured, 1)
    recommended_by(claim, supervisor)
    claim.refresh_from_db()
    assert claim.recommended_by_id == supervisor.pk
    for user in (supervisor, cover_user):
        with pytest.raises(FourEyesViolation):
            services.task_take(case_id=claim.pk, actor=user)
        assert decide_url(claim) not in page(user, claim)


def queue_page(user):
    client = Client()
    client.force_login(user)
    return client.get("/queue/").content.decode()


def test_the_queue_offers_take_only_where_the_service_would_let_them(team, insured):
    """The decision of a claim the supervisor recommended stands in his queue with the reason he
    may not take it; his colleague and the region see it with "Take"."""
    (claim, other) = file_claims(insured, 2)
    recommended_by(claim, team["supervisor"])
    recommended_by(other, team["operator"])
    take = f'action="/cases/{claim.reference}/take/"'
    mine = queue_page(team["supervisor"])
    assert claim.reference in mine and take not in mine
    assert "Whoever prepared or recommended a decision cannot approve it." in mine
    assert f'action="/cases/{other.reference}/take/"' in mine
    assert take in queue_page(team["supervisor2"])
    with pytest.raises(FourEyesViolation):
        services.task_take(case_id=claim.pk, actor=team["supervisor"])


def test_a_decision_above_the_takers_limit_is_neither_handed_nor_offered(team, insured):
    """The branch's supervisors may approve up to a limit lowered after the recommendation: the
    queue shows them why they may not take it, "take next" passes over it, the case page offers
    no decision; the region, whose limit covers it, is offered both."""
    from decimal import Decimal

    from roles.models import Level, Role
    from roles.services import authority_limit_set

    (claim,) = file_claims(insured, 1)
    recommended_by(claim, team["operator"])
    authority_limit_set(
        actor=None, role=Role.SUPERVISOR, level=Level.BRANCH, amount=Decimal("1.00"), valid_from=today()
    )
    supervisor = team["supervisor"]
    queue = queue_page(supervisor)
    assert claim.reference in queue and f'action="/cases/{claim.reference}/take/"' not in queue
    assert "above your authority limit" in queue
    with pytest.raises(worklist.NothingToTake):
        worklist.task_take_next(actor=supervisor)
    assert decide_url(claim) not in page(supervisor, claim)
    assert decide_url(claim) in page(team["region_supervisor"], claim)
    assert f'action="/cases/{claim.reference}/take/"' in queue_page(team["region_supervisor"])


def test_reassignment_never_hands_the_decision_to_its_recommender(team, insured):
    (claim,) = file_claims(insured, 1)
    recommended_by(claim, team["supervisor"])
    with pytest.raises(InvalidInput):
        services.task_reassign(case_id=claim.pk, actor=team["region_supervisor"], to_user=team["supervisor"])
    services.task_reassign(case_id=claim.pk, actor=team["region_supervisor"], to_user=team["supervisor2"])


def test_the_verifier_of_a_payee_is_not_handed_its_approval(team, org):
    beneficiary, representative = make_insured(org.north_a), make_insured(org.north_a)
    from registry.models import BankAccount

    case = payees.payee_request(
        actor=Actor.person(beneficiary),
        beneficiary=beneficiary,
        representative=representative,
        representative_account=BankAccount.objects.get(person=representative, verified=True),
        relationship="son",
        grounds="Cannot manage alone.",
    )
    supervisor = team["supervisor"]
    services.task_take(case_id=case.pk, actor=supervisor)
    payees.payee_verify(case_id=case.pk, actor=supervisor, identity_ok=True, documents_ok=True)
    with pytest.raises(FourEyesViolation):
        services.task_take(case_id=case.pk, actor=supervisor)
    assert worklist.task_take_next(actor=team["supervisor2"])[0].pk == case.pk


def test_only_a_member_of_the_session_is_handed_its_decision(org, team, insured):
    doctors = [staff(f"doc{n}", "medical_commission", org.north) for n in range(4)]
    case = medical.medical_request(actor=Actor.person(insured), person=insured, purpose=MedicalPurpose.REVIEW)
    services.task_take(case_id=case.pk, actor=team["operator"])
    medical.medical_schedule(
        case_id=case.pk,
        actor=team["operator"],
        scheduled_for=dt.datetime.now(dt.UTC),
        location="Room 1",
        members=doctors[:3],
    )
    outsider = doctors[3]
    with pytest.raises(NotAuthorized):
        services.task_take(case_id=case.pk, actor=outsider)
    with pytest.raises(worklist.NothingToTake):
        worklist.task_take_next(actor=outsider)
    assert worklist.task_take_next(actor=doctors[0])[0].pk == case.pk


# --- Over the demo: the page offers a decision exactly when the service accepts it ---------------


class _Rollback(Exception):
    pass


def accepts(call):
    """Whether the service accepts the call; nothing it did is kept."""
    try:
        with transaction.atomic():
            call()
            raise _Rollback
    except _Rollback:
        return True
    except DomainError:
        return False


DECISIONS = {
    # (type, step): (the page's action URL name, a call of the service the action makes)
    (CaseType.BENEFIT_CLAIM, "decide"): (
        "decide/",
        lambda case, user: services.claim_decide(case_id=case.pk, actor=user, approve=False, note="Checked."),
    ),
    (CaseType.CONTRIBUTION_REFUND, "decide"): (
        "act/decide/",
        lambda case, user: __import__("cases.refunds").refunds.refund_decide(
            case_id=case.pk, actor=user, approve=False, note="Checked."
        ),
    ),
    (CaseType.ARREARS_WAIVER, "decide"): (
        "act/decide/",
        lambda case, user: __import__("cases.waivers").waivers.waiver_decide(
            case_id=case.pk, actor=user, approve=False, note="Checked."
        ),
    ),
    (CaseType.REPRESENTATIVE_PAYEE, "approve"): (
        "act/approve/",
        lambda case, user: payees.payee_approve(case_id=case.pk, actor=user, active_from=today()),
    ),
}


def test_over_the_demo_a_decision_is_offered_exactly_when_the_service_accepts_it():
    from django.core.management import call_command

    call_command("seed_demo", claim_branches=1, stdout=__import__("io").StringIO())
    deciders = list(
        get_user_model()
        .objects.filter(role_assignments__role__in=["supervisor", "branch_manager", "operator"])
        .distinct()
    )
    checked = 0
    for case in Case.objects.exclude(process=None).order_by("pk"):
        task = Task.objects.filter(process_id=case.process_id, status__in=["NEW", "ASSIGNED"]).first()
        if task is None or (case.case_type, task.flow_task.name) not in DECISIONS:
            continue
        suffix, call = DECISIONS[(case.case_type, task.flow_task.name)]
        url = f"/cases/{case.reference}/{suffix}"
        for user in deciders:
            offered = url in page(user, case)
            accepted = accepts(lambda case=case, user=user, call=call: call(case, user))
            assert offered == accepted, (case.reference, user.username, offered)
            checked += 1
    assert checked > 100
    # Every type with a decision step was met.
    assert {key[0] for key in DECISIONS} <= set(Case.objects.values_list("case_type", flat=True))


def test_delegated_powers_reach_the_page_and_the_service_alike(team, insured):
    """A delegation of only the power to work cases does not make its holder a decider anywhere."""
    delegate = staff("helper_na", "auditor", team["operator"].role_assignments.first().org_unit)
    delegation_create(
        actor=team["supervisor"],
        assignment=RoleAssignment.objects.get(user=team["supervisor"]),
        delegate=delegate,
        valid_from=today(),
        valid_to=today() + dt.timedelta(days=2),
        powers=[Power.WORK_CASE],
    )
    (claim,) = file_claims(insured, 1)
    recommended_by(claim, team["operator"])
    assert decide_url(claim) not in page(delegate, claim)
    assert not accepts(lambda: services.claim_decide(case_id=claim.pk, actor=delegate, approve=False, note="x"))
