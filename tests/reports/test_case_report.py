import datetime as dt
import io
import json
import re

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from audit.actors import Actor
from cases import grievances, medical, payees, refunds, reports, services, waivers
from cases.engine import task_take
from cases.models import CASE_MODELS, CaseType, GrievanceCategory, MedicalPurpose, Priority
from roles.models import Role
from roles.services import role_grant
from tests.conftest import make_insured, staff
from tests.deadlines.helpers import (
    FEB,
    JAN,
    file_claim,
    late_payer,
    make_case,
    overpayer,
    payee_requested,
    payee_verified,
    recommend,
    set_due,
)
from tests.support import person_actor

pytestmark = pytest.mark.django_db

JUN = dt.date(2024, 6, 1)

# session, user, grants (roles, delegations), counts by state, overdue counts
REPORT_PAGE_QUERIES = 6


def today():
    return timezone.localdate()


def past(days=3):
    return today() - dt.timedelta(days=days)


def build_cases(org, team, per_claim_state=1):
    """Cases of every type in North A (and a few in South A), with some overdue. Returns the
    numbers a report of North A and of everything must show, worked out from what was built."""
    north = make_insured(org.north_a)
    south = make_insured(org.south_a)
    expected = {"NA": _empty(), "ALL": _empty()}

    def count(case_type, state, unit, overdue=False):
        for scope in ("ALL", "NA") if unit == org.north_a else ("ALL",):
            entry = expected[scope][case_type]
            entry["states"][state] += 1
            entry["total"] += 1
            entry["overdue"] += overdue

    # Benefit claims through their services.
    for _ in range(per_claim_state):
        late = file_claim(north)
        set_due([late], past())
        count(CaseType.BENEFIT_CLAIM, "submitted", org.north_a, overdue=True)
        file_claim(north)
        count(CaseType.BENEFIT_CLAIM, "submitted", org.north_a)
    reviewing = file_claim(north)
    services.task_take(case_id=reviewing.pk, actor=team["operator"])
    count(CaseType.BENEFIT_CLAIM, "in_review", org.north_a)
    recommended = file_claim(north)
    recommend(recommended, team["operator"])
    set_due([recommended], past(10))
    count(CaseType.BENEFIT_CLAIM, "recommended", org.north_a, overdue=True)
    withdrawn = file_claim(north)
    services.claim_withdraw(actor=person_actor(withdrawn.pk), case_id=withdrawn.pk, reason="No longer needed")
    set_due([withdrawn], past())  # past its due date but closed: not overdue
    count(CaseType.BENEFIT_CLAIM, "withdrawn", org.north_a)
    south_claim = file_claim(south)
    set_due([south_claim], past())
    count(CaseType.BENEFIT_CLAIM, "submitted", org.south_a, overdue=True)

    # Grievances through their services.
    grievances.grievance_file(
        actor=Actor.person(north), person=north, title="Rude answer", description="At the counter"
    )
    count(CaseType.GRIEVANCE, "submitted", org.north_a)
    triaged = grievances.grievance_file(
        actor=Actor.person(south), person=south, title="Wrong record", description="Missing months"
    )
    grievances.task_take(case_id=triaged.pk, actor=team["other_operator"])
    grievances.grievance_triage(
        case_id=triaged.pk,
        actor=team["other_operator"],
        category=GrievanceCategory.CONTRIBUTION_RECORDS,
        priority=Priority.LOW,
    )
    set_due([triaged], past(1))
    count(CaseType.GRIEVANCE, "triaged", org.south_a, overdue=True)

    # Refunds, waivers, medical commissions and payees through their services.
    refund = refunds.refund_file(
        actor=Actor.person(subject := overpayer(org.north_a)),
        person=subject,
        period_from=JAN,
        period_to=JUN,
        reason="Paid twice",
    )
    set_due([refund], past())
    count(CaseType.CONTRIBUTION_REFUND, "submitted", org.north_a, overdue=True)
    paid = refunds.refund_file(
        actor=Actor.person(subject := overpayer(org.north_a)),
        person=subject,
        period_from=JAN,
        period_to=JUN,
        reason="Paid twice",
    )
    task_take(case_id=paid.pk, actor=team["operator"])
    refunds.refund_recommend(case_id=paid.pk, actor=team["operator"], approve=True)
    refunds.refund_decide(case_id=paid.pk, actor=team["supervisor"], approve=True)
    set_due([paid], past())  # past its due date but paid: not overdue
    count(CaseType.CONTRIBUTION_REFUND, "paid", org.north_a)

    reviewed = waivers.waiver_file(
        actor=Actor.person(subject := late_payer(org.north_a)),
        person=subject,
        period_from=JAN,
        period_to=FEB,
        grounds="Illness",
    )
    task_take(case_id=reviewed.pk, actor=team["operator"])
    set_due([reviewed], today())  # due today: in time
    count(CaseType.ARREARS_WAIVER, "in_review", org.north_a)
    applied = waivers.waiver_file(
        actor=Actor.person(subject := late_payer(org.south_a)),
        person=subject,
        period_from=JAN,
        period_to=FEB,
        grounds="Flood",
    )
    task_take(case_id=applied.pk, actor=team["other_operator"])
    waivers.waiver_recommend(case_id=applied.pk, actor=team["other_operator"], approve=True)
    waivers.waiver_decide(case_id=applied.pk, actor=team["central_supervisor"], approve=True)
    count(CaseType.ARREARS_WAIVER, "applied", org.south_a)

    requested = medical.medical_request(
        actor=Actor.person(north), person=north, purpose=MedicalPurpose.DISABILITY_CLAIM
    )
    set_due([requested], past())
    count(CaseType.MEDICAL_COMMISSION, "requested", org.north_a, overdue=True)

    verifying = payee_requested(north, make_insured(org.north_b))
    services.task_take(case_id=verifying.pk, actor=team["operator"])
    set_due([verifying], past())
    count(CaseType.REPRESENTATIVE_PAYEE, "verifying", org.north_a, overdue=True)
    active = payee_verified(make_insured(org.north_a), make_insured(org.north_b), team["operator"])
    payees.payee_approve(case_id=active.pk, actor=team["supervisor"], active_from=today())
    set_due([active], past())  # past its due date but decided: not overdue
    count(CaseType.REPRESENTATIVE_PAYEE, "active", org.north_a)

    # Medical commission states the services reach only through sessions with members, written directly.
    rows = [
        (CaseType.MEDICAL_COMMISSION, "scheduled", org.north_a, past(), True),
        (CaseType.MEDICAL_COMMISSION, "final", org.north_a, past(), False),
        (CaseType.MEDICAL_COMMISSION, "appealed", org.south_a, past(), True),
    ]
    for case_type, state, unit, due, overdue in rows:
        make_case(case_type, unit, state, due_date=due)
        count(case_type, state, unit, overdue)
    return expected


