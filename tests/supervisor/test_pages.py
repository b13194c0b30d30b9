"""Supervisor pages: workload, a caseworker's tasks and their reassignment, decisions waiting,
charts; scope (404 outside it)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from viewflow.workflow.status import STATUS

from audit.actors import Actor
from audit.models import AuditEvent
from cases import services
from cases.models import Case
from cases.selectors import open_task_of
from roles.models import Level, Role
from roles.services import authority_limit_set
from tests.support import fresh_event_day

from .conftest import held_by

pytestmark = pytest.mark.django_db


def _row(body, marker):
    """The table row of the page that contains ``marker``."""
    start = body.index(marker)
    return body[body.rindex("<tr", 0, start) : body.index("</tr>", start)]


# --- Workload ---------------------------------------------------------------------------------------


def test_workload_counts_open_and_overdue_tasks_per_caseworker(client, team, insured, org):
    mine = held_by(insured, team["operator"], 3)
    held_by(insured, team["operator2"], 1)
    Case.objects.filter(pk__in=[mine[0].pk, mine[1].pk]).update(due_date=timezone.localdate() - dt.timedelta(days=2))
    services.claim_file(
        actor=Actor.person(insured),
        person=insured,
        benefit_type="marriage",
        event_date=fresh_event_day(insured, "marriage", dt.date(2024, 12, 1)),
    )  # unassigned
    client.force_login(team["supervisor"])

    body = client.get(reverse("team_workload")).content.decode()

    row = _row(body, 'data-user="op_na"')
    assert '<td class="num" data-open>3</td>' in row
    assert "data-overdue>2</td>" in row
    row2 = _row(body, 'data-user="op2_na"')
    assert "data-open>1</td>" in row2 and "data-overdue>0</td>" in row2
    # A member of the team with no task is listed too.
    assert 'data-user="sup2_na"' in body
    # The branch's review queue holds the one unassigned claim.
    assert "data-total>1</td>" in _row(body, 'data-unit="NA"')
    assert 'data-user="op_sa"' not in body


def test_region_workload_lists_the_queues_of_its_branches(client, team, insured, south_insured):
    services.claim_file(
        actor=Actor.person(insured),
        person=insured,
        benefit_type="marriage",
        event_date=fresh_event_day(insured, "marriage", dt.date(2024, 12, 1)),
    )
    services.claim_file(
        actor=Actor.person(insured),
        person=insured,
        benefit_type="marriage",
        event_date=fresh_event_day(insured, "marriage", dt.date(2024, 12, 1)),
    )
    client.force_login(team["region_supervisor"])

    body = client.get(reverse("team_workload")).content.decode()

    assert "data-total>2</td>" in _row(body, 'data-unit="NA"')
    assert "data-total>0</td>" in _row(body, 'data-unit="NB"')
    assert 'data-unit="SA"' not in body


def test_workload_of_a_unit_outside_the_scope_is_404(client, team, org, south_supervisor):
    client.force_login(south_supervisor)
    assert client.get(reverse("team_unit", kwargs={"unit_id": org.north_a.pk})).status_code == 404
    assert client.get(reverse("team_workload"), {"unit": org.north_a.pk}).status_code == 404
    assert client.get(reverse("team_unit_charts", kwargs={"unit_id": org.north_a.pk})).status_code == 404
    assert client.get(reverse("team_unit", kwargs={"unit_id": org.south_a.pk})).status_code == 200


def test_an_operator_has_no_team_pages(client, team):
    client.force_login(team["operator"])
    assert client.get(reverse("team_workload")).status_code == 403
    assert client.get(reverse("team_person", kwargs={"user_id": team["operator2"].pk})).status_code == 403


# --- A caseworker's tasks and their reassignment ------------------------------------------------------------


def test_person_page_lists_the_tasks_and_who_may_receive_them(client, team, insured):
    claims = held_by(insured, team["operator"], 2)
    client.force_login(team["supervisor"])

    body = client.get(reverse("team_person", kwargs={"user_id": team["operator"].pk})).content.decode()

    assert all(c.reference in body for c in claims)
    assert all(f'value="{open_task_of(c).pk}"' in body for c in claims)
    assert f'<option value="{team["operator2"].pk}">' in body
    assert f'<option value="{team["region_supervisor"].pk}">' in body
    assert f'<option value="{team["operator"].pk}">' not in body  # not to themselves
    assert f'<option value="{team["other_operator"].pk}">' not in body  # another branch
    assert f'<option value="{team["finance"].pk}">' not in body  # may not work cases


def test_reassigning_chosen_tasks_reports_what_moved(client, team, insured):
    claims = held_by(insured, team["operator"], 3)
    client.force_login(team["supervisor"])
    url = reverse("team_reassign", kwargs={"user_id": team["operator"].pk})

    response = client.post(url, {"task": [open_task_of(c).pk for c in claims[:2]], "to": team["operator2"].pk})

    assert response.status_code == 200
    body = response.content.decode()
    assert "2 tasks of" in body and "were given to" in body
    assert [open_task_of(c).owner_id for c in claims] == [
        team["operator2"].pk,
        team["operator2"].pk,
        team["operator"].pk,
    ]
    assert AuditEvent.objects.filter(action="task.reassigned", actor=team["supervisor"]).count() == 2


def test_refused_tasks_are_listed_with_their_reason(client, team, insured):
    claims = held_by(insured, team["operator"], 2)
    ids = [open_task_of(c).pk for c in claims]
    services.claim_recommend(case_id=claims[0].pk, actor=team["operator"], approve=True)
    client.force_login(team["supervisor"])

    response = client.post(
        reverse("team_reassign", kwargs={"user_id": team["operator"].pk}), {"task": ids, "to": team["operator2"].pk}
    )

    body = response.content.decode()
    assert 'data-moved="1"' in body and 'data-refused="1"' in body
    assert "The case has moved on to another step since this page was shown." in _row(body, claims[0].reference)
    assert open_task_of(claims[1]).owner_id == team["operator2"].pk


def test_all_of_a_person_s_tasks_back_to_the_queue(client, team, insured):
    claims = held_by(insured, team["operator"], 3)
    client.force_login(team["supervisor"])

    response = client.post(
        reverse("team_reassign", kwargs={"user_id": team["operator"].pk}), {"select_all": "1", "to": "queue"}
    )

    assert 'data-moved="3"' in response.content.decode()
    assert all(open_task_of(c).status == STATUS.NEW for c in claims)


def test_all_tasks_above_the_batch_size_are_refused_with_a_message(client, team, insured, monkeypatch):
    from cases import assignment

    claims = held_by(insured, team["operator"], 3)
    monkeypatch.setattr(assignment, "MAX_BATCH", 2)
    monkeypatch.setattr("backoffice.views_supervisor.MAX_BATCH", 2)
    client.force_login(team["supervisor"])

    response = client.post(
        reverse("team_reassign", kwargs={"user_id": team["operator"].pk}),
        {"select_all": "1", "to": team["operator2"].pk},
        follow=True,
    )

    assert "At most 2 tasks can be moved at once; you chose 3." in response.content.decode()
    assert all(open_task_of(c).owner_id == team["operator"].pk for c in claims)


def test_the_receiver_must_be_among_those_who_may_do_the_tasks(client, team, insured):
    claims = held_by(insured, team["operator"], 1)
    client.force_login(team["supervisor"])

    response = client.post(
        reverse("team_reassign", kwargs={"user_id": team["operator"].pk}),
        {"task": [open_task_of(claims[0]).pk], "to": team["finance"].pk},
        follow=True,
    )

    assert "This person may not receive these tasks." in response.content.decode()
    assert open_task_of(claims[0]).owner_id == team["operator"].pk


def test_person_and_tasks_of_another_branch_are_404(client, team, insured, south_insured, south_supervisor):
    north = held_by(insured, team["operator"], 1)
    south = held_by(south_insured, team["other_operator"], 1)
    client.force_login(south_supervisor)
    # Someone of another branch: 404 for the page and for the reassignment.
    assert client.get(reverse("team_person", kwargs={"user_id": team["operator"].pk})).status_code == 404
    response = client.post(
        reverse("team_reassign", kwargs={"user_id": team["operator"].pk}),
        {"task": [open_task_of(north[0]).pk], "to": "queue"},
    )
    assert response.status_code == 404
    # A task of another branch slipped in with one of their own: 404, nothing moves.
    response = client.post(
        reverse("team_reassign", kwargs={"user_id": team["other_operator"].pk}),
        {"task": [open_task_of(south[0]).pk, open_task_of(north[0]).pk], "to": "queue"},
    )
    assert response.status_code == 404
    assert client.get(reverse("team_person", kwargs={"user_id": 999999})).status_code == 404
    assert open_task_of(north[0]).owner_id == team["operator"].pk
    assert open_task_of(south[0]).owner_id == team["other_operator"].pk


# --- Decisions waiting ----------------------------------------------------------------------------------


def test_approvals_oldest_first_with_four_eyes_and_limits_marked(client, team, insured):
    claims = held_by(insured, team["operator"], 2)
    for claim in claims:
        services.claim_recommend(case_id=claim.pk, actor=team["operator"], approve=True)
    own = held_by(insured, team["supervisor"], 1)[0]
    services.claim_recommend(case_id=own.pk, actor=team["supervisor"], approve=True)
    client.force_login(team["supervisor"])

    body = client.get(reverse("team_approvals")).content.decode()

    positions = [body.index(f'data-reference="{c.reference}"') for c in [*claims, own]]
    assert positions == sorted(positions)
    assert 'data-may-decide="yes"' in _row(body, f'data-reference="{claims[0].reference}"')
    assert "four eyes" in _row(body, f'data-reference="{own.reference}"')
    # Another supervisor of the branch may decide it.
    client.force_login(team["supervisor2"])
    body = client.get(reverse("team_approvals")).content.decode()
    assert 'data-may-decide="yes"' in _row(body, f'data-reference="{own.reference}"')


def test_approvals_above_the_authority_limit_are_marked(client, team, insured):
    (claim,) = held_by(insured, team["operator"], 1)
    services.claim_recommend(case_id=claim.pk, actor=team["operator"], approve=True)
    authority_limit_set(
        actor=None, role=Role.SUPERVISOR, level=Level.BRANCH, amount=Decimal("1.00"), valid_from=timezone.localdate()
    )
    client.force_login(team["supervisor"])

    body = client.get(reverse("team_approvals")).content.decode()

    assert "above your authority limit" in _row(body, f'data-reference="{claim.reference}"')


def test_approvals_of_other_branches_are_not_shown(client, team, insured, south_insured, south_supervisor):
    (north,) = held_by(insured, team["operator"], 1)
    recommend_south = held_by(south_insured, team["other_operator"], 1)[0]
    services.claim_recommend(case_id=north.pk, actor=team["operator"], approve=True)
    services.claim_recommend(case_id=recommend_south.pk, actor=team["other_operator"], approve=True)
    client.force_login(south_supervisor)

    body = client.get(reverse("team_approvals")).content.decode()

    assert recommend_south.reference in body
    assert north.reference not in body


def test_approvals_page_needs_the_power_to_decide(client, team):
    client.force_login(team["operator"])
    assert client.get(reverse("team_approvals")).status_code == 403


# --- Charts ---------------------------------------------------------------------------------------------


def test_snapshot_is_taken_once_a_day(team, insured, org):
    from cases.snapshots import queue_snapshot_take
    from workflows.models import QueueSnapshot

    held_by(insured, team["operator"], 2)
    services.claim_file(
        actor=Actor.person(insured),
        person=insured,
        benefit_type="marriage",
        event_date=fresh_event_day(insured, "marriage", dt.date(2024, 12, 1)),
    )

    assert queue_snapshot_take() == 1
    services.claim_file(
        actor=Actor.person(insured),
        person=insured,
        benefit_type="marriage",
        event_date=fresh_event_day(insured, "marriage", dt.date(2024, 12, 1)),
    )
    assert queue_snapshot_take() == 0  # the day's first count stands

    (row,) = QueueSnapshot.objects.all()
    assert (row.unit_id, row.case_type, row.open_tasks, row.unassigned) == (org.north_a.pk, "benefit_claim", 3, 1)


def test_beat_task_takes_the_snapshot(team, insured):
    from workflows.models import QueueSnapshot
    from workflows.tasks import queue_snapshot_task

    held_by(insured, team["operator"], 1)
    assert queue_snapshot_task() == {"rows": 1}
    assert QueueSnapshot.objects.get().open_tasks == 1


def test_charts_show_snapshots_today_and_finished_tasks(client, team, insured, org):
    from workflows.models import QueueSnapshot

    today = timezone.localdate()
    QueueSnapshot.objects.create(
        day=today - dt.timedelta(days=1),
        unit=org.north_a,
        case_type="benefit_claim",
        open_tasks=12345,
        unassigned=345,
        taken_at=timezone.now(),
    )
    QueueSnapshot.objects.create(
        day=today - dt.timedelta(days=1),
        unit=org.south_a,
        case_type="benefit_claim",
        open_tasks=999,
        unassigned=9,
        taken_at=timezone.now(),
    )
    claims = held_by(insured, team["operator"], 3)
    services.claim_recommend(case_id=claims[0].pk, actor=team["operator"], approve=True)  # one review finished
    client.force_login(team["region_supervisor"])

    body = client.get(reverse("team_charts")).content.decode()

    assert "<svg" in body and 'role="img"' in body
    table = body[body.index('id="open-table"') :]
    assert "12,345" in table  # grouped by the language's rules; South A's figure is not counted
    assert "13,344" not in table
    now_row = _row(table, "(now)")
    assert ">3</td>" in now_row  # two reviews held and one decision waiting
    finished = body[body.index('id="finished-table"') : body.index("</tbody>", body.index('id="finished-table"'))]
    rows = finished.split("<tr>")[2:]  # after the head
    assert len(rows) == 30
    assert '<td class="num">1</td><td class="num">0</td><td class="num">1</td>' in rows[-1]  # today
    assert all('<td class="num">0</td><td class="num">0</td><td class="num">0</td>' in row for row in rows[:-1])


def test_chart_numbers_follow_the_language(client, team, org):
    from workflows.models import QueueSnapshot

    QueueSnapshot.objects.create(
        day=timezone.localdate() - dt.timedelta(days=1),
        unit=org.north_a,
        case_type="benefit_claim",
        open_tasks=12345,
        unassigned=0,
        taken_at=timezone.now(),
    )
    client.force_login(team["supervisor"])
    body = client.get(reverse("team_charts"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "12\u202f345" in body or "12\xa0345" in body or "12 345" in body


def test_overdue_page_links_the_supervisor_pages(client, team):
    client.force_login(team["supervisor"])
    body = client.get(reverse("overdue")).content.decode()
    assert f'href="{reverse("team_approvals")}"' in body
    assert f'href="{reverse("team_charts")}"' in body
    client.force_login(team["operator"])
    assert f'href="{reverse("team_approvals")}"' not in client.get(reverse("overdue")).content.decode()


def test_large_queues_are_counted_up_to_a_cap(client, team, insured, monkeypatch):
    monkeypatch.setattr("cases.workload.QUEUE_COUNT_CAP", 2)
    for _ in range(3):
        services.claim_file(
            actor=Actor.person(insured),
            person=insured,
            benefit_type="marriage",
            event_date=fresh_event_day(insured, "marriage", dt.date(2024, 12, 1)),
        )
    client.force_login(team["supervisor"])

    body = client.get(reverse("team_workload")).content.decode()

    assert "data-total>2 or more</td>" in _row(body, 'data-unit="NA"')


def test_report_numbers_are_grouped_for_the_language(client, team, monkeypatch):
    from cases import reports

    real = reports.case_report

    def big(**kwargs):
        data = real(**kwargs)
        data["types"]["benefit_claim"]["total"] = 12345
        return data

    monkeypatch.setattr("backoffice.views_reports.reports.case_report", big)
    client.force_login(team["supervisor"])
    assert "data-total>12,345</dd>" in client.get(reverse("case_report")).content.decode()


def test_approval_amounts_are_formatted_for_the_language(client, team, insured):
    (claim,) = held_by(insured, team["operator"], 1)
    services.claim_recommend(case_id=claim.pk, actor=team["operator"], approve=True)
    client.force_login(team["supervisor"])

    row = _row(client.get(reverse("team_approvals")).content.decode(), f'data-reference="{claim.reference}"')

    assert '<td class="num">1,200.00</td>' in row


def test_approvals_of_refunds_show_the_amount_and_four_eyes(client, team, org):
    from cases import refunds
    from tests.backoffice.conftest import file_refund, overpaid

    mine = file_refund(overpaid(org.north_a))
    theirs = file_refund(overpaid(org.north_a))
    services.task_take(case_id=mine.pk, actor=team["supervisor"])
    refunds.refund_recommend(case_id=mine.pk, actor=team["supervisor"], approve=True)
    services.task_take(case_id=theirs.pk, actor=team["operator"])
    refunds.refund_recommend(case_id=theirs.pk, actor=team["operator"], approve=True)
    client.force_login(team["supervisor"])

    body = client.get(reverse("team_approvals")).content.decode()

    assert "four eyes" in _row(body, f'data-reference="{mine.reference}"')
    row = _row(body, f'data-reference="{theirs.reference}"')
    assert 'data-may-decide="yes"' in row and '<td class="num">300.00</td>' in row


def test_the_unit_picker_lists_the_supervised_units(client, team, org, insured):
    held_by(insured, team["operator"], 1)
    client.force_login(team["region_supervisor"])

    body = client.get(reverse("team_workload"), {"unit": org.north_a.pk}).content.decode()

    assert f'<option value="{org.north_a.pk}" selected>– North A branch</option>' in body
    assert f'<option value="{org.north_b.pk}">– North B branch</option>' in body
    assert f'value="{org.south_a.pk}"' not in body
    assert 'data-user="op_na"' in body  # North A's team
    client.force_login(team["supervisor"])
    assert 'id="unit-picker"' not in client.get(reverse("team_workload")).content.decode()  # one unit only


def _next_link(body):
    import html
    import re

    found = re.search(r'href="\?after=([^"]+)" rel="next"', body)
    return html.unescape(found.group(1)) if found else None


def test_approvals_are_paginated_oldest_first(client, team, insured, monkeypatch):
    monkeypatch.setattr("backoffice.views_supervisor.APPROVALS_PAGE_SIZE", 2)
    claims = held_by(insured, team["operator"], 5)
    for claim in claims:
        services.claim_recommend(case_id=claim.pk, actor=team["operator"], approve=True)
    client.force_login(team["supervisor"])
    seen, after = [], None
    for _ in range(5):
        body = client.get(reverse("team_approvals"), {"after": after} if after else {}).content.decode()
        seen += [c.reference for c in claims if f'data-reference="{c.reference}"' in body]
        after = _next_link(body)
        if after is None:
            break
    assert seen == [c.reference for c in claims]


def test_a_caseworker_s_tasks_are_paginated(client, team, insured, monkeypatch):
    monkeypatch.setattr("cases.workload.PERSON_PAGE_SIZE", 2)
    claims = held_by(insured, team["operator"], 3)
    client.force_login(team["supervisor"])
    url = reverse("team_person", kwargs={"user_id": team["operator"].pk})

    first = client.get(url).content.decode()
    second = client.get(url, {"after": _next_link(first)}).content.decode()

    assert [c.reference in first for c in claims] == [True, True, False]
    assert [c.reference in second for c in claims] == [False, False, True]
    assert _next_link(second) is None
    assert "This page link is not valid any more" in client.get(url, {"after": "garbage"}, follow=True).content.decode()


def test_team_pages_render_in_persian(client, team, insured, org):
    from workflows.models import QueueSnapshot

    held_by(insured, team["operator"], 1)
    QueueSnapshot.objects.create(
        day=timezone.localdate() - dt.timedelta(days=1),
        unit=org.north_a,
        case_type="benefit_claim",
        open_tasks=1234,
        unassigned=0,
        taken_at=timezone.now(),
    )
    client.force_login(team["supervisor"])
    for name in ("team_workload", "team_approvals", "team_charts"):
        response = client.get(reverse(name), HTTP_ACCEPT_LANGUAGE="fa")
        assert response.status_code == 200
        assert 'lang="fa"' in response.content.decode()
    body = client.get(reverse("team_charts"), HTTP_ACCEPT_LANGUAGE="fa").content.decode()
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    assert f"{yesterday.year}/{yesterday.month}/{yesterday.day}" in body  # the Persian short date
    assert "1,234" in body
    assert 'viewBox="0 0 720 220"' in body  # coordinates are never localised


def test_overdue_page_names_who_holds_each_case(client, team, insured):
    held, queued = (
        held_by(insured, team["operator"], 1)[0],
        services.claim_file(
            actor=Actor.person(insured),
            person=insured,
            benefit_type="marriage",
            event_date=fresh_event_day(insured, "marriage", dt.date(2024, 12, 1)),
        ),
    )
    Case.objects.filter(pk__in=[held.pk, queued.pk]).update(due_date=timezone.localdate() - dt.timedelta(days=3))
    client.force_login(team["supervisor"])

    body = client.get(reverse("overdue")).content.decode()

    person_url = reverse("team_person", kwargs={"user_id": team["operator"].pk})
    assert f'<a href="{person_url}">' in _row(body, held.reference)
    assert "in the queue" in _row(body, queued.reference)
