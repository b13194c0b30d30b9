"""The copy of a case's open task on the case row (``Case.task_*``) follows every move of the
task, and the filtered queue and inbox pages that read it list what the task table holds."""

import datetime as dt
import importlib
from types import SimpleNamespace

import pytest
from django.db import connection
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from audit.actors import Actor
from cases import assignment, deadlines, selectors, services, waivers
from cases.models import BenefitClaim, Case, CaseType, ClaimState
from cases.seeding import seed_scale
from roles.models import Role
from tests.conftest import staff
from tests.support import person_actor
from tests.task_mirror import assert_task_mirror, task_mirror_mismatches

from .conftest import file_claims

pytestmark = pytest.mark.django_db


def copy_of(case):
    case = Case.objects.get(pk=case.pk)
    return case.task_status, case.task_owner_id, case.task_queue, case.task_unit_id


def the_task(case):
    return Task.objects.get(
        process_id=Case.objects.get(pk=case.pk).process_id, status__in=(STATUS.NEW, STATUS.ASSIGNED)
    )


def test_the_copy_follows_each_move_of_a_claim_task(org, team, insured):
    operator, operator2, supervisor = team["operator"], team["operator2"], team["supervisor"]
    claim, other, third = file_claims(insured, 3)
    assert copy_of(claim) == ("NEW", None, "roles.work_cases", org.north_a.pk)
    assert Case.objects.get(pk=claim.pk).task_pk == the_task(claim).pk
    assert Case.objects.get(pk=claim.pk).task_created == the_task(claim).created
    assert_task_mirror()

    services.task_take(case_id=claim.pk, actor=operator)
    assert copy_of(claim) == ("ASSIGNED", operator.pk, "roles.work_cases", org.north_a.pk)
    assert_task_mirror()

    services.task_release(case_id=claim.pk, actor=operator)
    assert copy_of(claim) == ("NEW", None, "roles.work_cases", org.north_a.pk)
    assert_task_mirror()

    services.task_reassign(case_id=claim.pk, actor=supervisor, to_user=operator2)
    assert copy_of(claim) == ("ASSIGNED", operator2.pk, "roles.work_cases", org.north_a.pk)
    assert_task_mirror()

    # A caseworker going on leave: their tasks go to a colleague, then back to the queue.
    services.task_take(case_id=other.pk, actor=operator2)
    tasks = [the_task(claim).pk, the_task(other).pk]
    assignment.tasks_reassign(task_ids=tasks, actor=supervisor, to_user=operator, from_user_id=operator2.pk)
    assert copy_of(claim)[:2] == copy_of(other)[:2] == ("ASSIGNED", operator.pk)
    assert_task_mirror()
    assignment.tasks_reassign(task_ids=tasks, actor=supervisor, from_user_id=operator.pk)
    assert copy_of(claim)[:2] == copy_of(other)[:2] == ("NEW", None)
    assert_task_mirror()

    # Completing the review opens the decision task in the deciding unit's queue.
    services.task_take(case_id=claim.pk, actor=operator)
    services.claim_recommend(case_id=claim.pk, actor=operator, approve=True)
    deciding = BenefitClaim.objects.get(pk=claim.pk).deciding_unit_id
    assert copy_of(claim) == ("NEW", None, "roles.decide_cases", deciding)
    assert Case.objects.get(pk=claim.pk).task_pk == the_task(claim).pk
    assert_task_mirror()

    services.claim_withdraw(case_id=other.pk, actor=person_actor(other.pk), reason="No longer needed")
    assert copy_of(other) == ("", None, "", None)
    assert Case.objects.get(pk=other.pk).task_created is None
    assert_task_mirror()

    services.task_take(case_id=third.pk, actor=operator)
    services.claim_recommend(case_id=third.pk, actor=operator, approve=False, note="Not married")
    services.task_take(case_id=third.pk, actor=supervisor)
    services.claim_decide(case_id=third.pk, actor=supervisor, approve=False, note="Not married")
    assert Case.objects.get(pk=third.pk).state == ClaimState.REJECTED
    assert copy_of(third) == ("", None, "", None)
    assert_task_mirror()


def test_an_escalation_by_the_deadline_job_moves_the_copy_to_the_region(org, team):
    from tests.deadlines.conftest import FEB, JAN
    from tests.deadlines.helpers import late_payer

    person = late_payer(org.north_a)
    case = waivers.waiver_file(
        actor=Actor.person(person), person=person, period_from=JAN, period_to=FEB, grounds="Hospitalised"
    )
    services.task_take(case_id=case.pk, actor=team["operator"])
    waivers.waiver_recommend(case_id=case.pk, actor=team["operator"], approve=True)
    assert copy_of(case) == ("NEW", None, "roles.decide_cases", org.north_a.pk)

    run = deadlines.mark_overdue(on=Case.objects.get(pk=case.pk).due_date + dt.timedelta(days=1))

    assert run.escalated == 1
    assert copy_of(case) == ("NEW", None, "roles.decide_cases", org.north.pk)
    assert Case.objects.get(pk=case.pk).task_pk == the_task(case).pk
    assert_task_mirror()


