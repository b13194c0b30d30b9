"""Test helpers shared across the suite."""

from contextlib import contextmanager

from django.db import connection
from django.test import TransactionTestCase

from audit import triggers


@contextmanager
def audit_triggers_off():
    """Simulate someone with the table owner's rights tampering with the audit tables
    (the application's own database role cannot do this in production)."""
    triggers.uninstall(connection)
    try:
        yield
    finally:
        triggers.install(connection)


class AuditTransactionTestCase(TransactionTestCase):
    """TransactionTestCase whose flush between tests may empty the append-only audit tables."""

    def _fixture_teardown(self):
        with audit_triggers_off():
            super()._fixture_teardown()


def person_actor(case_id):
    """The person (or employer) a case is about, acting for themselves online."""
    from audit.actors import Actor
    from cases.models import Case

    case = Case.objects.get(pk=case_id)
    employer_id = getattr(case, "employer_id", None)
    return Actor.employer(employer_id) if employer_id else Actor.person(case.person_id)


def fresh_event_day(person, benefit_type, day):
    """``day``, or a day before it for each claim ``person`` already made of ``benefit_type``: a
    second claim of the same benefit for the same event is refused, and tests file several."""
    import datetime as dt

    from cases.models import BenefitClaim

    return day - dt.timedelta(days=BenefitClaim.objects.filter(person=person, benefit_type=benefit_type).count())
