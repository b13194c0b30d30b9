"""The claim API: each endpoint calls one case service; refusals come back with a stable code."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from audit.models import AuditEvent
from cases import services
from cases.models import BenefitClaim, ClaimState
from roles.models import Level, Role
from roles.services import authority_limit_set, role_grant
from tests.factories import UserFactory
from tests.support import person_actor
from workflows import routing

from .conftest import post, state_of, url

pytestmark = pytest.mark.django_db


def assert_error(response, status, code, field=None):
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code
    assert isinstance(body["message"], str) and body["message"]
    if field is None:
        assert "field" not in body
    else:
        assert body["field"] == field
    return body


# --- The lifecycle -------------------------------------------------------------------------------


def test_claim_lifecycle_through_the_api(team, claim, as_user):
    operator = as_user(team["operator"])
    response = operator.get(url(claim))
    assert response.status_code == 200
    body = response.json()
    assert body["reference"] == claim.reference
    assert body["state"] == ClaimState.SUBMITTED
    assert body["owning_unit"] == "NA"
    assert body["person"]["ssn"] == claim.person.ssn
    assert body["task"] == {"step": "review", "status": "NEW", "owner": None}

    response = post(operator, claim, "take")
    assert response.status_code == 200
    assert response.json()["state"] == ClaimState.IN_REVIEW
    assert response.json()["task"] == {"step": "review", "status": "ASSIGNED", "owner": "op_na"}

    response = post(operator, claim, "request-info", {"question": "The marriage certificate, please."})
    assert response.status_code == 200
    assert response.json()["state"] == ClaimState.AWAITING_INFO
    assert response.json()["info_request"] == "The marriage certificate, please."

    services.claim_receive_info(
        actor=person_actor(claim.pk), case_id=claim.pk, answer="Certificate uploaded"
    )  # the claimant, in the portal

    response = post(operator, claim, "recommend", {"approve": True})
    assert response.status_code == 200
    body = response.json()
    assert body["state"] == ClaimState.RECOMMENDED
    assert body["recommended_amount"] == "1200.00"
    assert body["recommended_by"] == "op_na"
    assert body["deciding_unit"] == "NA"
    assert body["task"] == {"step": "decide", "status": "NEW", "owner": None}

    supervisor = as_user(team["supervisor"])
    response = supervisor.post(
        url(claim, "decide"), {"approve": True, "note": "In order"}, format="json", HTTP_X_REQUEST_ID="req-decide-1"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["state"] == ClaimState.IN_PAYMENT
    assert body["approved_amount"] == "1200.00"
    assert body["decided_by"] == "sup_na"
    assert body["decided_on_behalf_of"] is None
    assert body["decision_note"] == "In order"
    assert body["task"] is None

    # The API wrote the same audit trail as the services, with the request's id and address.
    approve = AuditEvent.objects.get(subject_type="case", subject_id=str(claim.pk), action="benefit_claim.approve")
    assert approve.actor == team["supervisor"]
    assert approve.request_id == "req-decide-1"
    assert approve.client_ip == "127.0.0.1"
    actions = list(
        AuditEvent.objects.filter(subject_type="case", subject_id=str(claim.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == [
        "benefit_claim.created",
        "benefit_claim.submit",
        "task.created",
        "task.assigned",
        "benefit_claim.start_review",
        "benefit_claim.request_info",
        "benefit_claim.receive_info",
        "task.completed",
        "benefit_claim.recommend",
        "task.created",
        "task.completed",
        "benefit_claim.approve",
        "benefit_claim.start_payment",
    ]


def test_recommend_with_an_amount_and_a_note(team, claim, as_user):
    operator = as_user(team["operator"])
    post(operator, claim, "take")
    response = post(operator, claim, "recommend", {"approve": True, "amount": "1300.50", "note": "Two certificates"})
    assert response.status_code == 200
    assert response.json()["recommended_amount"] == "1300.50"
    assert BenefitClaim.objects.get(pk=claim.pk).recommended_amount == Decimal("1300.50")


def test_release_and_reassign(team, claim, as_user):
    operator = as_user(team["operator"])
    post(operator, claim, "take")
    response = post(operator, claim, "release")
    assert response.status_code == 200
    assert response.json()["task"] == {"step": "review", "status": "NEW", "owner": None}

    supervisor = as_user(team["supervisor"])
    response = post(supervisor, claim, "reassign", {"user": "op2_na"})
    assert response.status_code == 200
    assert response.json()["task"] == {"step": "review", "status": "ASSIGNED", "owner": "op2_na"}
    assert routing.open_task(claim).owner_id == team["operator2"].pk


def test_escalated_claim_is_decided_at_the_region(team, pension, as_user):
    operator = as_user(team["operator"])
    post(operator, pension, "take")
    body = post(operator, pension, "recommend", {"approve": True}).json()
    assert body["deciding_unit"] == "N"
    assert (body["recommended_amount"], body["recommended_instalments"]) == ("1200.00", 12)

    assert_error(post(as_user(team["supervisor"]), pension, "decide", {"approve": True}), 403, "not_authorized")
    response = post(as_user(team["region_supervisor"]), pension, "decide", {"approve": True})
    assert response.status_code == 200
    assert response.json()["decided_by"] == "sup_n"


# --- 403 -----------------------------------------------------------------------------------------


def test_seeing_a_claim_is_not_working_on_it(team, claim, as_user):
    auditor = as_user(team["auditor"])
    assert auditor.get(url(claim)).status_code == 200
    assert_error(post(auditor, claim, "take"), 403, "not_authorized")
    assert state_of(claim) == ClaimState.SUBMITTED


def test_an_operator_cannot_decide_or_reassign(team, claim, as_user):
    operator = as_user(team["operator"])
    post(operator, claim, "take")
    assert_error(post(operator, claim, "reassign", {"user": "op2_na"}), 403, "not_authorized")
    post(operator, claim, "recommend", {"approve": True})
    assert_error(post(as_user(team["operator2"]), claim, "decide", {"approve": True}), 403, "not_authorized")
    assert state_of(claim) == ClaimState.RECOMMENDED


def test_four_eyes(team, claim, as_user):
    supervisor = as_user(team["supervisor"])
    post(supervisor, claim, "take")
    post(supervisor, claim, "recommend", {"approve": True})
    assert_error(post(supervisor, claim, "decide", {"approve": True}), 403, "four_eyes")
    assert state_of(claim) == ClaimState.RECOMMENDED
    assert post(as_user(team["supervisor2"]), claim, "decide", {"approve": True}).status_code == 200


def test_authority_limit(team, claim, as_user):
    operator = as_user(team["operator"])
    post(operator, claim, "take")
    post(operator, claim, "recommend", {"approve": True})
    # The branch limit is lowered below the recommended 1200.00 before the decision.
    authority_limit_set(
        actor=None,
        role=Role.SUPERVISOR,
        level=Level.BRANCH,
        amount=Decimal("1000.00"),
        valid_from=claim.created_at.date(),
    )
    assert_error(post(as_user(team["supervisor"]), claim, "decide", {"approve": True}), 403, "authority_limit_exceeded")
    assert state_of(claim) == ClaimState.RECOMMENDED


# --- 409 -----------------------------------------------------------------------------------------


def test_deciding_twice(team, claim, as_user):
    operator = as_user(team["operator"])
    post(operator, claim, "take")
    post(operator, claim, "recommend", {"approve": True})
    supervisor = as_user(team["supervisor"])
    assert post(supervisor, claim, "decide", {"approve": True}).status_code == 200
    assert_error(post(supervisor, claim, "decide", {"approve": True}), 409, "invalid_transition")
    assert_error(
        post(as_user(team["supervisor2"]), claim, "decide", {"approve": False, "note": "No"}), 409, "invalid_transition"
    )
    assert BenefitClaim.objects.get(pk=claim.pk).decided_by == team["supervisor"]


def test_taking_a_taken_task(team, claim, as_user):
    assert post(as_user(team["operator"]), claim, "take").status_code == 200
    assert_error(post(as_user(team["operator2"]), claim, "take"), 409, "conflict")
    assert routing.open_task(claim).owner_id == team["operator"].pk


def test_working_without_taking_the_task(team, claim, as_user):
    post(as_user(team["operator"]), claim, "take")
    other = as_user(team["operator2"])
    assert_error(post(other, claim, "request-info", {"question": "Certificate"}), 409, "conflict")
    assert_error(post(other, claim, "recommend", {"approve": True}), 409, "conflict")
    assert state_of(claim) == ClaimState.IN_REVIEW


# --- 422 -----------------------------------------------------------------------------------------


def test_rejecting_without_a_note(team, claim, as_user):
    operator = as_user(team["operator"])
    post(operator, claim, "take")
    assert_error(post(operator, claim, "recommend", {"approve": False}), 422, "invalid", "note")
    post(operator, claim, "recommend", {"approve": False, "note": "Too few days"})
    assert_error(
        post(as_user(team["supervisor"]), claim, "decide", {"approve": False, "note": "  "}), 422, "invalid", "note"
    )
    assert state_of(claim) == ClaimState.RECOMMENDED


@pytest.mark.parametrize(
    "data, field",
    [
        ({"approve": True, "amount": "abc"}, "amount"),
        ({"approve": True, "amount": "12.345"}, "amount"),
        ({"approve": True, "amount": "-5", "note": "Less"}, "amount"),  # refused by the service
        ({"approve": True, "amount": "900.00"}, "note"),  # a changed amount needs a reason
        ({"amount": "900.00"}, "approve"),
        ({"approve": "perhaps"}, "approve"),
    ],
)
def test_invalid_recommendation(team, claim, as_user, data, field):
    operator = as_user(team["operator"])
    post(operator, claim, "take")
    assert_error(post(operator, claim, "recommend", data), 422, "invalid", field)
    assert state_of(claim) == ClaimState.IN_REVIEW


def test_invalid_question_and_reassignment(team, claim, as_user):
    operator = as_user(team["operator"])
    post(operator, claim, "take")
    assert_error(post(operator, claim, "request-info", {"question": "   "}), 422, "invalid", "question")
    assert_error(post(operator, claim, "request-info", {}), 422, "invalid", "question")
    supervisor = as_user(team["supervisor"])
    assert_error(post(supervisor, claim, "reassign", {"user": "nobody"}), 422, "invalid", "user")
    # A member of another branch may not do this task: refused by the service.
    assert_error(post(supervisor, claim, "reassign", {"user": "op_sa"}), 422, "invalid", "user")
    assert routing.open_task(claim).owner_id == team["operator"].pk


def test_a_malformed_body_is_a_bad_request(team, claim, as_user):
    response = as_user(team["operator"]).post(url(claim, "take"), "{not json", content_type="application/json")
    assert_error(response, 400, "parse_error")


# --- 404 -----------------------------------------------------------------------------------------


def test_claims_outside_visibility_do_not_exist(org, team, claim, as_user):
    outsider = as_user(team["other_operator"])
    missing = assert_error(outsider.get(url(claim)), 404, "not_found")
    assert assert_error(outsider.get(url("BC-2024-NOSUCH00")), 404, "not_found") == missing
    for action, data in [("take", {}), ("recommend", {"approve": True}), ("decide", {"approve": True})]:
        assert_error(post(outsider, claim, action, data), 404, "not_found")
    assert state_of(claim) == ClaimState.SUBMITTED
    assert routing.open_task(claim).owner_id is None


def test_users_without_a_valid_role_see_nothing(org, claim, as_user):
    nobody = UserFactory(username="nobody")
    former = UserFactory(username="former")
    role_grant(
        actor=None,
        user=former,
        role=Role.SUPERVISOR,
        unit=org.north_a,
        valid_from=dt.date(2000, 1, 1),
        valid_to=dt.date(2001, 1, 1),
    )
    for user in (nobody, former):
        assert_error(as_user(user).get(url(claim)), 404, "not_found")
        assert_error(post(as_user(user), claim, "take"), 404, "not_found")


def test_region_staff_see_the_claims_of_their_branches(team, claim, as_user):
    assert as_user(team["region_supervisor"]).get(url(claim)).status_code == 200
    assert as_user(team["central_supervisor"]).get(url(claim)).status_code == 200


# --- Authentication ------------------------------------------------------------------------------


def test_anonymous_requests_are_refused(claim):
    client = APIClient()
    assert_error(client.get(url(claim)), 403, "not_authenticated")
    assert_error(post(client, claim, "take"), 403, "not_authenticated")
    assert state_of(claim) == ClaimState.SUBMITTED


def test_session_posts_need_the_csrf_token(team, claim):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(team["operator"])
    assert_error(post(client, claim, "take"), 403, "permission_denied")
    assert state_of(claim) == ClaimState.SUBMITTED


def test_wrong_method(team, claim, as_user):
    assert_error(as_user(team["operator"]).get(url(claim, "take")), 405, "method_not_allowed")


# --- Schema --------------------------------------------------------------------------------------


def test_schema_describes_the_claim_endpoints(team, as_user):
    response = as_user(team["operator"]).get(reverse("api-schema"), {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    paths = schema["paths"]
    for action in ("take", "release", "request-info", "recommend", "decide", "reassign"):
        operation = paths[f"/api/claims/{{reference}}/{action}/"]["post"]
        assert set(operation["responses"]) == {"200", "403", "404", "409", "422"}
    assert "get" in paths["/api/claims/{reference}/"]
    assert set(schema["components"]["schemas"]["Error"]["required"]) == {"code", "message"}
    recommend = schema["components"]["schemas"]["Recommend"]["properties"]
    assert set(recommend) == {"approve", "amount", "note"}
