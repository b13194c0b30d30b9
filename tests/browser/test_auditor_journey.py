"""An auditor in a real browser: finds a case's events by reference and by actor, checks the
case's chain, exports the events as CSV and runs a verification of the whole trail."""

import csv
import io

import pytest
from playwright.sync_api import expect

from audit.actors import Actor
from audit.models import AuditEvent, VerificationRun
from cases import services
from cases.models import BenefitType
from roles.models import Role
from tests.conftest import make_insured, staff
from tests.support import fresh_event_day

from .support import BrowserTestCase, screenshot_path

pytestmark = pytest.mark.browser


class AuditorJourneyTest(BrowserTestCase):
    def test_auditor_finds_the_events_and_exports_them(self):
        auditor = staff("aud_hq", Role.AUDITOR, self.org.central)
        claim = services.claim_file(
            actor=Actor.person(self.insured),
            person=self.insured,
            benefit_type=BenefitType.MARRIAGE,
            event_date=fresh_event_day(self.insured, BenefitType.MARRIAGE, self.EVENT_DAY),
        )
        services.task_take(case_id=claim.pk, actor=self.operator)
        other = services.claim_file(
            actor=Actor.person(subject := make_insured(self.org.south_a)),
            person=subject,
            benefit_type=BenefitType.MARRIAGE,
            event_date=fresh_event_day(subject, BenefitType.MARRIAGE, self.EVENT_DAY),
        )
        case_events = list(
            AuditEvent.objects.filter(subject_type="case", subject_id=str(claim.pk)).order_by("-occurred_at", "-id")
        )
        by_operator = list(AuditEvent.objects.filter(actor=self.operator).order_by("-occurred_at", "-id"))
        assert len(case_events) >= 3 and by_operator and {e.subject_id for e in by_operator} == {str(claim.pk)}
        page = self.start_browser()

        # The auditor finds the case's events by its reference.
        self.log_in("aud_hq")
        page.get_by_role("navigation").get_by_role("link", name="Audit trail").click()
        expect(page.get_by_role("heading", name="Audit trail")).to_be_visible()
        page.get_by_label("Case reference").fill(claim.reference)
        page.get_by_role("button", name="Search").click()
        events = page.locator("table.audit-events tbody tr")
        expect(events).to_have_count(len(case_events))
        expect(events.first).to_contain_text(claim.reference)
        expect(page.locator("table.audit-events")).to_contain_text("task.assigned")
        expect(page.locator("table.audit-events")).not_to_contain_text(other.reference)
        page.screenshot(path=screenshot_path("audit-search"), full_page=True)

        # ... and the operator's actions by their user name.
        page.get_by_role("link", name="Clear").click()
        page.get_by_label("Actor (user name)").fill("op_na")
        page.get_by_role("button", name="Search").click()
        rows = page.locator("table.audit-events tbody tr")
        expect(rows).to_have_count(len(by_operator))
        for row, event in zip(rows.all(), by_operator, strict=True):
            expect(row).to_contain_text(event.action)
            expect(row).to_contain_text(claim.reference)

        # The chain of the case is intact, the head on the case row included.
        rows.first.get_by_role("link", name="chain status").click()
        expect(page.get_by_role("heading", name="Chain status")).to_be_visible()
        expect(page.get_by_role("status")).to_contain_text("OK")
        expect(page.get_by_role("status")).to_contain_text(f"{len(case_events)} events checked")
        expect(page.get_by_role("status")).to_contain_text("The head kept on the case record matches.")

        # Back to the case's events, exported as CSV.
        page.get_by_role("link", name="Events of this subject").click()
        expect(page.locator("table.audit-events tbody tr")).to_have_count(len(case_events))
        with page.expect_download() as download_info:
            page.get_by_role("link", name="Export these events as CSV").click()
        download = download_info.value
        assert download.suggested_filename.startswith("audit-events-") and download.suggested_filename.endswith(".csv")
        with open(download.path(), encoding="utf-8") as handle:
            exported = list(csv.DictReader(io.StringIO(handle.read())))

        # A verification of the whole trail, and its result.
        page.get_by_role("link", name="Verifications").click()
        expect(page.get_by_role("heading", name="Verifications of the audit trail")).to_be_visible()
        page.get_by_role("button", name="Verify the whole trail").click()
        expect(page.get_by_role("heading", name="Verification of the audit trail")).to_be_visible()
        expect(page.locator(".chain-status")).to_contain_text("No problem found")
        expect(page.locator(".events-checked")).not_to_have_text("0")
        page.get_by_role("link", name="All verifications").click()
        expect(page.locator("table.audit-runs tbody tr")).to_have_count(1)
        expect(page.locator("table.audit-runs")).to_contain_text("no problem found")
        page.screenshot(path=screenshot_path("audit-verifications"), full_page=True)
        self.stop_browser()

        assert [int(row["id"]) for row in exported] == [e.pk for e in case_events]
        assert {row["case_reference"] for row in exported} == {claim.reference}
        assert [row["action"] for row in exported] == [e.action for e in case_events]
        export = AuditEvent.objects.get(action="audit.exported")
        assert export.actor_id == auditor.pk
        assert export.payload["filters"] == {"subject_type": "case", "subject_id": str(claim.pk)}
        run = VerificationRun.objects.get()
        assert run.status == VerificationRun.Status.OK and run.requested_by_id == auditor.pk
        assert run.events_checked > len(case_events)
        assert AuditEvent.objects.filter(
            subject_type="verification_run",
            subject_id=str(run.pk),
            action="audit.verification_requested",
            actor=auditor,
        ).exists()
