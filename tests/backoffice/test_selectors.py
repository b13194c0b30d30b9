import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from audit.models import AuditEvent
from cases import selectors, services
from cases.errors import InvalidInput
from cases.models import BenefitType, Case, ClaimState
from roles.models import Role, RoleAssignment
from roles.powers import Power
from roles.selectors import grants_for, unit_ids_where
from roles.services import delegation_create

from .conftest import file_claims, recommend

pytestmark = pytest.mark.django_db


def refs(page):
    return [task.process.case.reference for task in page.rows]


def test_visible_cases_follow_the_units_where_the_user_may_view(org, team, insured, south_insured):
    north = file_claims(insured, 2)
    south = file_claims(south_insured, 1)
    everyone = {c.pk for c in north + south}

    def visible(user):
        return set(selectors.cases_visible_to(user).values_list("pk", flat=True))

    assert visible(team["operator"]) == {c.pk for c in north}
    assert visible(team["other_operator"]) == {south[0].pk}
    assert visible(team["region_supervisor"]) == {c.pk for c in north}
    assert visible(team["auditor"]) == everyone
    nobody = get_user_model().objects.create_user("nobody", password="x")
    assert visible(nobody) == set()
    for user in [*team.values(), nobody]:
        by_power, _units = selectors.unit_ids_by_power(grants_for(user), [Power.VIEW_CASE, Power.DECIDE_CASE])
        assert by_power[Power.VIEW_CASE] == unit_ids_where(user, Power.VIEW_CASE)
        assert by_power[Power.DECIDE_CASE] == unit_ids_where(user, Power.DECIDE_CASE)


def test_queue_holds_unassigned_tasks_of_the_users_queues(org, team, insured, south_insured):
    a, b, c = file_claims(insured, 3)
    (south,) = file_claims(south_insured, 1)
    services.task_take(case_id=a.pk, actor=team["operator2"])
    recommend(b, team["operator2"])

    operator_refs = refs(selectors.unit_queue(team["operator"]))
    assert operator_refs == [c.reference]  # a is taken, b waits for a decision the operator may not take
    supervisor = selectors.unit_queue(team["supervisor"])
    assert refs(supervisor) == [b.reference, c.reference]
    assert [t.flow_task.name for t in supervisor.rows] == ["decide", "review"]
    assert all(t.queue_unit == org.north_a for t in supervisor.rows)
    assert refs(selectors.unit_queue(team["other_operator"])) == [south.reference]
    assert refs(selectors.unit_queue(team["central_supervisor"])) == [b.reference, south.reference, c.reference]
    assert refs(selectors.unit_queue(team["finance"])) == []
    assert refs(selectors.unit_queue(team["auditor"])) == []


def test_an_escalated_decision_waits_in_the_regions_queue(org, team, insured):
    (claim,) = file_claims(insured, 1)
    recommend(claim, team["operator"], amount=Decimal("6000.00"), note="Above the assessed amount on appeal evidence")
    assert refs(selectors.unit_queue(team["supervisor"])) == []
    page = selectors.unit_queue(team["region_supervisor"])
    assert refs(page) == [claim.reference]
    assert page.rows[0].queue_unit == org.north


def test_queue_filters_on_the_case(org, team, insured):
    marriage = file_claims(insured, 2)
    sickness = file_claims(insured, 1, benefit_type=BenefitType.SICKNESS, sick_days=10)[0]
    recommend(marriage[0], team["operator"])
    sup = team["supervisor"]

    assert refs(selectors.unit_queue(sup, benefit_type=BenefitType.SICKNESS)) == [sickness.reference]
    assert set(refs(selectors.unit_queue(sup, benefit_type=BenefitType.MARRIAGE))) == {c.reference for c in marriage}
    assert refs(selectors.unit_queue(sup, state=ClaimState.RECOMMENDED)) == [marriage[0].reference]
    assert refs(selectors.unit_queue(sup, state=ClaimState.APPROVED)) == []

    due = marriage[1].due_date
    assert due is not None
    assert len(selectors.unit_queue(sup, due_before=due).rows) == 3
    assert refs(selectors.unit_queue(sup, due_before=due - dt.timedelta(days=1))) == []
    assert len(selectors.unit_queue(sup, due_after=due).rows) == 3
    assert refs(selectors.unit_queue(sup, due_after=due + dt.timedelta(days=1))) == []


def _walk(fetch, limit):
    seen, cursor, pages = [], None, 0
    while True:
        page = fetch(after=cursor, limit=limit)
        seen.extend(page.rows)
        pages += 1
        if page.next_cursor is None:
            return seen, pages
        cursor = page.next_cursor


