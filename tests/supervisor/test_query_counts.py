"""The supervisor pages read a fixed number of queries, however many tasks, people or days there
are: each test runs with a small and a ten times larger data set and expects the same count."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.actors import Actor
from cases import services
from roles.models import Role
from tests.conftest import staff
from tests.support import fresh_event_day
from workflows.models import QueueSnapshot

from .conftest import held_by

pytestmark = pytest.mark.django_db

SIZES = [2, 20]

# session, user, grants (roles, delegations: the menu), guardian's rows (the scope), supervised
# units, tasks per owner, team members, queue sizes
WORKLOAD_QUERIES = 9
# session, user, grants (2), guardian's rows, units, the person, their tasks with their rows,
# delegations, receivers
PERSON_QUERIES = 10
# session, user, grants (2), units where the user decides, the decision task ids, their rows, the
# details of refunds, waivers and payees,
# authority limits
APPROVALS_QUERIES = 9
# session, user, grants (2), guardian's rows, units, snapshots by day, today's open tasks,
# finished tasks by day
CHARTS_QUERIES = 9


@pytest.mark.parametrize("n", SIZES)
def test_workload_query_count(client, team, insured, org, n, django_assert_num_queries):
    for i in range(n):
        worker = staff(f"extra{i}", Role.OPERATOR, org.north_a)
        held_by(insured, worker, 1)
    held_by(insured, team["operator"], n)
    for _ in range(n):
        services.claim_file(
            actor=Actor.person(insured),
            person=insured,
            benefit_type="marriage",
            event_date=fresh_event_day(insured, "marriage", dt.date(2024, 12, 1)),
        )
    client.force_login(team["region_supervisor"])
    url = reverse("team_unit", kwargs={"unit_id": org.north_a.pk})
    with django_assert_num_queries(WORKLOAD_QUERIES):
        response = client.get(url)
    assert 'data-user="extra0"' in response.content.decode()
    with django_assert_num_queries(WORKLOAD_QUERIES):
        client.get(reverse("team_workload"))  # the region, its branches' queues


@pytest.mark.parametrize("n", SIZES)
def test_person_page_query_count(client, team, insured, n, django_assert_num_queries):
    claims = held_by(insured, team["operator"], n)
    client.force_login(team["supervisor"])
    with django_assert_num_queries(PERSON_QUERIES):
        response = client.get(reverse("team_person", kwargs={"user_id": team["operator"].pk}))
    body = response.content.decode()
    assert all(c.reference in body for c in claims)


@pytest.mark.parametrize("n", SIZES)
def test_approvals_query_count(client, team, insured, n, django_assert_num_queries):
    claims = held_by(insured, team["operator"], n)
    for claim in claims:
        services.claim_recommend(case_id=claim.pk, actor=team["operator"], approve=True)
    client.force_login(team["supervisor"])
    with django_assert_num_queries(APPROVALS_QUERIES):
        response = client.get(reverse("team_approvals"))
    body = response.content.decode()
    assert all(c.reference in body for c in claims)


@pytest.mark.parametrize("n", SIZES)
def test_charts_query_count(client, team, insured, org, n, django_assert_num_queries):
    today = timezone.localdate()
    QueueSnapshot.objects.bulk_create(
        QueueSnapshot(
            day=today - dt.timedelta(days=d),
            unit=unit,
            case_type="benefit_claim",
            open_tasks=d,
            unassigned=0,
            taken_at=timezone.now(),
        )
        for d in range(1, min(n, 29) + 1)
        for unit in (org.north_a, org.north_b)
    )
    claims = held_by(insured, team["operator"], n)
    for claim in claims:
        services.claim_recommend(case_id=claim.pk, actor=team["operator"], approve=True)
    client.force_login(team["region_supervisor"])
    with django_assert_num_queries(CHARTS_QUERIES):
        response = client.get(reverse("team_charts"))
    assert response.status_code == 200