def _empty():
    return {
        case_type: {"states": dict.fromkeys(model.States.values, 0), "overdue": 0, "total": 0}
        for case_type, model in CASE_MODELS.items()
    }


def numbers(report):
    return {t: {k: e[k] for k in ("states", "overdue", "total")} for t, e in report["types"].items()}


def page_numbers(body):
    """The numbers shown on the report page, read back from its markup."""
    found = {}
    for section in body.split('<section class="card report-type"')[1:]:
        case_type = re.search(r'data-type="([a-z_]+)"', section).group(1)
        found[case_type] = {
            "states": {s: int(n) for s, n in re.findall(r'data-state="([a-z_]+)">(\d+)<', section)},
            "overdue": int(re.search(r"data-overdue>(\d+)<", section).group(1)),
            "total": int(re.search(r"data-total>(\d+)<", section).group(1)),
        }
    return found


def test_report_counts_every_type_by_state_and_overdue(org, team, django_assert_num_queries):
    expected = build_cases(org, team)
    with django_assert_num_queries(2):
        report = reports.case_report()
    assert set(report["types"]) == set(CaseType.values)
    assert numbers(report) == expected["ALL"]
    assert report["types"][CaseType.BENEFIT_CLAIM]["overdue"] == 3
    with django_assert_num_queries(2):
        north_a = reports.case_report(roots=[org.north_a.path])
    assert numbers(north_a) == expected["NA"]


