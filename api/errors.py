from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from roles.errors import DomainError


def exception_handler(exc, context):
    """Domain errors become their HTTP status with a stable code: {"code", "message", "field"?}."""
    if isinstance(exc, DomainError):
        return Response(exc.as_dict(), status=exc.status)
    return drf_exception_handler(exc, context)
