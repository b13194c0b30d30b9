"""The staff pages read a fixed number of queries, however many cases, tasks or events there are.

Each test runs with a small and a ten times larger data set and expects the same count:
session + user (2), then what the page itself reads.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit.models import AuditEvent
from backoffice import views
from cases import services

from .conftest import file_claims, recommend

pytestmark = pytest.mark.django_db

SIZES = [3, 30]

# session, user, tasks with their case, person, unit and owner
INBOX_QUERIES = 3
# session, user, grants (roles, delegations), units, tasks
QUEUE_QUERIES = 6
# session, user, grants (2), visible units, the case's type, the case as its type with what its
# page shows, open task, history, documents, comments
CASE_QUERIES = 11
# ... and the reassign choices for a supervisor: delegations, users
CASE_QUERIES_SUPERVISOR = CASE_QUERIES + 2


@pytest.mark.parametrize("n", SIZES)
def test_inbox_query_count(client, team, insured, n, django_assert_num_queries):
    claims = file_claims(insured, n)
    for claim in claims:
        services.task_take(case_id=claim.pk, actor=team["operator"])
    client.force_login(team["operator"])
    with django_assert_num_queries(INBOX_QUERIES):
        response = client.get(reverse("inbox"))
    body = response.content.decode()
    assert all(c.reference in body for c in claims)


@pytest.mark.parametrize("n", SIZES)
def test_queue_query_count(client, team, insured, south_insured, n, django_assert_num_queries):
    claims = file_claims(insured, n)
    file_claims(south_insured, n)
    for claim in claims[:2]:
        recommend(claim, team["operator"])  # decision tasks: a second queue for the supervisor
    client.force_login(team["supervisor"])
    with django_assert_num_queries(QUEUE_QUERIES):
        response = client.get(reverse("queue"))
    body = response.content.decode()
    assert all(c.reference in body for c in claims)
    with django_assert_num_queries(QUEUE_QUERIES):
        response = client.get(reverse("queue"), {"benefit_type": "marriage", "state": "recommended"})
    assert response.content.decode().count("Decide the claim") == 2


@pytest.mark.parametrize("n", SIZES)
def test_queue_query_count_for_a_user_over_many_units(client, team, insured, south_insured, n, django_assert_num_queries):
    file_claims(insured, n)
    file_claims(south_insured, n)
    client.force_login(team["central_supervisor"])
    with django_assert_num_queries(QUEUE_QUERIES):
        response = client.get(reverse("queue"))
    body = response.content.decode()
    assert body.count(">Take<") == min(2 * n, views.PAGE_SIZE)
    assert ('rel="next"' in body) == (2 * n > views.PAGE_SIZE)


def _busy_claim(insured, team, events):
    """A claim taken by the operator, with comments and documents until it has ``events`` events."""
    (claim,) = file_claims(insured, 1)
    services.task_take(case_id=claim.pk, actor=team["operator"])
    i = 0
    while AuditEvent.objects.filter(subject_type="case", subject_id=str(claim.pk)).count() < events:
        if i % 3 == 0:
            services.case_document_add(
                case_id=claim.pk, actor=team["operator"], title=f"Doc {i}", uploaded_file=SimpleUploadedFile(f"d{i}.txt", b"x")
            )
        else:
            services.case_comment_add(case_id=claim.pk, actor=team["operator"], text=f"Comment {i}")
        i += 1
    return claim


@pytest.mark.parametrize("events", [6, 30])
@pytest.mark.parametrize(("who", "expected"), [("operator", CASE_QUERIES), ("supervisor", CASE_QUERIES_SUPERVISOR)])
def test_case_page_query_count(client, team, insured, events, who, expected, django_assert_num_queries):
    claim = _busy_claim(insured, team, events)
    client.force_login(team[who])
    with django_assert_num_queries(expected):
        response = client.get(reverse("case_detail", kwargs={"reference": claim.reference}))
    assert response.status_code == 200
    assert response.content.decode().count('<td class="num">') == events
