"""The one way to lock a case row, and the account row a case's decision changes: waiting
locks bounded by lock_timeout."""

from contextlib import contextmanager

from django.db import OperationalError, connection

from registry.models import Employer, Person

from .errors import CaseLocked, CaseNotFound

LOCK_TIMEOUT = "10s"


@contextmanager
def _busy_is_locked():
    """A lock not granted within LOCK_TIMEOUT becomes ``CaseLocked`` (a 409 to try again)."""
    try:
        yield
    except OperationalError as exc:
        if "lock timeout" in str(exc):
            raise CaseLocked() from exc
        raise


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
    with _busy_is_locked():
        try:
            return qs.get(pk=case_id)
        except model.DoesNotExist as exc:
            raise CaseNotFound() from exc


def lock_account(case):
    """Lock the row of the case's account, the employer or the person it concerns, after the
    case row (``lock_case``, whose lock timeout holds for the rest of the transaction). Lock
    order, the same in every service: the case first, then its one account."""
    model, pk = (Employer, case.employer_id) if getattr(case, "employer_id", None) else (Person, case.person_id)
    with _busy_is_locked():
        return model.objects.select_for_update().get(pk=pk)
