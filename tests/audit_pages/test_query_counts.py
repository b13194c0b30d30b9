"""The audit pages read a fixed number of queries, however many events there are.

Each test runs with a small and a ten times larger trail and expects the same count."""

import pytest
from django.db import connection
from django.urls import reverse

from audit import activity, selectors
from audit.models import AuditEvent
from audit.tasks import run_verification
from cases import services
from tests.backoffice.conftest import file_claims
from tests.conftest import make_insured

pytestmark = pytest.mark.django_db

SIZES = [3, 30]

# session, user, grants (roles, delegations), the page of events with on-behalf-of users,
# unit names, case references
SEARCH_QUERIES = 7
# ... and the units of a regional auditor's subtree
REGIONAL = 1
# ... and the case a reference names, or the users named as actor / on behalf of (one query)
REFERENCE = 1
USERNAMES = 1
# session, user, grants (2), the case row, the chain's head and first event, the chain's events,
# the heads checkpoints recorded, the event the case row names with the chain's last sequence
CHAIN_QUERIES = 10
# PostgreSQL: the verification reads one snapshot (a savepoint and its release inside the test's
# transaction; SET TRANSACTION and SET LOCAL outside one)
SNAPSHOT = 2
# session, user, grants (2), recent runs with who asked
VERIFICATIONS_QUERIES = 5


@pytest.fixture
def trail(org, team):
    def build(n):
        north = file_claims(make_insured(org.north_a), n)
        file_claims(make_insured(org.south_a), n)
        for claim in north:
            services.task_take(case_id=claim.pk, actor=team["operator"])
        return north

    return build


@pytest.mark.parametrize("n", SIZES)
def test_search_query_count(client, org, auditors, trail, n, django_assert_num_queries):
    trail(n)
    client.force_login(auditors["central"])
    with django_assert_num_queries(SEARCH_QUERIES):
        response = client.get(reverse("audit_search"))
    assert len(response.context["rows"]) == min(AuditEvent.objects.count(), 50)
    client.force_login(auditors["north"])
    with django_assert_num_queries(SEARCH_QUERIES + REGIONAL):
        response = client.get(reverse("audit_search"))
    in_north = AuditEvent.objects.filter(org_unit_id__in=[org.north.pk, org.north_a.pk, org.north_b.pk]).count()
    assert len(response.context["rows"]) == min(in_north, 50)
    with django_assert_num_queries(SEARCH_QUERIES + REGIONAL + USERNAMES):
        response = client.get(reverse("audit_search"), {"actor": "op_na", "action": "task.assigned"})
    assert len(response.context["rows"]) == n


@pytest.mark.parametrize("n", SIZES)
def test_search_by_reference_and_next_page_query_count(
    client, auditors, trail, n, django_assert_num_queries, monkeypatch
):
    claims = trail(n)
    client.force_login(auditors["central"])
    with django_assert_num_queries(SEARCH_QUERIES + REFERENCE):
        response = client.get(reverse("audit_search"), {"reference": claims[-1].reference})
    claims[-1].refresh_from_db()
    assert len(response.context["rows"]) == claims[-1].audit_seq
    monkeypatch.setattr(selectors, "PAGE_SIZE", 5)
    first = client.get(reverse("audit_search"))
    with django_assert_num_queries(SEARCH_QUERIES):
        response = client.get(reverse("audit_search") + "?" + first.context["next_query"])
    assert len(response.context["rows"]) == 5
    assert not {r["event"].pk for r in response.context["rows"]} & {r["event"].pk for r in first.context["rows"]}


@pytest.mark.parametrize("n", SIZES)
def test_chain_status_query_count(client, auditors, team, org, n, django_assert_num_queries):
    claim = file_claims(make_insured(org.north_a), 1)[0]
    services.task_take(case_id=claim.pk, actor=team["operator"])
    for _ in range(n):  # a longer chain
        services.task_release(case_id=claim.pk, actor=team["operator"])
        services.task_take(case_id=claim.pk, actor=team["operator"])
    client.force_login(auditors["central"])
    with django_assert_num_queries(CHAIN_QUERIES + (SNAPSHOT if connection.vendor == "postgresql" else 0)):
        response = client.get(reverse("audit_chain", args=["case", claim.pk]))
    claim.refresh_from_db()
    assert claim.audit_seq > 2 * n
    assert response.context["result"].ok and response.context["result"].events_checked == claim.audit_seq


@pytest.mark.parametrize("n", [2, 20])
def test_verifications_query_count(client, auditors, n, django_assert_num_queries):
    for _ in range(n):
        run_verification(activity.verification_start(actor=auditors["central"]).pk)
    client.force_login(auditors["central"])
    with django_assert_num_queries(VERIFICATIONS_QUERIES):
        response = client.get(reverse("audit_verifications"))
    assert len(response.context["runs"]) == min(n, 20)
