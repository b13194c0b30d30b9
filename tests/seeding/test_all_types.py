"""Every case type in the seeds: the demo office has each type in each of its states and stays
the same on a second run; bulk cases of every type sit in the right queues with valid chains."""

import functools
import io
from collections import Counter

import pytest
from django.core.management import call_command
from viewflow.workflow.models import Task

from audit.verify import verify_all
from cases import refunds, seeding, selectors, services
from cases.catalog import TYPES
from cases.models import CASE_MODELS, Case, CaseType, Grievance, RefundState
from cases.seeding import seed_scale, split_cases
from roles.models import Level

from .conftest import run_command

# What the registry says the demo builds of every type but claims (whose scenarios are tested on their own).
EXPECTED = {
    case_type: set(spec.demo) - {"escalated"}
    for case_type, spec in TYPES.items()
    if case_type != CaseType.BENEFIT_CLAIM
}


def by_type_state():
    return Counter(Case.objects.values_list("case_type", "state"))


def audit_verify_output():
    out = io.StringIO()
    call_command("audit_verify", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_demo_has_every_state_of_every_type_and_a_rerun_adds_nothing():
    run_command("seed_demo")
    seen = by_type_state()
    for case_type, states in EXPECTED.items():
        assert {s for t, s in seen if t == case_type} == states, case_type
        # Every case of the type is a row of the type's own table.
        assert CASE_MODELS[case_type].objects.count() == sum(n for (t, _s), n in seen.items() if t == case_type)
    escalated = Grievance.objects.get(escalation_level=1)
    assert escalated.state == "submitted"
    (task,) = Task.objects.filter(process_id=escalated.process_id, status="NEW")
    assert task.owner_permission_obj_pk == str(escalated.owning_unit.parent_id)
    assert verify_all().ok
    assert audit_verify_output().startswith("OK")

    tasks = Task.objects.count()
    output = run_command("seed_demo")
    assert by_type_state() == seen
    assert Task.objects.count() == tasks
    assert "contribution_refund cases filed" not in output
    assert audit_verify_output().startswith("OK")


def test_split_gives_claims_half_and_the_rest_evenly():
    shares = split_cases(600, CaseType.values)
    assert shares[CaseType.BENEFIT_CLAIM] == 300
    # Seven types: claims take half, the six others share the rest.
    assert [shares[t] for t in EXPECTED] == [50] * 6
    assert split_cases(7, [CaseType.GRIEVANCE, CaseType.ARREARS_WAIVER]) == {
        CaseType.GRIEVANCE: 4,
        CaseType.ARREARS_WAIVER: 3,
    }
    assert sum(split_cases(1001, CaseType.values).values()) == 1001


@pytest.mark.django_db
def test_scale_writes_every_type_in_its_queues(org, team, scale_team):
    stats = seed_scale(600, batch=70, threaded=False, seed=5)
    assert stats.cases == Case.objects.count() == 600
    counts = Counter(Case.objects.values_list("case_type", flat=True))
    assert counts == split_cases(600, CaseType.values)
    for case_type in EXPECTED:
        assert CASE_MODELS[case_type].objects.count() == counts[case_type]
    assert verify_all().ok
    assert audit_verify_output().startswith("OK")

    # Each case has one task; open cases have exactly one open task in their branch's queue.
    for case in Case.objects.exclude(case_type=CaseType.BENEFIT_CLAIM):
        tasks = list(Task.objects.filter(process_id=case.process_id))
        assert len(tasks) == 1
        open_state = case.state in CASE_MODELS[case.case_type].OPEN_STATES
        assert (tasks[0].status in ("NEW", "ASSIGNED")) == open_state
        assert tasks[0].owner_permission_obj_pk == str(case.owning_unit_id)

    operator = team["operator"]  # an operator of North A
    for case_type in EXPECTED:
        seen, after = [], None
        while True:
            page = selectors.unit_queue(operator, case_type=case_type, after=after)
            seen += [t.pk for t in page.rows]
            if not page.next_cursor:
                break
            after = page.next_cursor
        waiting = set(
            Task.objects.filter(
                status="NEW", owner_permission_obj_pk=str(org.north_a.pk), process__case__case_type=case_type
            ).values_list("pk", flat=True)
        )
        assert waiting, case_type
        assert set(seen) == waiting, case_type

    # A taken synthetic refund goes on through the services.
    refund = (
        CASE_MODELS[CaseType.CONTRIBUTION_REFUND]
        .objects.filter(state=RefundState.IN_REVIEW, owning_unit__level=Level.BRANCH)
        .select_related("process")
        .first()
    )
    holder = Task.objects.get(process_id=refund.process_id).owner
    refunds.refund_request_info(case_id=refund.pk, actor=holder, question="Please send the bank statement.")
    assert CASE_MODELS[CaseType.CONTRIBUTION_REFUND].objects.get(pk=refund.pk).state == RefundState.AWAITING_INFO
    services.case_comment_add(case_id=refund.pk, actor=holder, text="Asked for the statement.")
    assert audit_verify_output().startswith("OK")


@pytest.mark.django_db
def test_scale_command_takes_the_types_it_is_given(org, scale_team, monkeypatch):
    # In the test's transaction: the loader thread of PostgreSQL would not see the org tree.
    monkeypatch.setattr(
        "cases.management.commands.seed_scale.seed_scale", functools.partial(seeding.seed_scale, threaded=False)
    )
    output = run_command("seed_scale", cases=90, batch=40, types="grievance,medical_commission", no_checkpoint=True)
    assert Counter(Case.objects.values_list("case_type", flat=True)) == {
        CaseType.GRIEVANCE: 45,
        CaseType.MEDICAL_COMMISSION: 45,
    }
    assert "grievance/submitted" in output
    assert audit_verify_output().startswith("OK")
