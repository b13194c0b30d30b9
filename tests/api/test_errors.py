"""api.errors: one error shape for domain, validation and framework errors."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions

from api.errors import exception_handler, first_error
from cases.errors import CaseLocked, CaseNotFound, CaseTransitionError
from roles.errors import AuthorityLimitExceeded, FourEyesViolation, InvalidInput, NotAuthorized


def handle(exc):
    response = exception_handler(exc, {})
    return response.status_code, response.data


def test_domain_errors_keep_their_status_code_and_field():
    assert handle(NotAuthorized())[0] == 403
    assert handle(FourEyesViolation())[1]["code"] == "four_eyes"
    assert handle(AuthorityLimitExceeded("Above 5000.00"))[1] == {
        "code": "authority_limit_exceeded",
        "message": "Above 5000.00",
    }
    assert handle(CaseTransitionError()) == (409, {"code": "invalid_transition", "message": str(CaseTransitionError())})
    assert handle(CaseLocked()) == (409, {"code": "case_busy", "message": str(CaseLocked())})
    assert handle(CaseNotFound())[0] == 404
    assert handle(InvalidInput("Give a reason.", field="note")) == (
        422,
        {"code": "invalid", "message": "Give a reason.", "field": "note"},
    )


def test_validation_errors_name_the_first_field():
    status, body = handle(
        exceptions.ValidationError({"amount": ["A valid number is required."], "note": ["Too long."]})
    )
    assert (status, body) == (422, {"code": "invalid", "message": "A valid number is required.", "field": "amount"})
    status, body = handle(exceptions.ValidationError({"non_field_errors": ["Choose one."]}))
    assert (status, body) == (422, {"code": "invalid", "message": "Choose one."})
    status, body = handle(exceptions.ValidationError(["Nothing to do."]))
    assert body == {"code": "invalid", "message": "Nothing to do."}


def test_first_error_follows_nested_fields():
    assert first_error({"items": [{"amount": ["Bad amount."]}]}) == ("items.0.amount", "Bad amount.")
    assert first_error({"person": {"ssn": ["Wrong check digit."]}}) == ("person.ssn", "Wrong check digit.")
    assert first_error({"person": {"non_field_errors": ["Unknown person."]}}) == ("person", "Unknown person.")


def test_framework_errors_get_a_code():
    assert handle(Http404()) == (404, {"code": "not_found", "message": str(exceptions.NotFound.default_detail)})
    assert handle(PermissionDenied())[1]["code"] == "permission_denied"
    # The view turns 401 into 403 for session authentication, which sends no challenge.
    assert handle(exceptions.NotAuthenticated()) == (
        401,
        {"code": "not_authenticated", "message": str(exceptions.NotAuthenticated.default_detail)},
    )
    assert handle(exceptions.Throttled(wait=3))[1]["code"] == "throttled"
