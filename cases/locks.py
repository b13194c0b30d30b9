"""The one way to lock a case row: a waiting lock bounded by lock_timeout."""

from django.db import OperationalError, connection

from .errors import CaseLocked, CaseNotFound

LOCK_TIMEOUT = "10s"


def lock_case(model, case_id, *, related=()):
    """Lock and return the case ``case_id`` (inside a transaction)."""
    qs = model.objects.all()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
        # Lock the parent ``cases_case`` row and the type's own row.
        qs = qs.select_for_update(of=("self", "case_ptr")) if model._meta.parents else qs.select_for_update()
    if related:
        qs = qs.select_related(*related)
    try:
        return qs.get(pk=case_id)
    except model.DoesNotExist as exc:
        raise CaseNotFound() from exc
    except OperationalError as exc:
        if "lock timeout" in str(exc):
            raise CaseLocked() from exc
        raise
