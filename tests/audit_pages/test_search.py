"""Searching the audit trail: filters, scope, keyset pages."""

import datetime as dt

import pytest
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone

from audit import selectors
from audit.models import AuditEvent
from audit.services import record_event
from cases import services
from roles.models import Role
from tests.backoffice.conftest import file_claims
from tests.conftest import make_insured, staff

pytestmark = pytest.mark.django_db

URL = reverse("audit_search")


def shown_ids(response):
    return [row["event"].pk for row in response.context["rows"]]


def case_event_ids(case):
    return set(AuditEvent.objects.filter(subject_type="case", subject_id=str(case.pk)).values_list("pk", flat=True))


def test_by_case_reference_shows_that_case_only_newest_first(client, auditors, north_claim, south_claim):
    client.force_login(auditors["central"])
    response = client.get(URL, {"reference": north_claim.reference})
    assert response.status_code == 200
    ids = shown_ids(response)
    assert set(ids) == case_event_ids(north_claim)
    events = [row["event"] for row in response.context["rows"]]
    assert [(e.occurred_at, e.pk) for e in events] == sorted(((e.occurred_at, e.pk) for e in events), reverse=True)
    assert north_claim.reference in response.content.decode()


def test_central_auditor_sees_every_unit_and_events_without_a_unit(client, auditors, north_claim, south_claim):
    no_unit = record_event(subject_type="user", subject_id=auditors["central"].pk, action="user.note", org_unit_id=None)
    client.force_login(auditors["central"])
    ids = set(shown_ids(client.get(URL)))
    assert case_event_ids(north_claim) <= ids
    assert case_event_ids(south_claim) <= ids
    assert no_unit.pk in ids


def test_regional_auditor_sees_only_their_region(client, org, auditors, north_claim, south_claim):
    no_unit = record_event(subject_type="user", subject_id=auditors["north"].pk, action="user.note", org_unit_id=None)
    client.force_login(auditors["north"])
    response = client.get(URL)
    ids = set(shown_ids(response))
    assert case_event_ids(north_claim) <= ids
    assert not ids & case_event_ids(south_claim)
    assert no_unit.pk not in ids
    units = set(AuditEvent.objects.filter(pk__in=ids).values_list("org_unit_id", flat=True))
    assert units <= {org.north.pk, org.north_a.pk, org.north_b.pk}


def test_case_outside_the_region_or_missing_answers_404(client, auditors, north_claim, south_claim):
    client.force_login(auditors["north"])
    assert client.get(URL, {"reference": south_claim.reference}).status_code == 404
    assert client.get(URL, {"reference": "NO-SUCH-REF"}).status_code == 404
    assert client.get(URL, {"subject_type": "case", "subject_id": str(south_claim.pk)}).status_code == 404
    assert client.get(URL, {"reference": north_claim.reference}).status_code == 200


def test_subject_with_events_outside_the_region_answers_404(client, org, auditors):
    record_event(subject_type="org_unit", subject_id=org.south_a.pk, action="org_unit.note", org_unit_id=org.south_a.pk)
    client.force_login(auditors["north"])
    assert client.get(URL, {"subject_type": "org_unit", "subject_id": str(org.south_a.pk)}).status_code == 404
    assert client.get(URL, {"subject_type": "org_unit", "subject_id": str(org.north_a.pk)}).status_code == 200
    client.force_login(auditors["south"])
    response = client.get(URL, {"subject_type": "org_unit", "subject_id": str(org.south_a.pk)})
    assert response.status_code == 200
    assert {row["event"].action for row in response.context["rows"]} == {"org_unit.created", "org_unit.note"}


def test_by_actor_and_on_behalf_of(client, org, team, auditors, insured):
    claims = file_claims(insured, 3)
    services.task_take(case_id=claims[0].pk, actor=team["operator"])
    services.task_take(case_id=claims[1].pk, actor=team["operator2"])
    delegated = record_event(
        subject_type="case",
        subject_id=claims[2].pk,
        action="case.note",
        actor=team["operator2"],
        on_behalf_of=team["supervisor"],
        org_unit_id=org.north_a.pk,
    )
    client.force_login(auditors["central"])
    response = client.get(URL, {"actor": "op_na"})
    events = [row["event"] for row in response.context["rows"]]
    assert events and all(e.actor_id == team["operator"].pk for e in events)
    assert set(e.pk for e in events) == set(
        AuditEvent.objects.filter(actor=team["operator"]).values_list("pk", flat=True)
    )
    response = client.get(URL, {"on_behalf_of": "sup_na"})
    assert shown_ids(response) == [delegated.pk]
    assert "sup_na" in response.content.decode()
    response = client.get(URL, {"actor": "op2_na", "on_behalf_of": "sup_na"})
    assert shown_ids(response) == [delegated.pk]
    response = client.get(URL, {"actor": "nobody-of-that-name"})
    assert response.status_code == 200 and shown_ids(response) == []