def test_the_check_finds_a_wrong_copy(org, team, insured):
    claim = file_claims(insured, 1)[0]
    assert task_mirror_mismatches() == []
    Case.objects.filter(pk=claim.pk).update(task_status="ASSIGNED", task_owner_id=team["operator"].pk)
    wrong = task_mirror_mismatches()
    assert [case_id for case_id, _expected, _actual in wrong] == [claim.pk]
    Case.objects.filter(pk=claim.pk).update(task_status="NEW", task_owner_id=None)
    assert task_mirror_mismatches() == []


def test_the_migration_fills_the_copy_from_the_task_table(org, team, insured):
    claims = file_claims(insured, 3)
    services.task_take(case_id=claims[0].pk, actor=team["operator"])
    services.claim_withdraw(case_id=claims[1].pk, actor=person_actor(claims[1].pk), reason="No longer needed")
    Case.objects.update(task_status="", task_pk=None, task_owner_id=None, task_queue="", task_unit_id=None)
    assert len(task_mirror_mismatches()) == 2
    migration = importlib.import_module("cases.migrations.0005_case_task_mirror")
    migration.backfill(None, SimpleNamespace(connection=connection))
    assert task_mirror_mismatches() == []
    assert copy_of(claims[0])[:2] == ("ASSIGNED", team["operator"].pk)


def test_seed_scale_writes_the_copy_of_every_kind_of_case(org, team):
    seed_scale(60, batch=25, seed=3, checkpoint=False, threaded=False)
    assert Case.objects.filter(task_status="NEW").exists()
    assert Case.objects.filter(task_status="ASSIGNED").exists()
    assert Case.objects.filter(task_status="").exists()
    assert set(Case.objects.values_list("case_type", flat=True)) == set(CaseType.values)
    assert_task_mirror()


def test_filtered_queue_and_inbox_by_due_date_list_what_the_task_table_holds(org, team, insured):
    operator = team["operator"]
    claims = file_claims(insured, 6)
    for claim in claims[:2]:
        services.task_take(case_id=claim.pk, actor=operator)
    services.claim_recommend(case_id=claims[0].pk, actor=operator, approve=True)
    Case.objects.filter(pk=claims[3].pk).update(due_date=dt.date(2030, 1, 1))
    soon = Case.objects.get(pk=claims[4].pk).due_date

    submitted = selectors.unit_queue(operator, state=ClaimState.SUBMITTED, limit=2)
    expected = Task.objects.filter(
        status=STATUS.NEW, process__case__state=ClaimState.SUBMITTED, owner_permission="roles.work_cases"
    ).order_by("-created", "-id")
    assert [t.pk for t in submitted.rows] == [t.pk for t in expected][:2]
    rest = selectors.unit_queue(operator, state=ClaimState.SUBMITTED, limit=2, after=submitted.next_cursor)
    assert [t.pk for t in submitted.rows + rest.rows] == [t.pk for t in expected][:4]

    due = selectors.unit_queue(operator, due_before=soon, sort="due")
    assert {t.process.case.pk for t in due.rows} == {c.pk for c in claims[2:] if c.pk != claims[3].pk}
    assert all(t.status == STATUS.NEW for t in due.rows)

    staff("op3_na", Role.OPERATOR, org.north_a)
    inbox = selectors.inbox(operator, sort="due", limit=1)
    assert [t.process.case.pk for t in inbox.rows] == [claims[1].pk]
    assert inbox.next_cursor is None


@pytest.mark.parametrize("sort", ["newest", "oldest", "due", "priority"])
def test_the_copy_and_the_task_table_give_the_same_pages(org, team, insured, south_insured, sort):
    north = file_claims(insured, 5)
    file_claims(south_insured, 2)
    services.task_take(case_id=north[0].pk, actor=team["operator"])
    services.claim_recommend(case_id=north[0].pk, actor=team["operator"], approve=True)
    services.task_take(case_id=north[1].pk, actor=team["operator"])
    Case.objects.filter(pk__in=[c.pk for c in north[2:4]]).update(due_date=dt.date(2030, 1, 1))
    queues, _units = selectors.user_queues(team["central_supervisor"])

    def walk(**paths):
        seen, after = [], None
        while True:
            ids = selectors.queue_task_ids(queues, sort=sort, after=after, limit=3, **paths)
            keys = [k.order() for k in selectors.SORTS[sort]]
            rows = list(Task.objects.filter(pk__in=ids).select_related("process__case").order_by(*keys)[:3])
            page = selectors._sorted_page(rows, 2, sort)
            seen += [t.pk for t in page.rows]
            if page.next_cursor is None:
                return seen
            after = page.next_cursor

    for filters in (
        {"state": ClaimState.SUBMITTED},
        {"due_before": dt.date(2029, 1, 1)},
        {"state": ClaimState.RECOMMENDED},
    ):
        args = {"benefit_type": None, "state": None, "due_before": None, "due_after": None, **filters}
        on_tasks = walk(filters=selectors._case_filters(**args))
        on_cases = walk(case_filters=selectors._case_filters(**args, prefix=""))
        assert on_cases == on_tasks
        assert on_tasks
