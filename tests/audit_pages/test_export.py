"""CSV export of the current search: same filters and scope, streamed, recorded in the trail."""

import csv
import io

import pytest
from django.urls import reverse

from audit import selectors
from audit.models import AuditEvent
from audit.services import record_event
from backoffice.views_audit import CSV_HEADER, csv_cell

pytestmark = pytest.mark.django_db

URL = reverse("audit_export")


def exported(response):
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode()
    rows = list(csv.reader(io.StringIO(text)))
    assert tuple(rows[0]) == CSV_HEADER
    return [dict(zip(CSV_HEADER, row, strict=True)) for row in rows[1:]]


def test_export_of_a_case_has_its_events_and_is_recorded(client, org, auditors, north_claim, south_claim):
    auditor = auditors["north"]
    client.force_login(auditor)
    rows = exported(client.get(URL, {"reference": north_claim.reference}))
    expected = AuditEvent.objects.filter(subject_type="case", subject_id=str(north_claim.pk)).order_by(
        "-occurred_at", "-id"
    )
    assert [int(r["id"]) for r in rows] == [e.pk for e in expected]
    assert {r["case_reference"] for r in rows} == {north_claim.reference}
    assert rows[-1]["action"] == expected.last().action and rows[-1]["hash"] == expected.last().hash
    recorded = AuditEvent.objects.get(action="audit.exported")
    assert recorded.actor_id == auditor.pk
    assert recorded.org_unit_id == org.north.pk
    assert recorded.payload["filters"] == {
        "reference": north_claim.reference,
        "subject_type": "case",
        "subject_id": str(north_claim.pk),
    }


def test_export_keeps_the_scope_and_the_filters(client, org, auditors, north_claim, south_claim):
    client.force_login(auditors["north"])
    rows = exported(client.get(URL))
    subjects = {(r["subject_type"], r["subject_id"]) for r in rows}
    assert ("case", str(north_claim.pk)) in subjects
    assert ("case", str(south_claim.pk)) not in subjects
    assert {int(r["org_unit_id"]) for r in rows} <= {org.north.pk, org.north_a.pk, org.north_b.pk}
    rows = exported(client.get(URL, {"action": "task.created"}))
    assert rows and {r["action"] for r in rows} == {"task.created"}
    assert client.get(URL, {"reference": south_claim.reference}).status_code == 404
    assert not AuditEvent.objects.filter(
        action="audit.exported", payload__filters__reference=south_claim.reference
    ).exists()


def test_export_streams_every_event_once_across_chunks(client, org, auditors, monkeypatch):
    monkeypatch.setattr(selectors, "EXPORT_CHUNK", 3)
    made = [
        record_event(subject_type="user", subject_id=str(i), action="user.note", org_unit_id=org.north_a.pk).pk
        for i in range(10)
    ]
    client.force_login(auditors["central"])
    rows = exported(client.get(URL, {"action": "user.note"}))
    assert [int(r["id"]) for r in rows] == sorted(made, reverse=True)


def test_cells_that_a_spreadsheet_would_run_are_quoted(client, org, auditors):
    record_event(
        subject_type="user",
        subject_id="7",
        action="=HYPERLINK(1)",
        org_unit_id=org.north_a.pk,
        from_state="+1",
        to_state="@SUM(A1)",
        request_id="-2",
    )
    client.force_login(auditors["central"])
    (row,) = exported(client.get(URL, {"subject_type": "user", "subject_id": "7"}))
    assert row["action"] == "'=HYPERLINK(1)"
    assert row["from_state"] == "'+1"
    assert row["to_state"] == "'@SUM(A1)"
    assert row["request_id"] == "'-2"
    assert csv_cell("\tx") == "'\tx" and csv_cell("plain") == "plain" and csv_cell(None) == ""


def test_an_invalid_search_is_not_exported(client, auditors):
    client.force_login(auditors["central"])
    response = client.get(URL, {"subject_id": "5"})  # no subject type
    assert response.status_code == 302
    assert not AuditEvent.objects.filter(action="audit.exported").exists()
