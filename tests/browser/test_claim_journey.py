"""The benefit claim journey in a real browser (see ``support`` for how the browser runs)."""

import datetime as dt
import os
import re

import pytest
from playwright.sync_api import expect

from audit.actors import Actor
from cases import services
from cases.models import BenefitClaim, BenefitType, ClaimState
from tests.support import fresh_event_day

from .support import BrowserTestCase, screenshot_path

pytestmark = pytest.mark.browser

SCREENSHOT = os.environ.get("SOCIUS_SCREENSHOT") or screenshot_path("case-page")
EVENT_DAY = dt.date(2024, 12, 1)


class ClaimJourneyTest(BrowserTestCase):
    def test_operator_recommends_and_supervisor_approves(self):
        marriage = services.claim_file(
            actor=Actor.person(self.insured),
            person=self.insured,
            benefit_type=BenefitType.MARRIAGE,
            event_date=fresh_event_day(self.insured, BenefitType.MARRIAGE, EVENT_DAY),
        )
        sickness = services.claim_file(
            actor=Actor.person(self.insured),
            person=self.insured,
            benefit_type=BenefitType.SICKNESS,
            event_date=fresh_event_day(self.insured, BenefitType.SICKNESS, EVENT_DAY),
            sick_days=12,
        )
        page = self.start_browser()

        # The operator opens the queue, filters it, takes the marriage grant and recommends it.
        self.log_in("op_na")
        expect(page.get_by_text("Your inbox is empty.")).to_be_visible()
        page.get_by_role("link", name="Unit queue").click()
        queue = page.get_by_role("table")
        expect(queue).to_contain_text(marriage.reference)
        expect(queue).to_contain_text(sickness.reference)
        page.get_by_label("Benefit").select_option("marriage")
        page.get_by_role("button", name="Filter").click()
        expect(page.get_by_role("table")).to_contain_text(marriage.reference)
        expect(page.get_by_role("table")).not_to_contain_text(sickness.reference)
        page.get_by_role("button", name=f"Take {marriage.reference}").click()

        expect(page.get_by_role("heading", name=f"Claim {marriage.reference}")).to_be_visible()
        expect(page.get_by_role("status")).to_contain_text("You took the task")
        recommend = page.locator("form", has=page.locator("[name='recommend-decision']"))
        recommend.get_by_label("Approve").check()
        recommend.get_by_label("Note").fill("720 days within five years: eligible.")
        recommend.get_by_role("button", name="Record recommendation").click()
        expect(page.get_by_role("status")).to_contain_text("Your recommendation was recorded")
        expect(page.locator(".case-head .state")).to_have_text("Recommended")
        self.log_out()

        # The supervisor finds the decision in the queue, takes it and approves.
        self.log_in("sup_na")
        page.get_by_role("link", name="Unit queue").click()
        row = page.get_by_role("row").filter(has_text=marriage.reference)
        expect(row).to_contain_text("Decide the claim")
        row.get_by_role("button", name=f"Take {marriage.reference}").click()
        expect(page.get_by_role("heading", name=f"Claim {marriage.reference}")).to_be_visible()
        decide = page.locator("form", has=page.locator("[name='decide-decision']"))
        decide.get_by_label("Approve").check()
        decide.get_by_label("Note").fill("Certificate checked.")
        decide.get_by_role("button", name="Record decision").click()
        expect(page.get_by_role("status")).to_contain_text("Your decision was recorded.")
        expect(page.locator(".case-head .state")).to_have_text("In payment")

        # The history shows every transition with who made it.
        history = page.locator("table.history")
        for who, transition in [
            ("op_na", "Submitted → In review"),
            ("op_na", "In review → Recommended"),
            ("sup_na", "Recommended → Approved"),
            ("sup_na", "Approved → In payment"),
        ]:
            expect(history.get_by_role("row").filter(has_text=transition)).to_contain_text(who)
        expect(history).to_contain_text("Task taken")
        expect(history).to_contain_text("Certificate checked.")
        page.screenshot(path=SCREENSHOT, full_page=True)
        self.stop_browser()

        claim = BenefitClaim.objects.get(pk=marriage.pk)
        assert claim.state == ClaimState.IN_PAYMENT
        assert claim.recommended_by == self.operator and claim.decided_by == self.supervisor
        assert BenefitClaim.objects.get(pk=sickness.pk).state == ClaimState.SUBMITTED

    def test_four_eyes_refusal_is_a_readable_message(self):
        claim = services.claim_file(
            actor=Actor.person(self.insured),
            person=self.insured,
            benefit_type=BenefitType.MARRIAGE,
            event_date=fresh_event_day(self.insured, BenefitType.MARRIAGE, EVENT_DAY),
        )
        services.task_take(case_id=claim.pk, actor=self.supervisor2)
        services.claim_recommend(case_id=claim.pk, actor=self.supervisor2, approve=True)
        page = self.start_browser()

        self.log_in("sup2_na")
        page.get_by_role("link", name="Unit queue").click()
        # The recommender is not offered the decision: the queue shows the service's reason instead.
        row = page.get_by_role("row").filter(has_text=claim.reference)
        expect(row).to_contain_text("Whoever prepared or recommended a decision cannot approve it.")
        expect(page.get_by_role("button", name=f"Take {claim.reference}")).to_have_count(0)
        # Nor is it offered on the case page.
        page.goto(f"{self.live_server_url}/cases/{claim.reference}/")
        expect(page.get_by_role("heading", name=f"Claim {claim.reference}")).to_be_visible()
        expect(page.locator(".case-head .state")).to_have_text("Recommended")
        expect(page.locator("[name='decide-decision']")).to_have_count(0)
        expect(page.get_by_role("button", name="Take")).to_have_count(0)
        expect(page).to_have_title(re.compile(claim.reference))
        self.stop_browser()

        assert BenefitClaim.objects.get(pk=claim.pk).state == ClaimState.RECOMMENDED
