"""The audit trail records the same client address as the lockout counts on, behind proxies too."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from tests.backoffice.conftest import file_claims

pytestmark = pytest.mark.django_db


def _comment(client, claim, **meta):
    response = client.post(
        reverse("case_comment", args=[claim.reference]), {"comment-text": "Called the insured person."}, **meta
    )
    assert response.status_code == 302
    return AuditEvent.objects.filter(subject_type="case", subject_id=str(claim.pk)).order_by("-seq").first()


@pytest.mark.parametrize(
    ("proxies", "expected"),
    # X-Forwarded-For "6.6.6.6, 198.51.100.7" reached us from 10.0.0.2. With n trusted proxies, the
    # n-th address from the right is the one the outermost trusted proxy saw; with fewer
    # addresses than proxies, the connection's own address counts.
    [(0, "10.0.0.2"), (1, "198.51.100.7"), (2, "6.6.6.6"), (3, "10.0.0.2")],
)
def test_the_audit_event_records_the_address_the_trusted_proxies_saw(
    client, team, insured, settings, proxies, expected
):
    settings.SOCIUS_TRUSTED_PROXY_COUNT = proxies
    claim = file_claims(insured, 1)[0]
    client.force_login(team["operator"])
    event = _comment(client, claim, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7")
    assert event.action == "comment.added"
    assert event.client_ip == expected
