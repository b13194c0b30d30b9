import datetime as dt
import io

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from audit.actors import Actor
from cases import catalog, deadlines, medical, services
from cases.errors import NotAuthorized
from cases.models import (
    BenefitClaim,
    Case,
    CaseType,
    ClaimState,
    MedicalCommission,
    MedicalPurpose,
    PayeeState,
    RepresentativePayee,
    StaffAlert,
)
from cases.tasks import mark_overdue_task
from roles.models import Role
from roles.services import delegation_create, role_grant
from tests.conftest import make_insured
from tests.factories import UserFactory
from tests.support import person_actor

from .helpers import events, file_claim, make_case, payee_verified, recommend

pytestmark = pytest.mark.django_db


def alerts(case, kind=None):
    qs = StaffAlert.objects.filter(case=case)
    if kind:
        qs = qs.filter(kind=kind)
    return sorted(qs.values_list("user__username", flat=True))


def open_task(case):
    return Task.objects.get(process_id=case.process_id, status__in=(STATUS.NEW, STATUS.ASSIGNED))


def test_every_case_type_has_a_rule():
    assert set(deadlines.RULES) == set(CaseType.values)
    assert {rule.escalation for rule in deadlines.RULES.values()} <= {
        catalog.ALERT,
        catalog.DECISION_UP,
        catalog.NEXT_LEVEL,
    }


def test_a_case_is_late_the_day_after_its_due_date(team, insured):
    claim = file_claim(insured)
    assert deadlines.mark_overdue(on=claim.due_date).marked == 0
    assert Case.objects.get(pk=claim.pk).overdue_since is None
    run = deadlines.mark_overdue(on=claim.due_date + dt.timedelta(days=1))
    assert run.marked == 1 and run.escalated == 0
    case = Case.objects.get(pk=claim.pk)
    assert case.overdue_since == deadlines.became_overdue_at(claim.due_date)
    assert timezone.localtime(case.overdue_since).date() == claim.due_date + dt.timedelta(days=1)


def test_overdue_review_task_alerts_the_branch_supervisors_without_escalating(team, insured):
    claim = file_claim(insured)
    services.task_take(case_id=claim.pk, actor=team["operator"])
    on = claim.due_date + dt.timedelta(days=4)

    run = deadlines.mark_overdue(on=on)

    assert (run.marked, run.escalated, run.alerts) == (1, 0, 2)
    claim = BenefitClaim.objects.get(pk=claim.pk)
    assert claim.escalation_level == 0
    assert claim.state == ClaimState.IN_REVIEW
    assert open_task(claim).owner_id == team["operator"].pk  # the task stays where it is
    assert alerts(claim, StaffAlert.Kind.OVERDUE) == ["sup2_na", "sup_na"]
    assert alerts(claim, StaffAlert.Kind.ESCALATED) == []
    assert events(claim)[-1] == "case.overdue"
    alert = StaffAlert.objects.filter(case=claim).first()
    assert claim.reference in alert.message and "4 day" in alert.message


def test_overdue_decision_in_a_branch_moves_to_the_region(team, insured):
    claim = file_claim(insured)
    recommend(claim, team["operator"])
    task = open_task(claim)
    assert task.owner_permission_obj_pk == str(claim.owning_unit_id)

    run = deadlines.mark_overdue(on=claim.due_date + dt.timedelta(days=1))

    assert (run.marked, run.escalated) == (1, 1)
    claim = BenefitClaim.objects.select_related("deciding_unit").get(pk=claim.pk)
    region = claim.owning_unit.parent
    assert claim.escalation_level == 1
    assert claim.deciding_unit == region
    assert claim.state == ClaimState.RECOMMENDED
    task.refresh_from_db()
    assert task.status == STATUS.CANCELED
    moved = open_task(claim)
    assert moved.flow_task.name == "decide"
    assert moved.owner_permission == "roles.decide_cases"
    assert moved.owner_permission_obj_pk == str(region.pk)
    assert events(claim)[-4:] == ["case.overdue", "task.cancelled", "task.created", "case.escalated"]
    assert alerts(claim, StaffAlert.Kind.OVERDUE) == ["sup2_na", "sup_na"]
    assert alerts(claim, StaffAlert.Kind.ESCALATED) == ["sup_n"]

    # The branch supervisor may not decide it any more; the region decides it.
    with pytest.raises(NotAuthorized):
        services.claim_decide(case_id=claim.pk, actor=team["supervisor"], approve=True)
    services.task_take(case_id=claim.pk, actor=team["region_supervisor"])
    services.claim_decide(case_id=claim.pk, actor=team["region_supervisor"], approve=True)
    assert BenefitClaim.objects.get(pk=claim.pk).state == ClaimState.IN_PAYMENT


