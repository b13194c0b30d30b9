"""A caseworker's day in a real browser: "take next" gives the most urgent claim, the operator
asks the claimant for information, the answer arrives through the portal, the operator recommends
and a supervisor approves. Screenshots of the queue and of the case page are saved.

The database is changed only while the browser is stopped (see ``support``).
"""

import datetime as dt

import pytest
from playwright.sync_api import expect

from audit.actors import Actor
from cases import services, worklist
from cases.models import BenefitClaim, BenefitType, ClaimState
from tests.support import fresh_event_day, person_actor

from .support import BrowserTestCase, screenshot_path

pytestmark = pytest.mark.browser

EVENT_DAY = dt.date(2024, 12, 1)


class CaseworkerJourneyTest(BrowserTestCase):
    def test_take_next_ask_for_information_recommend_and_approve(self):
        ordinary = services.claim_file(
            actor=Actor.person(self.insured),
            person=self.insured,
            benefit_type=BenefitType.MARRIAGE,
            event_date=fresh_event_day(self.insured, BenefitType.MARRIAGE, EVENT_DAY),
        )
        urgent = services.claim_file(
            actor=Actor.person(self.insured),
            person=self.insured,
            benefit_type=BenefitType.MARRIAGE,
            event_date=fresh_event_day(self.insured, BenefitType.MARRIAGE, EVENT_DAY),
        )
        worklist.case_set_priority(
            case_id=urgent.pk, actor=self.supervisor, priority="urgent", reason="The claimant has no income."
        )
        page = self.start_browser()

        # The operator looks at the queue sorted by priority, then takes the next task.
        self.log_in("op_na")
        page.get_by_role("link", name="Unit queue").click()
        page.get_by_label("Sort").select_option("priority")
        page.get_by_role("button", name="Filter").click()
        rows = page.get_by_role("row")
        expect(rows.nth(1)).to_contain_text(urgent.reference)
        expect(rows.nth(1)).to_contain_text("Urgent")
        expect(rows.nth(2)).to_contain_text(ordinary.reference)
        page.screenshot(path=screenshot_path("queue"), full_page=True)
        page.get_by_role("button", name="Take next").click()
        expect(page.get_by_role("heading", name=urgent.reference)).to_be_visible()
        expect(page.get_by_role("status")).to_contain_text(f"You took the task of case {urgent.reference}.")

        # ... and asks the claimant for the marriage certificate.
        ask = page.locator("form", has=page.locator("[name='info-question']"))
        ask.get_by_label("Information the claimant must provide").fill("A copy of the marriage certificate.")
        ask.get_by_role("button", name="Request information").click()
        expect(page.get_by_role("status")).to_contain_text("The claimant was asked for information.")
        expect(page.locator(".case-head .state")).to_have_text("Awaiting information")
        self.log_out()
        self.stop_browser()

        # The claimant answers through the portal.
        services.claim_receive_info(
            actor=person_actor(urgent.pk), case_id=urgent.pk, answer="Certificate uploaded on the portal."
        )

        codes_used = self._codes_used  # an authenticator code is accepted once, across browsers too
        page = self.start_browser()
        self._codes_used = codes_used
        self.log_in("op_na")
        page.get_by_role("link", name=urgent.reference).click()
        expect(page.locator(".case-head .state")).to_have_text("In review")
        timeline = page.locator("table.history")
        expect(timeline).to_contain_text("Information requested")
        expect(timeline).to_contain_text("A copy of the marriage certificate.")
        expect(timeline).to_contain_text("Information received")
        expect(timeline).to_contain_text("Priority changed")
        expect(timeline).to_contain_text("The claimant has no income.")
        expect(page.get_by_role("region", name="Registry")).to_contain_text(self.insured.ssn)
        recommend = page.locator("form", has=page.locator("[name='recommend-decision']"))
        recommend.get_by_label("Approve").check()
        recommend.get_by_label("Note").fill("Certificate seen: eligible.")
        recommend.get_by_role("button", name="Record recommendation").click()
        expect(page.get_by_role("status")).to_contain_text("Your recommendation was recorded")
        expect(page.locator(".case-head .state")).to_have_text("Recommended")
        page.screenshot(path=screenshot_path("caseworker-case-page"), full_page=True)
        self.log_out()

        # The supervisor takes the decision with "take next" and approves.
        self.log_in("sup_na")
        page.get_by_role("link", name="Unit queue").click()
        page.get_by_role("button", name="Take next").click()
        expect(page.get_by_role("heading", name=urgent.reference)).to_be_visible()
        decide = page.locator("form", has=page.locator("[name='decide-decision']"))
        decide.get_by_label("Approve").check()
        decide.get_by_role("button", name="Record decision").click()
        expect(page.get_by_role("status")).to_contain_text("Your decision was recorded.")
        self.stop_browser()

        claim = BenefitClaim.objects.get(pk=urgent.pk)
        assert claim.state in (ClaimState.APPROVED, ClaimState.IN_PAYMENT)
        assert claim.recommended_by.username == "op_na" and claim.decided_by.username == "sup_na"
        assert BenefitClaim.objects.get(pk=ordinary.pk).state == ClaimState.SUBMITTED
