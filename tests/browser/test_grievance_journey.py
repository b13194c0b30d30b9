"""A grievance in a real browser: taken from the queue, triaged, investigated and answered."""

import pytest
from playwright.sync_api import expect

from audit.actors import Actor
from cases import grievances, services
from cases.models import BenefitType, Grievance, GrievanceCategory, GrievanceState, Priority
from tests.support import fresh_event_day

from .support import BrowserTestCase, screenshot_path

pytestmark = pytest.mark.browser

ANSWER = "Your benefit was paid late because of a bank error; it has been corrected."


class GrievanceJourneyTest(BrowserTestCase):
    def test_operator_triages_and_answers_a_grievance(self):
        claim = services.claim_file(
            actor=Actor.person(self.insured),
            person=self.insured,
            benefit_type=BenefitType.SICKNESS,
            event_date=fresh_event_day(self.insured, BenefitType.SICKNESS, self.EVENT_DAY),
            sick_days=10,
        )
        grievance = grievances.grievance_file(
            actor=Actor.person(self.insured),
            person=self.insured,
            title="Sickness benefit paid late",
            description="It came three weeks late.",
        )
        page = self.start_browser()

        # The operator keeps to grievances in the queue and takes this one.
        self.log_in("op_na")
        page.get_by_role("link", name="Unit queue").click()
        expect(page.get_by_role("table")).to_contain_text(claim.reference)
        page.get_by_label("Case type").select_option("grievance")
        page.get_by_role("button", name="Filter").click()
        queue = page.get_by_role("table")
        expect(queue).to_contain_text(grievance.reference)
        expect(queue).not_to_contain_text(claim.reference)
        row = page.get_by_role("row").filter(has_text=grievance.reference)
        expect(row).to_contain_text("Grievance")
        expect(row).to_contain_text("Triage the grievance")
        row.get_by_role("button", name=f"Take {grievance.reference}").click()

        # Triage: category and priority.
        expect(page.get_by_role("heading", name=f"Grievance {grievance.reference}")).to_be_visible()
        expect(page.get_by_role("status")).to_contain_text("You took the task")
        expect(page.locator("#details-h + dl")).to_contain_text("Sickness benefit paid late")
        triage = page.locator("form", has=page.locator("[name='triage-category']"))
        triage.get_by_label("Category").select_option("benefit_processing")
        triage.get_by_label("Priority").select_option("normal")
        triage.get_by_role("button", name="Record triage").click()
        expect(page.get_by_role("status")).to_contain_text("The grievance is triaged")
        expect(page.locator(".case-head .state")).to_have_text("Triaged")

        # The investigation waits in the queue: the operator takes it and answers.
        task = page.locator("section", has=page.get_by_role("heading", name="Current task"))
        expect(task).to_contain_text("Investigate the grievance")
        task.get_by_role("button", name="Take", exact=True).click()
        expect(page.locator("section", has=page.get_by_role("heading", name="Current task"))).to_contain_text("(you)")
        resolve = page.locator("form", has=page.locator("[name='resolve-answer']"))
        resolve.get_by_label("Answer to the claimant").fill(ANSWER)
        resolve.get_by_role("button", name="Send the answer").click()
        expect(page.get_by_role("status")).to_contain_text("The grievance is resolved")
        expect(page.locator(".case-head .state")).to_have_text("Resolved")
        expect(page.get_by_text("No open task.")).to_be_visible()

        # The history shows every step with who took it.
        history = page.locator("table.history")
        for transition in ("Submitted → Triaged", "Triaged → Under investigation", "Under investigation → Resolved"):
            expect(history.get_by_role("row").filter(has_text=transition)).to_contain_text("op_na")
        expect(history.get_by_role("row").filter(has_text="Submitted → Triaged")).to_contain_text("Benefit processing")
        expect(history.get_by_role("row").filter(has_text="Under investigation → Resolved")).to_contain_text(ANSWER)
        expect(history).to_contain_text("Task taken")
        page.screenshot(path=screenshot_path("grievance-page"), full_page=True)
        self.stop_browser()

        case = Grievance.objects.get(pk=grievance.pk)
        assert case.state == GrievanceState.RESOLVED and case.answer == ANSWER
        assert case.category == GrievanceCategory.BENEFIT_PROCESSING and case.priority == Priority.NORMAL