def test_a_taken_decision_task_moves_too(team, insured):
    claim = file_claim(insured)
    recommend(claim, team["operator"])
    services.task_take(case_id=claim.pk, actor=team["supervisor"])
    deadlines.mark_overdue(on=claim.due_date + dt.timedelta(days=1))
    moved = open_task(claim)
    assert moved.status == STATUS.NEW and moved.owner_id is None
    assert moved.owner_permission_obj_pk == str(claim.owning_unit.parent_id)


def test_a_decision_already_above_the_branch_is_not_moved(team, insured):
    claim = file_claim(insured)
    recommend(claim, team["operator"], amount="6000.00", note="Arrears included")  # above the branch limit
    claim = BenefitClaim.objects.get(pk=claim.pk)
    region = claim.owning_unit.parent
    assert claim.deciding_unit_id == region.pk

    run = deadlines.mark_overdue(on=claim.due_date + dt.timedelta(days=1))

    assert (run.marked, run.escalated) == (1, 0)
    claim = BenefitClaim.objects.get(pk=claim.pk)
    assert claim.escalation_level == 0 and claim.deciding_unit_id == region.pk
    assert open_task(claim).owner_permission_obj_pk == str(region.pk)
    # The supervisors of the queue that holds the decision are alerted.
    assert alerts(claim, StaffAlert.Kind.OVERDUE) == ["sup_n"]


def test_running_twice_the_same_day_does_nothing_the_second_time(team, insured):
    claims = [file_claim(insured) for _ in range(3)]
    recommend(claims[0], team["operator"])
    on = max(c.due_date for c in claims) + dt.timedelta(days=1)
    first = deadlines.mark_overdue(on=on)
    assert (first.marked, first.escalated) == (3, 1)
    before = ([events(c) for c in claims], StaffAlert.objects.count())

    second = deadlines.mark_overdue(on=on)

    assert (second.marked, second.escalated, second.alerts) == (0, 0, 0)
    assert ([events(c) for c in claims], StaffAlert.objects.count()) == before
    assert BenefitClaim.objects.get(pk=claims[0].pk).escalation_level == 1
    # and the next day too: a case is marked once
    assert deadlines.mark_overdue(on=on + dt.timedelta(days=1)).marked == 0


def test_closed_cases_are_not_touched(team, insured):
    withdrawn = file_claim(insured)
    services.claim_withdraw(case_id=withdrawn.pk, actor=person_actor(withdrawn.pk), reason="No longer needed")
    payee = make_case(
        CaseType.REPRESENTATIVE_PAYEE, insured.branch, "active", due_date=dt.date(2020, 1, 1)
    )  # active: no longer open
    before = events(withdrawn)

    run = deadlines.mark_overdue(on=withdrawn.due_date + dt.timedelta(days=10))

    assert run.marked == 0
    assert Case.objects.filter(pk__in=[withdrawn.pk, payee.pk], overdue_since__isnull=False).count() == 0
    assert events(withdrawn) == before
    assert StaffAlert.objects.count() == 0


def test_a_case_closed_after_it_was_listed_is_left_alone(team, insured):
    claim = file_claim(insured)
    on = claim.due_date + dt.timedelta(days=1)
    assert list(deadlines.overdue_unmarked_ids(on)) == [claim.pk]
    services.claim_withdraw(case_id=claim.pk, actor=person_actor(claim.pk), reason="Changed my mind")
    assert deadlines.case_mark_overdue(case_id=claim.pk, on=on) is None
    assert Case.objects.get(pk=claim.pk).overdue_since is None
    assert "case.overdue" not in events(claim)


@pytest.mark.parametrize("case_type", [CaseType.MEDICAL_COMMISSION, CaseType.REPRESENTATIVE_PAYEE])
def test_medical_commissions_and_payees_only_alert(org, team, case_type):
    state = {CaseType.MEDICAL_COMMISSION: "scheduled", CaseType.REPRESENTATIVE_PAYEE: "verifying"}[case_type]
    case = make_case(case_type, org.north_a, state, due_date=dt.date(2025, 1, 10))

    run = deadlines.mark_overdue(on=dt.date(2025, 1, 12))

    assert (run.marked, run.escalated) == (1, 0)
    case = Case.objects.get(pk=case.pk)
    assert case.overdue_since is not None and case.escalation_level == 0
    assert case.state == state
    assert alerts(case, StaffAlert.Kind.OVERDUE) == ["sup2_na", "sup_na"]
    assert events(case) == ["case.overdue"]


