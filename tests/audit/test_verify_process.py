"""audit_verify as an operator or a scheduler runs it: a separate process, judged by its exit status."""

import os
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

from django.conf import settings
from django.db import connection

from audit.models import AuditEvent
from backoffice.celery import app as celery_app
from roles.models import Role
from tests.conftest import build_org, staff
from tests.support import AuditTransactionTestCase

from .trail import build_trail, case_chain, tamper


class VerifyProcessTests(AuditTransactionTestCase):
    """Committed data (TransactionTestCase), so that another process can read it."""

    def setUp(self):
        # The trail's approval sends its e-mail after commit: in-process here, never to a broker.
        conf = celery_app.conf
        eager = conf.task_always_eager
        conf.task_always_eager = True
        self.addCleanup(setattr, conf, "task_always_eager", eager)
        org = build_org()
        self.trail = build_trail(
            org,
            staff("op_na", Role.OPERATOR, org.north_a),
            staff("sup_na", Role.SUPERVISOR, org.north_a),
        )
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)

    def database_url(self):
        db = connection.settings_dict
        if connection.vendor == "postgresql":
            auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
            return f"postgres://{auth}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"
        # The test database lives in this process's memory: hand a copy to the other process.
        path = Path(self.tmp.name) / "audit.sqlite3"
        path.unlink(missing_ok=True)
        target = sqlite3.connect(path)
        try:
            connection.connection.backup(target)
        finally:
            target.close()
        return f"sqlite:///{path}"

    def audit_verify(self):
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "backoffice.settings_test",
            "DATABASE_URL": self.database_url(),
        }
        env.pop("CELERY_BROKER_URL", None)
        return subprocess.run(
            [sys.executable, "manage.py", "audit_verify"],
            cwd=settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    def test_exit_status_is_zero_for_a_clean_trail_and_non_zero_naming_the_broken_link(self):
        clean = self.audit_verify()
        self.assertEqual(clean.returncode, 0, clean.stderr)
        self.assertIn(f"OK: checked {AuditEvent.objects.count()} events", clean.stdout)

        edited = case_chain(self.trail.reviewing)[1]
        tamper("UPDATE audit_auditevent SET action = %s WHERE id = %s", ["benefit_claim.submiT", edited.pk])
        broken = self.audit_verify()
        self.assertNotEqual(broken.returncode, 0)
        self.assertIn(
            f"event {edited.pk} (case:{self.trail.reviewing.pk} #2): content does not match its hash (edited)",
            broken.stderr,
        )
