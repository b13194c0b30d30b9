import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from cases import deadlines, services
from cases.errors import InvalidInput
from cases.models import CaseType, StaffAlert
from tests.support import person_actor

from .helpers import file_claim, make_case, recommend, set_due

pytestmark = pytest.mark.django_db

# session, user, grants (roles, delegations), units, overdue cases, their open tasks with their
# holders, unread alerts
OVERDUE_PAGE_QUERIES = 8


def today():
    return timezone.localdate()


def refs(page):
    return [c.reference for c in page.rows]


def test_supervisors_see_the_overdue_cases_of_their_subtree(org, team, insured, south_insured):
    north_a = [file_claim(insured) for _ in range(2)]
    north_b = make_case(CaseType.MEDICAL_COMMISSION, org.north_b, "scheduled", due_date=today() - dt.timedelta(days=3))
    south = [file_claim(south_insured)]
    set_due(north_a + south, today() - dt.timedelta(days=5))

    def visible(user):
        return set(refs(deadlines.overdue_cases_visible_to(user)))

    assert visible(team["supervisor"]) == {c.reference for c in north_a}
    assert visible(team["region_supervisor"]) == {c.reference for c in north_a} | {north_b.reference}
    assert visible(team["central_supervisor"]) == {c.reference for c in north_a + south} | {north_b.reference}
    # neither reassigning nor deciding: nothing, even where they see cases
    for name in ("operator", "finance", "auditor", "other_operator"):
        assert visible(team[name]) == set()


def test_only_open_cases_past_their_due_date_are_listed(org, team, insured):
    late = file_claim(insured)
    due_today = file_claim(insured)
    withdrawn = file_claim(insured)
    services.claim_withdraw(actor=person_actor(withdrawn.pk), case_id=withdrawn.pk, reason="No longer needed")
    set_due([late, withdrawn], today() - dt.timedelta(days=1))
    set_due([due_today], today())
    decided_payee = make_case(CaseType.REPRESENTATIVE_PAYEE, org.north_a, "active", due_date=dt.date(2020, 1, 1))
    approved_refund = make_case(CaseType.CONTRIBUTION_REFUND, org.north_a, "approved", due_date=dt.date(2020, 1, 1))

    page = deadlines.overdue_cases_visible_to(team["supervisor"])

    assert refs(page) == [approved_refund.reference, late.reference]  # approved refund: still to be paid
    assert decided_payee.reference not in refs(page)
    row = page.rows[1]
    assert row.days_overdue == 1 and row.state_label == "submitted" and row.unit == org.north_a


def test_keyset_pages_by_due_date_then_id(org, team):
    due = [dt.date(2025, 3, d) for d in (5, 1, 3, 1, 5, 2, 1)]
    cases = [make_case(CaseType.MEDICAL_COMMISSION, org.north_a, "requested", due_date=d) for d in due]
    expected = [c.reference for c in sorted(cases, key=lambda c: (c.due_date, c.pk))]
    on = dt.date(2025, 4, 1)

    seen, after = [], None
    while True:
        page = deadlines.overdue_cases_visible_to(team["supervisor"], after=after, limit=3, on=on)
        seen += refs(page)
        assert len(page.rows) <= 3
        if page.next_cursor is None:
            break
        after = page.next_cursor
    assert seen == expected
    assert page.rows[-1].days_overdue == (on - dt.date(2025, 3, 5)).days

    with pytest.raises(InvalidInput):
        deadlines.overdue_cases_visible_to(team["supervisor"], after="not-a-cursor", on=on)


@pytest.mark.parametrize("n", [3, 30])
def test_overdue_page_query_count(client, org, team, insured, south_insured, n, django_assert_num_queries):
    claims = [file_claim(insured) for _ in range(n)]
    recommend(claims[0], team["operator"])
    others = [
        make_case(case_type, org.north_a, "submitted", due_date=today() - dt.timedelta(days=2))
        for case_type in (CaseType.CONTRIBUTION_REFUND, CaseType.ARREARS_WAIVER, CaseType.REPRESENTATIVE_PAYEE)
    ]
    hidden = file_claim(south_insured)
    set_due(claims + [hidden], today() - dt.timedelta(days=7))
    deadlines.mark_overdue()  # alerts for the North A supervisors; the recommended claim goes up a level
    assert StaffAlert.objects.filter(user=team["supervisor"], read_at__isnull=True).count() == n + len(others)

    client.force_login(team["supervisor"])
    with django_assert_num_queries(OVERDUE_PAGE_QUERIES):
        response = client.get(reverse("overdue"))

    assert response.status_code == 200
    body = response.content.decode()
    assert all(c.reference in body for c in claims + others)
    assert hidden.reference not in body
    assert body.count('class="num days-overdue">7<') == n
    assert body.count('class="num days-overdue">2<') == len(others)
    assert body.count('class="num escalation-level">1<') == 1
    assert "Contribution refund" in body and "Representative payee" in body
    assert body.count('class="alert alert-overdue"') == n + len(others)


def test_overdue_page_pages_and_survives_a_bad_cursor(client, org, team, monkeypatch):
    from backoffice import views_reports

    monkeypatch.setattr(views_reports, "PAGE_SIZE", 2)
    cases = [
        make_case(CaseType.MEDICAL_COMMISSION, org.north_a, "requested", due_date=today() - dt.timedelta(days=d))
        for d in (1, 2, 3)
    ]
    client.force_login(team["supervisor"])
    first = client.get(reverse("overdue")).content.decode()
    assert cases[2].reference in first and cases[1].reference in first and cases[0].reference not in first
    assert 'rel="next"' in first
    after = first.split("?after=")[1].split('"')[0]
    second = client.get(reverse("overdue"), {"after": after}).content.decode()
    assert cases[0].reference in second and cases[2].reference not in second
    assert 'rel="next"' not in second

    response = client.get(reverse("overdue"), {"after": "garbage"})
    assert response.status_code == 200
    assert "not valid any more" in response.content.decode()
    assert cases[2].reference in response.content.decode()


def test_overdue_page_needs_a_login(client):
    response = client.get(reverse("overdue"))
    assert response.status_code == 302 and reverse("login") in response["Location"]
