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