def test_queue_keyset_pages_cover_every_task_once_in_order(org, team, insured):
    claims = file_claims(insured, 7)
    # Three tasks created at the same instant: the id breaks the tie.
    same = Task.objects.filter(process_id__in=[c.process_id for c in claims[:3]])
    instant = same.order_by("created").first().created
    same.update(created=instant)
    # The cases' copy of their task follows, as workflows.routing would have written it.
    Case.objects.filter(pk__in=[c.pk for c in claims[:3]]).update(task_created=instant)

    expected = list(Task.objects.filter(process_id__in=[c.process_id for c in claims]).order_by("-created", "-id"))
    seen, pages = _walk(lambda **kw: selectors.unit_queue(team["operator"], **kw), limit=2)
    assert [t.pk for t in seen] == [t.pk for t in expected]
    assert pages == 4
    whole = selectors.unit_queue(team["operator"], limit=7)
    assert whole.next_cursor is None and len(whole.rows) == 7


def test_queue_with_many_units_per_permission_gives_the_same_rows(org, team, insured, south_insured, monkeypatch):
    north = file_claims(insured, 3)
    file_claims(south_insured, 2)
    recommend(north[0], team["operator"])
    central = team["central_supervisor"]
    per_queue, _ = _walk(lambda **kw: selectors.unit_queue(central, **kw), limit=2)
    monkeypatch.setattr(selectors, "MAX_QUEUE_BRANCHES", 1)
    per_permission, _ = _walk(lambda **kw: selectors.unit_queue(central, **kw), limit=2)
    assert [t.pk for t in per_queue] == [t.pk for t in per_permission]
    assert len(per_queue) == 5


def test_a_cursor_that_was_not_made_here_is_refused(team):
    for cursor in ("garbage", "e30", "WyJ4IiwxXQ"):
        with pytest.raises(InvalidInput) as exc:
            selectors.unit_queue(team["operator"], after=cursor)
        assert exc.value.field == "after"
        with pytest.raises(InvalidInput):
            selectors.inbox(team["operator"], after=cursor)


def test_inbox_holds_the_users_assigned_tasks_with_keyset_pages(org, team, insured):
    claims = file_claims(insured, 5)
    for c in claims[:3]:
        services.task_take(case_id=c.pk, actor=team["operator"])
    services.task_take(case_id=claims[3].pk, actor=team["operator2"])
    seen, pages = _walk(lambda **kw: selectors.inbox(team["operator"], **kw), limit=2)
    assert [t.process.case.reference for t in seen] == [c.reference for c in reversed(claims[:3])]
    assert pages == 2
    assert all(t.status == STATUS.ASSIGNED and t.owner_id == team["operator"].pk for t in seen)
    # A completed task leaves the inbox.
    services.claim_recommend(case_id=claims[0].pk, actor=team["operator"], approve=True)
    assert claims[0].reference not in [t.process.case.reference for t in selectors.inbox(team["operator"]).rows]


def test_case_history_is_the_cases_chain_in_order(org, team, insured):
    a, b = file_claims(insured, 2)
    recommend(a, team["operator"])
    services.case_comment_add(case_id=b.pk, actor=team["operator"], text="Other case")
    history = list(selectors.case_history(a))
    assert [e.seq for e in history] == list(range(1, len(history) + 1))
    assert {e.subject_id for e in history} == {str(a.pk)}
    assert [e.action for e in history] == list(
        AuditEvent.objects.filter(subject_type="case", subject_id=str(a.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert history[-1].action == "task.created" and history[-2].to_state == ClaimState.RECOMMENDED


def test_open_task_of_a_case(org, team, insured):
    (claim,) = file_claims(insured, 1)
    task = selectors.open_task_of(claim)
    assert task.flow_task.name == "review" and task.owner is None
    recommend(claim, team["operator"])
    assert selectors.open_task_of(claim).flow_task.name == "decide"
    services.claim_decide(case_id=claim.pk, actor=team["supervisor"], approve=True)
    assert selectors.open_task_of(claim) is None


def test_staff_who_may_do_a_task_include_delegates_with_the_power(org, team, make_staff):
    sub = make_staff("sub", Role.OPERATOR, org.south_b)
    viewer = make_staff("viewer", Role.AUDITOR, org.south_b)
    holder = RoleAssignment.objects.get(user=team["supervisor"])
    today = timezone.localdate()
    delegation_create(actor=team["supervisor"], assignment=holder, delegate=sub, valid_from=today, valid_to=today)
    delegation_create(
        actor=team["supervisor"],
        assignment=holder,
        delegate=viewer,
        valid_from=today,
        valid_to=today,
        powers=[Power.VIEW_CASE],
    )
    deciders = {u.username for u in selectors.staff_who_may(Power.DECIDE_CASE, org.north_a)}
    assert deciders == {"sup_na", "sup2_na", "sup_n", "sup_hq", "sub"}
    workers = {u.username for u in selectors.staff_who_may(Power.WORK_CASE, org.north_a)}
    assert workers == deciders | {"op_na", "op2_na"}
    assert {u.username for u in selectors.staff_who_may(Power.WORK_CASE, org.south_a)} == {"op_sa", "sup_hq"}
