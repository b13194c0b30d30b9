"""Every API error has one shape: {"code", "message", "field"?} with a stable code.

Domain errors (``roles.errors``, ``cases.errors``) carry their own code and status (403, 404,
409, 422). Serializer validation errors come out as 422 with code "invalid" and the first
field at fault, like the domain's own InvalidInput. Other framework errors (not
authenticated, permission denied, not found, method not allowed, malformed body) keep their
status and use the framework's code.
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from roles.errors import DomainError, InvalidInput

VALIDATION_STATUS = InvalidInput.status


def error_body(code, message, field=None):
    body = {"code": code, "message": str(message)}
    if field:
        body["field"] = field
    return body


def first_error(detail, prefix=""):
    """(field, message) of the first error in a serializer's error detail; field "" when the
    error concerns no single field. Nested fields are joined with dots: "items.0.amount"."""
    if isinstance(detail, dict) and detail:
        key, value = next(iter(detail.items()))
        name = "" if key == "non_field_errors" else f"{prefix}{key}"
        return first_error(value, f"{name}." if name else prefix)
    if isinstance(detail, list) and detail:
        value = detail[0]
        if isinstance(value, dict | list):
            return first_error(value, f"{prefix}0.")
        return prefix.rstrip("."), str(value)
    return prefix.rstrip("."), str(detail) if detail else ""


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        return Response(exc.as_dict(), status=exc.status)
    if isinstance(exc, exceptions.ValidationError):
        field, message = first_error(exc.detail)
        return Response(
            error_body(InvalidInput.code, message or _("The input is not valid."), field), status=VALIDATION_STATUS
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, exceptions.APIException):
        detail = exc.detail
        code = getattr(detail, "code", None) or exc.default_code
        response.data = error_body(code, detail if isinstance(detail, str) else exc.default_detail)
    return response
