"""The staff pages for an arrears waiver: an employer's case, recommended and decided under four eyes."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from audit.actors import Actor
from cases import services, waivers
from cases.models import ArrearsWaiver, WaiverState
from registry.models import LedgerPosting

from .conftest import JAN_2024, employer_in_arrears

pytestmark = pytest.mark.django_db

W = WaiverState


@pytest.fixture
def employer(org):
    return employer_in_arrears(org.north_a)  # 300.00 paid 60 days late: 9.00 of penalty


@pytest.fixture
def waiver(employer):
    return waivers.waiver_file(
        actor=Actor.employer(employer),
        employer=employer,
        period_from=JAN_2024,
        period_to=JAN_2024,
        grounds="The bank lost our transfer.",
    )


def url(case, name="case_detail", **kwargs):
    return reverse(name, kwargs={"reference": case.reference, **kwargs})


def act(case, action):
    return url(case, "case_action", action=action)


def fresh(case):
    return ArrearsWaiver.objects.get(pk=case.pk)


def text(response):
    return re.sub(r"\s+", " ", response.content.decode())


def test_an_employers_waiver_in_the_queue_and_on_its_page(client, team, employer, waiver):
    client.force_login(team["operator"])
    body = text(client.get(reverse("queue"), {"case_type": "arrears_waiver"}))
    row = re.search(rf"<tr>\s*<td><a [^>]*>{waiver.reference}</a>.*?</tr>", body).group(0)
    assert "<td>Arrears waiver</td>" in row and f"<td>{employer.name}</td>" in row
    assert "Review the waiver request" in row

    body = text(client.get(url(waiver)))
    assert f"<h1>Arrears waiver {waiver.reference}</h1>" in body
    assert f'{employer.name} <span class="muted">(registration {employer.registration_number})</span>' in body
    assert "The bank lost our transfer." in body
    assert '<dt>Penalties outstanding</dt><dd class="num">9.00</dd>' in body
    assert "<td>2024-01-01</td>" in body and '<td class="num">60</td>' in body


def test_recommend_with_an_amount_then_decide(client, team, waiver):
    client.force_login(team["operator"])
    client.post(url(waiver, "case_take"))
    body = text(client.get(url(waiver)))
    assert "Amount to waive" in body and 'name="decide-decision"' not in body

    response = client.post(act(waiver, "recommend"), {"recommend-decision": "approve", "recommend-amount": "5.00"})
    assert response.status_code == 422
    note = re.search(r'id="id_recommend-note_error".*?</ul>', text(response)).group(0)
    assert "Explain why the amount differs" in note and fresh(waiver).state == W.IN_REVIEW

    response = client.post(
        act(waiver, "recommend"),
        {"recommend-decision": "approve", "recommend-amount": "5.00", "recommend-note": "Half of the delay was ours."},
        follow=True,
    )
    assert "Your recommendation was recorded" in text(response)
    assert fresh(waiver).state == W.RECOMMENDED and fresh(waiver).recommended_amount == Decimal("5.00")
    assert 'name="decide-decision"' not in text(response)

    client.force_login(team["supervisor"])
    body = text(client.get(url(waiver)))
    assert 'name="decide-decision"' in body and "approval: 5.00" in body
    response = client.post(act(waiver, "decide"), {"decide-decision": "approve", "decide-note": "Agreed."}, follow=True)
    body = text(response)
    assert "Your decision was recorded." in body
    case = fresh(waiver)
    assert case.state == W.APPLIED and case.approved_amount == Decimal("5.00")
    assert "Recommended → Approved" in body and "Approved → Applied to the ledger" in body
    posting = LedgerPosting.objects.get(reference=waiver.reference)
    assert posting.kind == LedgerPosting.Kind.WAIVER and posting.amount == Decimal("5.00")


def test_the_recommender_may_not_decide(client, team, waiver):
    services.task_take(case_id=waiver.pk, actor=team["supervisor"])
    waivers.waiver_recommend(case_id=waiver.pk, actor=team["supervisor"], approve=True)
    client.force_login(team["supervisor"])
    response = client.post(act(waiver, "decide"), {"decide-decision": "approve"})
    assert response.status_code == 403
    assert "Whoever prepared or recommended a decision cannot approve it." in text(response)
    assert (
        fresh(waiver).state == W.RECOMMENDED and not LedgerPosting.objects.filter(reference=waiver.reference).exists()
    )


def test_request_and_receive_information(client, team, waiver):
    services.task_take(case_id=waiver.pk, actor=team["operator"])
    client.force_login(team["operator"])
    response = client.post(act(waiver, "request-info"), {"info-question": "The bank's letter."}, follow=True)
    assert "The applicant was asked for information." in text(response) and fresh(waiver).state == W.AWAITING_INFO
    response = client.post(act(waiver, "receive-info"), {"received-answer": "Letter received."}, follow=True)
    assert "back in review" in text(response) and fresh(waiver).state == W.IN_REVIEW