def test_the_report_uses_two_queries_whatever_the_data(org, team, django_assert_num_queries):
    build_cases(org, team, per_claim_state=5)
    with django_assert_num_queries(2):
        reports.case_report()
    with django_assert_num_queries(2):
        reports.case_report(roots=[org.north.path, org.south_a.path])


def test_command_prints_the_report_as_json_and_text(org, team):
    expected = build_cases(org, team)
    out = io.StringIO()
    call_command("case_report", "--format", "json", stdout=out)
    data = json.loads(out.getvalue())
    assert set(data) == {"generated_at", "on", "types"}
    assert dt.datetime.fromisoformat(data["generated_at"]).tzinfo is not None
    assert data["on"] == today().isoformat()
    assert numbers(data) == expected["ALL"]

    # a later day: cases due today are overdue then
    out = io.StringIO()
    call_command("case_report", "--format", "json", "--on", (today() + dt.timedelta(days=1)).isoformat(), stdout=out)
    later = json.loads(out.getvalue())
    assert later["types"][CaseType.ARREARS_WAIVER]["overdue"] == expected["ALL"][CaseType.ARREARS_WAIVER]["overdue"] + 1

    out = io.StringIO()
    call_command("case_report", "--format", "text", stdout=out)
    text = out.getvalue()
    claims = expected["ALL"][CaseType.BENEFIT_CLAIM]
    assert f"Benefit claim: {claims['total']} case(s), {claims['overdue']} overdue" in text
    assert re.search(r"Payment ordered\s+1\n", text)
    assert "Representative payee" in text


def test_page_and_command_agree(client, org, team):
    build_cases(org, team)
    out = io.StringIO()
    call_command("case_report", "--format", "json", stdout=out)
    command = numbers(json.loads(out.getvalue()))

    client.force_login(team["central_supervisor"])
    response = client.get(reverse("case_report"))
    assert response.status_code == 200
    assert page_numbers(response.content.decode()) == command

    # A branch supervisor sees the same numbers for their branch only.
    client.force_login(team["supervisor"])
    branch = page_numbers(client.get(reverse("case_report")).content.decode())
    assert branch == numbers(reports.case_report(roots=[org.north_a.path]))
    assert branch != command
    assert branch[CaseType.BENEFIT_CLAIM]["overdue"] == command[CaseType.BENEFIT_CLAIM]["overdue"] - 1


@pytest.mark.parametrize("per_claim_state", [1, 10])
def test_report_page_query_count(client, org, team, per_claim_state, django_assert_num_queries):
    build_cases(org, team, per_claim_state=per_claim_state)
    client.force_login(team["region_supervisor"])
    with django_assert_num_queries(REPORT_PAGE_QUERIES):
        response = client.get(reverse("case_report"))
    assert response.status_code == 200
    assert page_numbers(response.content.decode())[CaseType.BENEFIT_CLAIM]["states"]["submitted"] == 2 * per_claim_state


def test_report_page_refuses_staff_who_see_no_cases(client, org):
    client.force_login(staff("admin_na", Role.ADMINISTRATOR, org.north_a))
    assert client.get(reverse("case_report")).status_code == 403
    client.logout()
    assert client.get(reverse("case_report")).status_code == 302


def test_visible_roots_drop_nested_subtrees(org, team):
    user = team["supervisor"]
    role_grant(actor=None, user=user, role=Role.AUDITOR, unit=org.north, valid_from=dt.date(2000, 1, 1))
    role_grant(actor=None, user=user, role=Role.OPERATOR, unit=org.south_b, valid_from=dt.date(2000, 1, 1))
    assert reports.visible_roots(user) == [org.north.path, org.south_b.path]
