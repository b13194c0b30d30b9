"""The staff pages for a contribution refund: reviewed, recommended with its amount, decided."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from cases import refunds, services
from cases.models import ContributionRefund, RefundState

from .conftest import file_refund, overpaid

pytestmark = pytest.mark.django_db

R = RefundState


@pytest.fixture
def refund(org):
    return file_refund(overpaid(org.north_a))  # 3 x 100.00 overpaid


def url(case, name="case_detail", **kwargs):
    return reverse(name, kwargs={"reference": case.reference, **kwargs})


def act(case, action):
    return url(case, "case_action", action=action)


def fresh(case):
    return ContributionRefund.objects.get(pk=case.pk)


def text(response):
    return re.sub(r"\s+", " ", response.content.decode())


def test_the_refund_page_shows_the_refundable_amount(client, team, refund):
    client.force_login(team["operator"])
    body = text(client.get(url(refund)))
    assert f"<h1>Contribution refund {refund.reference}</h1>" in body
    assert "I paid twice by mistake." in body and refund.person.full_name in body
    assert '<dt>Refundable amount</dt><dd class="num">300.00</dd>' in body
    assert "Review the refund" in body and 'name="recommend-decision"' not in body


def test_recommend_an_amount_and_decide(client, team, refund, django_capture_on_commit_callbacks):
    client.force_login(team["operator"])
    client.post(url(refund, "case_take"))
    body = text(client.get(url(refund)))
    assert "Amount to refund" in body and "Leave empty for the refundable amount" in body

    response = client.post(act(refund, "recommend"), {"recommend-decision": "approve", "recommend-amount": "900.00"})
    assert response.status_code == 422 and fresh(refund).state == R.IN_REVIEW
    assert re.search(r'id="id_recommend-amount_error"', response.content.decode())

    response = client.post(act(refund, "recommend"), {"recommend-decision": "approve"}, follow=True)
    assert "Your recommendation was recorded" in text(response)
    case = fresh(refund)
    assert case.state == R.RECOMMENDED and case.recommended_amount == Decimal("300.00")

    client.force_login(team["supervisor"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            act(refund, "decide"), {"decide-decision": "approve", "decide-note": "Ledger checked."}, follow=True
        )
    body = text(response)
    assert "Your decision was recorded." in body
    case = fresh(refund)
    assert case.state == R.PAID and case.approved_amount == Decimal("300.00") and case.payment_order
    assert "Recommended → Approved" in body and "Approved → Payment ordered" in body
    assert f"<dt>Payment order</dt><dd>{case.payment_order}</dd>" in body


def test_a_rejection_needs_its_reason_on_the_note(client, team, refund):
    services.task_take(case_id=refund.pk, actor=team["operator"])
    refunds.refund_recommend(case_id=refund.pk, actor=team["operator"], approve=True)
    client.force_login(team["supervisor"])
    response = client.post(act(refund, "decide"), {"decide-decision": "reject"})
    assert response.status_code == 422
    assert "Give the reason for rejection." in re.search(r'id="id_decide-note_error".*?</ul>', text(response)).group(0)
    assert fresh(refund).state == R.RECOMMENDED