def test_by_action_and_period(client, org, auditors, insured):
    old = timezone.make_aware(dt.datetime(2020, 3, 10, 12, 0))
    inside = record_event(
        subject_type="user", subject_id="900", action="user.note", org_unit_id=org.north_a.pk, occurred_at=old
    )
    record_event(
        subject_type="user",
        subject_id="901",
        action="user.note",
        org_unit_id=org.north_a.pk,
        occurred_at=old - dt.timedelta(days=5),
    )
    record_event(
        subject_type="user", subject_id="902", action="user.other", org_unit_id=org.north_a.pk, occurred_at=old
    )
    client.force_login(auditors["north"])
    response = client.get(URL, {"action": "user.note", "date_from": "2020-03-09", "date_to": "2020-03-10"})
    assert shown_ids(response) == [inside.pk]
    response = client.get(URL, {"action": "user.note", "date_from": "2020-03-11"})
    assert shown_ids(response) == []
    response = client.get(URL, {"date_from": "2020-03-10", "date_to": "2020-03-01"})
    assert response.context["form"].errors["date_to"]
    assert response.context["rows"] == []


def test_keyset_pages_cover_every_event_once(client, org, auditors, monkeypatch):
    monkeypatch.setattr(selectors, "PAGE_SIZE", 4)
    same_time = timezone.now() - dt.timedelta(days=1)
    made = {
        record_event(
            subject_type="user",
            subject_id=str(i),
            action="user.note",
            org_unit_id=org.north_a.pk,
            occurred_at=same_time if i % 2 else None,
        ).pk
        for i in range(11)
    }
    client.force_login(auditors["central"])
    seen, query, pages = [], {"action": "user.note"}, 0
    while True:
        response = client.get(URL, {**query})
        seen += shown_ids(response)
        pages += 1
        next_query = response.context["next_query"]
        if not next_query:
            break
        query = QueryDict(next_query).dict()
    assert pages == 3
    assert sorted(seen) == sorted(made) and len(seen) == len(set(seen))


def test_a_broken_page_link_shows_the_first_page(client, auditors, north_claim):
    client.force_login(auditors["central"])
    response = client.get(URL, {"reference": north_claim.reference, "after": "not-a-cursor"})
    assert response.status_code == 200
    assert set(shown_ids(response)) == case_event_ids(north_claim)
    assert "not valid any more" in response.content.decode()


def test_staff_without_audit_power_get_404_on_every_audit_page(client, team, north_claim):
    client.force_login(team["supervisor"])
    assert client.get(URL).status_code == 404
    assert client.get(reverse("audit_export")).status_code == 404
    assert client.get(reverse("audit_chain", args=["case", north_claim.pk])).status_code == 404
    assert client.get(reverse("audit_verifications")).status_code == 404
    assert client.post(reverse("audit_verification_start")).status_code == 404


def test_navigation_shows_the_audit_section_to_auditors_only(client, team, auditors):
    client.force_login(auditors["north"])
    assert f'href="{URL}"' in client.get(URL).content.decode()
    client.force_login(team["operator"])
    assert f'href="{URL}"' not in client.get(reverse("inbox")).content.decode()


def test_regional_auditor_of_a_branch_sees_only_the_branch(client, org, north_claim):
    branch_auditor = staff("aud_nb", Role.AUDITOR, org.north_b)
    b_claim = file_claims(make_insured(org.north_b), 1)[0]
    client.force_login(branch_auditor)
    ids = set(shown_ids(client.get(URL)))
    assert case_event_ids(b_claim) <= ids
    assert not ids & case_event_ids(north_claim)
    assert client.get(URL, {"reference": north_claim.reference}).status_code == 404
