"""Staff pages in a real browser: Debian's Chromium driven by Playwright against a live server.

Playwright's synchronous API keeps an event loop running in the test's thread while it is
open, and Django refuses database access from such a thread: each test prepares its data
before the browser starts and checks the database after it stops.
"""

import datetime as dt
import os
import re
import tempfile

import pytest
from django.contrib.staticfiles.testing import StaticLiveServerTestCase
from playwright.sync_api import expect, sync_playwright

from cases import services
from cases.models import BenefitClaim, BenefitType, ClaimState
from roles.models import Role
from tests.conftest import build_org, make_insured, staff
from tests.support import AuditTransactionTestCase

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory
SCREENSHOT = os.environ.get("SOCIUS_SCREENSHOT") or os.path.join(tempfile.gettempdir(), "socius-case-page.png")
EVENT_DAY = dt.date(2024, 12, 1)


class BrowserTestCase(AuditTransactionTestCase, StaticLiveServerTestCase):
    def setUp(self):
        super().setUp()
        self.org = build_org()
        self.operator = staff("op_na", Role.OPERATOR, self.org.north_a)
        self.supervisor = staff("sup_na", Role.SUPERVISOR, self.org.north_a)
        self.supervisor2 = staff("sup2_na", Role.SUPERVISOR, self.org.north_a)
        self.insured = make_insured(self.org.north_a)
        self._playwright = None

    def start_browser(self):
        self._playwright = sync_playwright().start()
        self.browser = self._playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        self.context = self.browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-GB")
        self.context.set_default_timeout(15_000)
        self.page = self.context.new_page()
        return self.page

    def stop_browser(self):
        if self._playwright is not None:
            self.context.close()
            self.browser.close()
            self._playwright.stop()
            self._playwright = None

    def tearDown(self):
        self.stop_browser()
        super().tearDown()

    def url(self, path):
        return self.live_server_url + path

    def log_in(self, username):
        page = self.page
        page.goto(self.url("/login/"))
        page.get_by_label("User name").fill(username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("heading", name="My inbox")).to_be_visible()

    def log_out(self):
        self.page.get_by_role("button", name="Log out").click()
        expect(self.page.get_by_role("heading", name="Staff login")).to_be_visible()


class ClaimJourneyTest(BrowserTestCase):
    def test_operator_recommends_and_supervisor_approves(self):
        marriage = services.claim_file(person=self.insured, benefit_type=BenefitType.MARRIAGE, event_date=EVENT_DAY)
        sickness = services.claim_file(
            person=self.insured, benefit_type=BenefitType.SICKNESS, event_date=EVENT_DAY, sick_days=12
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
        claim = services.claim_file(person=self.insured, benefit_type=BenefitType.MARRIAGE, event_date=EVENT_DAY)
        services.task_take(case_id=claim.pk, actor=self.supervisor2)
        services.claim_recommend(case_id=claim.pk, actor=self.supervisor2, approve=True)
        page = self.start_browser()

        self.log_in("sup2_na")
        page.get_by_role("link", name="Unit queue").click()
        page.get_by_role("button", name=f"Take {claim.reference}").click()
        decide = page.locator("form", has=page.locator("[name='decide-decision']"))
        decide.get_by_label("Approve").check()
        decide.get_by_role("button", name="Record decision").click()
        expect(page.get_by_role("alert")).to_have_text(
            "Whoever prepared or recommended a decision cannot approve it."
        )
        expect(page.get_by_role("heading", name=f"Claim {claim.reference}")).to_be_visible()
        expect(page.locator(".case-head .state")).to_have_text("Recommended")
        expect(page).to_have_title(re.compile(claim.reference))
        self.stop_browser()

        assert BenefitClaim.objects.get(pk=claim.pk).state == ClaimState.RECOMMENDED
