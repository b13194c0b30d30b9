"""The staff pages read a fixed number of queries, however many cases, tasks or events there are.

Each test runs with a small and a ten times larger data set and expects the same count:
session + user (2), then what the page itself reads.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from audit.actors import Actor
from audit.models import AuditEvent
from backoffice import views
from cases import medical, services
from cases.models import MedicalPurpose
from roles.models import Role
from tests.conftest import make_insured, staff

from .conftest import file_claims, file_grievance, file_refund, overpaid, recommend

pytestmark = pytest.mark.django_db

SIZES = [3, 30]

# session, user, grants for the navigation (roles, delegations), tasks with their case, person,
# unit and owner
INBOX_QUERIES = 5
# session, user, grants (roles, delegations: the menu), guardian's rows (the queues' scope), units,
# task ids, tasks with their rows
QUEUE_QUERIES = 8
# ... and the cases whose decision is on the page, as their own type, and the user's authority
# limits (four eyes and the limit decide who may take a decision)
QUEUE_QUERIES_WITH_DECISIONS = QUEUE_QUERIES + 2
# session, user, grants (2), visible units, the case's type, the case as its type with what its
# page shows, open task, history, the subject's registry summary, documents, comments
CASE_QUERIES = 12
# ... and the reassign choices for a supervisor: the users guardian's rows name for the queue's unit
CASE_QUERIES_SUPERVISOR = CASE_QUERIES + 1


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
    with django_assert_num_queries(QUEUE_QUERIES_WITH_DECISIONS):
        response = client.get(reverse("queue"))
    body = response.content.decode()
    assert all(c.reference in body for c in claims)
    with django_assert_num_queries(QUEUE_QUERIES_WITH_DECISIONS):
        response = client.get(reverse("queue"), {"benefit_type": "marriage", "state": "recommended"})
    assert response.content.decode().count("Decide the claim") == 2


@pytest.mark.parametrize("n", SIZES)
def test_queue_query_count_for_a_user_over_many_units(
    client, team, insured, south_insured, n, django_assert_num_queries
):
    file_claims(insured, n)
    file_claims(south_insured, n)
    client.force_login(team["central_supervisor"])
    with django_assert_num_queries(QUEUE_QUERIES):
        response = client.get(reverse("queue"))
    body = response.content.decode()
    assert body.count(">Take<") == min(2 * n, views.PAGE_SIZE)
    assert ('rel="next"' in body) == (2 * n > views.PAGE_SIZE)


@pytest.mark.parametrize("n", [3, 24])  # up to one page of rows
def test_inbox_and_queue_query_counts_with_every_type_mixed(client, team, insured, n, django_assert_num_queries):
    claims = file_claims(insured, n)
    filed = [file_grievance(insured) for _ in range(n)]
    for case in claims[:2] + filed[:2]:
        services.task_take(case_id=case.pk, actor=team["operator"])
    client.force_login(team["operator"])
    with django_assert_num_queries(INBOX_QUERIES):
        body = client.get(reverse("inbox")).content.decode()
    assert body.count("<td>Grievance</td>") == 2 and body.count("<td>Benefit claim<br>") == 2
    with django_assert_num_queries(QUEUE_QUERIES):
        body = client.get(reverse("queue")).content.decode()
    assert body.count("<td>Grievance</td>") == n - 2 and body.count("<td>Benefit claim<br>") == n - 2
    with django_assert_num_queries(QUEUE_QUERIES):
        body = client.get(reverse("queue"), {"case_type": "grievance", "state": "submitted"}).content.decode()
    assert body.count("<td>Grievance</td>") == n - 2 and "<td>Benefit claim<br>" not in body


# ... and the persons and the employers a search by subject found
QUEUE_QUERIES_WITH_SUBJECT = QUEUE_QUERIES + 2

QUEUE_VIEWS = [
    ({"sort": "oldest"}, QUEUE_QUERIES),
    ({"sort": "due"}, QUEUE_QUERIES),
    ({"sort": "priority"}, QUEUE_QUERIES),
    ({"priority": "normal"}, QUEUE_QUERIES),
    ({"priority": "normal", "sort": "priority"}, QUEUE_QUERIES),
    ({"case_type": "benefit_claim", "state": "submitted", "sort": "due"}, QUEUE_QUERIES),
    ({"due_after": "2000-01-01", "due_before": "2100-12-31", "sort": "oldest"}, QUEUE_QUERIES),
    ({"subject": "Q"}, QUEUE_QUERIES_WITH_SUBJECT),
    ({"subject": "Q", "sort": "priority"}, QUEUE_QUERIES_WITH_SUBJECT),
]


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize(("params", "expected"), QUEUE_VIEWS)
def test_queue_query_count_for_each_filter_and_sort(client, team, org, n, params, expected, django_assert_num_queries):
    """Every person is named Q...: the subject search finds them all."""
    people = [make_insured(org.north_a, last_name=f"Q{i}") for i in range(n)]
    claims = [file_claims(person, 1)[0] for person in people]
    file_claims(make_insured(org.south_a, last_name="Qs"), n)
    client.force_login(team["supervisor"])
    with django_assert_num_queries(expected):
        response = client.get(reverse("queue"), params)
    body = response.content.decode()
    assert all(c.reference in body for c in claims)


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("sort", ["newest", "oldest", "due", "priority"])
def test_inbox_query_count_for_each_sort(client, team, insured, n, sort, django_assert_num_queries):
    claims = file_claims(insured, n)
    for claim in claims:
        services.task_take(case_id=claim.pk, actor=team["operator"])
    client.force_login(team["operator"])
    with django_assert_num_queries(INBOX_QUERIES):
        response = client.get(reverse("inbox"), {"sort": sort})
    body = response.content.decode()
    assert all(c.reference in body for c in claims)


def test_queue_next_page_query_count(client, team, insured, monkeypatch, django_assert_num_queries):
    """A page after the first, in every sort, reads as much as the first."""
    monkeypatch.setattr(views, "PAGE_SIZE", 3)
    file_claims(insured, 10)
    client.force_login(team["operator"])
    for sort in ("newest", "oldest", "due", "priority"):
        first = client.get(reverse("queue"), {"sort": sort})
        cursor = first.context["page"].next_cursor
        assert cursor
        with django_assert_num_queries(QUEUE_QUERIES):
            response = client.get(reverse("queue"), {"sort": sort, "after": cursor})
        assert len(response.context["page"].rows) == 3


def _busy(case, operator, events):
    """``case`` taken by ``operator``, with comments and documents until it has ``events`` events."""
    services.task_take(case_id=case.pk, actor=operator)
    i = 0
    while AuditEvent.objects.filter(subject_type="case", subject_id=str(case.pk)).count() < events:
        if i % 3 == 0:
            services.case_document_add(
                case_id=case.pk, actor=operator, title=f"Doc {i}", uploaded_file=SimpleUploadedFile(f"d{i}.txt", b"x")
            )
        else:
            services.case_comment_add(case_id=case.pk, actor=operator, text=f"Comment {i}")
        i += 1
    return case


def _case_page(client, user, case, expected, assert_num_queries):
    client.force_login(user)
    with assert_num_queries(expected):
        response = client.get(reverse("case_detail", kwargs={"reference": case.reference}))
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("events", [6, 30])
@pytest.mark.parametrize(("who", "expected"), [("operator", CASE_QUERIES), ("supervisor", CASE_QUERIES_SUPERVISOR)])
def test_case_page_query_count(client, team, insured, events, who, expected, django_assert_num_queries):
    claim = _busy(file_claims(insured, 1)[0], team["operator"], events)
    body = _case_page(client, team[who], claim, expected, django_assert_num_queries)
    assert body.count('<td class="num">') == events


@pytest.mark.parametrize("events", [6, 30])
@pytest.mark.parametrize(("who", "expected"), [("operator", CASE_QUERIES), ("supervisor", CASE_QUERIES_SUPERVISOR)])
def test_grievance_page_query_count(client, team, insured, events, who, expected, django_assert_num_queries):
    grievance = _busy(file_grievance(insured), team["operator"], events)
    body = _case_page(client, team[who], grievance, expected, django_assert_num_queries)
    assert body.count('<td class="num">') == events and "Triage the grievance" in body


@pytest.mark.parametrize("events", [12, 40])
def test_medical_commission_page_query_count(client, team, org, insured, events, django_assert_num_queries):
    """... plus the sessions and their members (2), however many events."""
    doctors = [staff(f"doc_{i}", Role.MEDICAL_COMMISSION, org.north_a) for i in range(3)]
    case = medical.medical_request(actor=Actor.person(insured), person=insured, purpose=MedicalPurpose.DISABILITY_CLAIM)
    _busy(case, team["operator"], events)
    medical.medical_schedule(
        case_id=case.pk, actor=team["operator"], scheduled_for=timezone.now(), location="Room 4", members=doctors
    )
    body = _case_page(client, doctors[0], case, CASE_QUERIES + 2, django_assert_num_queries)
    assert 'name="decide-degree_percent"' in body and "doc_0, doc_1, doc_2" in body


@pytest.mark.parametrize("events", [6, 30])
@pytest.mark.parametrize(("who", "expected"), [("operator", CASE_QUERIES), ("supervisor", CASE_QUERIES_SUPERVISOR)])
def test_refund_page_query_count(client, team, org, events, who, expected, django_assert_num_queries):
    refund = _busy(file_refund(overpaid(org.north_a)), team["operator"], events)
    body = _case_page(client, team[who], refund, expected, django_assert_num_queries)
    assert body.count('<td class="num">') == events and "Review the refund" in body
