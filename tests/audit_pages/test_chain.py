"""Chain status of one subject: verified on the page, OK or the first broken link."""

import pytest
from django.urls import reverse

from audit.services import create_checkpoint, record_event
from cases import services
from tests.audit.trail import NO_SETTLE, case_chain, delete_events, tamper

pytestmark = pytest.mark.django_db


def chain_url(subject_type, subject_id):
    return reverse("audit_chain", args=[subject_type, subject_id])


def test_an_intact_case_chain_is_ok_with_the_head_on_its_row(client, team, auditors, north_claim):
    services.task_take(case_id=north_claim.pk, actor=team["operator"])
    client.force_login(auditors["north"])
    response = client.get(chain_url("case", north_claim.pk))
    assert response.status_code == 200
    result = response.context["result"]
    assert result.ok
    assert result.events_checked == len(case_chain(north_claim))
    assert result.heads_checked == 1
    body = response.content.decode()
    assert "chain-ok" in body and north_claim.reference in body


def test_an_edited_event_shows_as_the_first_problem(client, team, auditors, north_claim):
    services.task_take(case_id=north_claim.pk, actor=team["operator"])
    second = case_chain(north_claim)[1]
    assert tamper("UPDATE audit_auditevent SET to_state = %s WHERE id = %s", ["edited", second.pk]) == 1
    client.force_login(auditors["central"])
    response = client.get(chain_url("case", north_claim.pk))
    problem = response.context["first_problem"]
    assert f"event {second.pk}" in problem and "#2" in problem
    assert "chain-broken" in response.content.decode()


def test_a_removed_tail_shows_against_the_case_row(client, team, auditors, north_claim):
    services.task_take(case_id=north_claim.pk, actor=team["operator"])
    last = case_chain(north_claim)[-1]
    delete_events([last.pk])
    client.force_login(auditors["central"])
    problem = client.get(chain_url("case", north_claim.pk)).context["first_problem"]
    assert "tail removed" in problem and "the case record" in problem


def test_a_tail_removed_after_a_checkpoint_shows_for_a_subject_without_a_row(client, org, auditors):
    for _ in range(3):
        record_event(subject_type="user", subject_id="77", action="user.note", org_unit_id=org.north_a.pk)
    assert create_checkpoint(settle=NO_SETTLE) is not None
    tamper("DELETE FROM audit_auditevent WHERE subject_type = 'user' AND subject_id = '77' AND seq = 3")
    client.force_login(auditors["north"])
    response = client.get(chain_url("user", "77"))
    assert response.status_code == 200
    assert "lost or changed its event #3" in response.context["first_problem"]


def test_chain_of_another_region_or_missing_subject_answers_404(client, org, auditors, north_claim, south_claim):
    record_event(subject_type="user", subject_id="88", action="user.note", org_unit_id=org.south_a.pk)
    client.force_login(auditors["north"])
    assert client.get(chain_url("case", south_claim.pk)).status_code == 404
    assert client.get(chain_url("user", "88")).status_code == 404
    assert client.get(chain_url("case", 999999)).status_code == 404
    assert client.get(chain_url("user", "no-such")).status_code == 404
    assert client.get(chain_url("case", north_claim.pk)).status_code == 200
    client.force_login(auditors["south"])
    assert client.get(chain_url("user", "88")).status_code == 200
    assert client.get(chain_url("case", north_claim.pk)).status_code == 404


def test_odd_subject_ids_answer_404(client, auditors):
    client.force_login(auditors["central"])
    for subject_id in ("²", "9" * 40, "-1", "abc"):
        assert client.get(chain_url("case", subject_id)).status_code == 404