def test_an_overdue_medical_commission_stays_in_its_queue(org, team, insured):
    case = medical.medical_request(actor=Actor.person(insured), person=insured, purpose=MedicalPurpose.DISABILITY_CLAIM)
    task = open_task(case)

    run = deadlines.mark_overdue(on=case.due_date + dt.timedelta(days=1))

    assert (run.marked, run.escalated) == (1, 0)
    case = MedicalCommission.objects.get(pk=case.pk)
    assert case.overdue_since is not None and case.escalation_level == 0
    assert open_task(case).pk == task.pk and task.owner_permission_obj_pk == str(org.north_a.pk)
    assert alerts(case, StaffAlert.Kind.OVERDUE) == ["sup2_na", "sup_na"]
    assert events(case)[-1] == "case.overdue"


def test_an_overdue_payee_approval_stays_in_the_branch(org, team, insured):
    # Its approval task sits in the branch's decision queue, but payees are only alerted about.
    case = payee_verified(insured, make_insured(org.north_b), team["operator"])
    task = open_task(case)
    assert task.owner_permission == "roles.decide_cases"

    run = deadlines.mark_overdue(on=case.due_date + dt.timedelta(days=1))

    assert (run.marked, run.escalated) == (1, 0)
    case = RepresentativePayee.objects.get(pk=case.pk)
    assert case.state == PayeeState.VERIFIED and case.escalation_level == 0
    assert open_task(case).pk == task.pk and task.owner_permission_obj_pk == str(org.north_a.pk)
    assert alerts(case, StaffAlert.Kind.OVERDUE) == ["sup2_na", "sup_na"]
    assert alerts(case, StaffAlert.Kind.ESCALATED) == []


def test_alerts_reach_the_nearest_unit_with_supervisors_and_their_delegates(org, team):
    # No supervisor at South A nor in the South region: the central supervisor is alerted.
    south = make_case(CaseType.MEDICAL_COMMISSION, org.south_a, "requested", due_date=dt.date(2025, 1, 1))
    # A North A supervisor on leave lent the role; an expired supervisor gets nothing.
    cover = UserFactory(username="cover_na")
    assignment = team["supervisor"].role_assignments.get()
    delegation_create(
        actor=team["supervisor"],
        assignment=assignment,
        delegate=cover,
        valid_from=dt.date(2020, 1, 1),
        valid_to=dt.date(2099, 12, 31),
    )
    gone = UserFactory(username="gone_na")
    role_grant(
        actor=None,
        user=gone,
        role=Role.SUPERVISOR,
        unit=org.north_a,
        valid_from=dt.date(2000, 1, 1),
        valid_to=dt.date(2001, 1, 1),
    )
    manager = UserFactory(username="mgr_na")
    role_grant(actor=None, user=manager, role=Role.BRANCH_MANAGER, unit=org.north_a, valid_from=dt.date(2000, 1, 1))
    north = make_case(CaseType.REPRESENTATIVE_PAYEE, org.north_a, "submitted", due_date=dt.date(2025, 1, 1))

    deadlines.mark_overdue(on=dt.date(2025, 2, 1))

    assert alerts(south) == ["sup_hq"]
    assert alerts(north) == ["cover_na", "mgr_na", "sup2_na", "sup_na"]


def test_overdue_cases_are_found_in_batches(org, team, django_assert_num_queries):
    cases = [
        make_case(CaseType.MEDICAL_COMMISSION, org.north_a, "requested", due_date=dt.date(2025, 1, 1)) for _ in range(5)
    ]
    make_case(CaseType.MEDICAL_COMMISSION, org.north_a, "requested", due_date=dt.date(2025, 3, 1))  # not yet due
    make_case(CaseType.MEDICAL_COMMISSION, org.north_a, "final", due_date=dt.date(2025, 1, 1))  # closed
    with django_assert_num_queries(3):  # 2 + 2 + 1 ids
        ids = list(deadlines.overdue_unmarked_ids(dt.date(2025, 2, 1), batch=2))
    assert ids == [c.pk for c in cases]


def test_the_command_and_the_beat_task_run_the_job(org, team):
    case = make_case(CaseType.MEDICAL_COMMISSION, org.north_a, "requested", due_date=dt.date(2025, 1, 1))
    out = io.StringIO()
    call_command("mark_overdue", "--on", "2025-01-03", stdout=out)
    assert "cases marked overdue: 1" in out.getvalue()
    assert Case.objects.get(pk=case.pk).overdue_since is not None

    other = make_case(CaseType.REPRESENTATIVE_PAYEE, org.north_a, "submitted", due_date=dt.date(2000, 1, 1))
    result = mark_overdue_task.delay().get()
    assert result["marked"] == 1 and result["refused"] == []
    assert Case.objects.get(pk=other.pk).overdue_since is not None
    assert mark_overdue_task.delay().get()["marked"] == 0


def test_the_beat_schedule_runs_the_job_daily():
    entries = [e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == mark_overdue_task.name]
    assert len(entries) == 1 and entries[0]["schedule"] == 24 * 3600.0
