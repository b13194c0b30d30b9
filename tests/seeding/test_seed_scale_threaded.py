"""seed_scale on PostgreSQL as it runs for real: COPY from a loader thread on its own connection,
one transaction per batch."""

import pytest
from django.contrib.contenttypes.models import ContentType
from viewflow.workflow.models import Task

from audit.verify import verify_all
from cases import seeding
from cases.models import BenefitClaim, ClaimState
from roles.models import OrgUnit, Role
from tests.conftest import build_org, staff
from tests.support import AuditTransactionTestCase

from .conftest import run_command


@pytest.mark.postgres
class ThreadedSeedTests(AuditTransactionTestCase):
    def setUp(self):
        self.org = build_org()
        self.operator = staff("op_na", Role.OPERATOR, self.org.north_a)
        staff("sup_na", Role.SUPERVISOR, self.org.north_a)

    def test_command_seeds_in_batches_from_the_loader_thread(self):
        output = run_command("seed_scale", cases=300, batch=100, types="benefit_claim")
        assert "300/300 cases" in output and "cases/s" in output
        assert BenefitClaim.objects.count() == 300
        submitted = BenefitClaim.objects.filter(owning_unit=self.org.north_a, state=ClaimState.SUBMITTED).count()
        queue = Task.objects.filter(
            status="NEW",
            flow_task_type="HUMAN",
            owner_permission="roles.work_cases",
            owner_permission_content_type=ContentType.objects.get_for_model(OrgUnit),
            owner_permission_obj_pk=str(self.org.north_a.pk),
        )
        assert queue.count() == submitted > 0
        assert Task.objects.filter(owner=self.operator, status="ASSIGNED").exists()
        assert "OK:" in run_command("audit_verify")

    def test_a_failing_batch_stops_the_run_and_leaves_earlier_batches_whole(self):
        original = seeding.BulkWriter.load
        loaded = []

        def load(writer, table, encoded, conn=None):
            if table.name == "audit_auditevent":
                loaded.append(table.name)
                if len(loaded) == 2:
                    raise RuntimeError("disk full")
            return original(writer, table, encoded, conn)

        seeding.BulkWriter.load = load
        try:
            with pytest.raises(RuntimeError, match="disk full"):
                seeding.seed_scale(250, types=["benefit_claim"], batch=100, checkpoint=False)
        finally:
            seeding.BulkWriter.load = original
        # The first batch committed whole; the second rolled back; the third never ran.
        assert BenefitClaim.objects.count() == 100
        result = verify_all()
        assert result.ok, result.problems
