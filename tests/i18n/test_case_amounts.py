"""Amounts on the case pages follow the reader's language: grouped thousands and its decimal sign."""

import pytest
from django.urls import reverse

from cases import services
from tests.backoffice.conftest import file_claims, recommend

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "shown", "not_shown"),
    [("en", "1,200.00", "1200.00"), ("fr", "1\xa0200,00", "1200.00"), ("fa", "1,200.00", "1200.00")],
)
def test_decided_claim_amounts_in_the_readers_language(client, team, insured, language, shown, not_shown):
    claim = file_claims(insured, 1)[0]
    recommend(claim, team["operator"])
    services.task_take(case_id=claim.pk, actor=team["supervisor"])
    services.claim_decide(case_id=claim.pk, actor=team["supervisor"], approve=True)

    client.force_login(team["supervisor"])
    client.post(reverse("set_language"), {"language": language, "next": "/"})
    body = client.get(reverse("case_detail", args=[claim.reference])).content.decode()
    assert f"{shown} × 1" in body  # the recommendation and the approved amount
    assert f"{not_shown} ×" not in body
