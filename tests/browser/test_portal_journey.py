"""A person in the e-services portal, in a real browser: signs in with the number and password
and the authenticator's code, files a claim with the registry's form, follows it on my page, and
reads the pages in Persian, right to left. The same account is refused by the staff login."""

import datetime as dt
import re

from playwright.sync_api import expect

from audit.actors import Actor
from cases.models import BenefitClaim
from portal.services import portal_account_open

from .support import PASSWORD, BrowserTestCase, assert_accessible

PERSIAN_LETTER = re.compile("[\u0600-\u06ff]")


class PortalJourneyTest(BrowserTestCase):
    def setUp(self):
        super().setUp()
        self.account = portal_account_open(person=self.insured, password=PASSWORD, actor=Actor.system("registration"))

    def sign_in(self):
        page = self.page
        ssn = self.insured.ssn
        page.goto(self.url("/portal/login/"))
        expect(page.get_by_role("heading", name="Sign in to your e-services")).to_be_visible()
        assert_accessible(page)
        page.get_by_label("Social security number").fill(ssn)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.get_by_label("Code from your authenticator app").fill(self._next_code(ssn))
        page.get_by_role("button", name="Verify").click()
        expect(page.get_by_role("heading", name="My page")).to_be_visible()

    def test_a_person_files_a_claim_and_follows_it(self):
        page = self.start_browser()
        # The staff login does not admit a person's account.
        page.goto(self.url("/login/"))
        page.get_by_label("User name").fill(self.insured.ssn)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("alert")).to_contain_text("did not match")

        self.sign_in()
        expect(page.get_by_text("You have no request yet.")).to_be_visible()
        assert_accessible(page)
        page.get_by_role("link", name="Make a request").first.click()
        assert_accessible(page)
        page.get_by_role("link", name="Benefit claim").click()
        page.get_by_role("button", name="Send the request").click()  # nothing chosen: the error summary
        expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
        assert_accessible(page)
        page.get_by_label("Benefit").select_option("marriage")
        page.get_by_label("Date of the event").fill((self.EVENT_DAY + dt.timedelta(days=0)).isoformat())
        page.get_by_role("button", name="Check first").click()
        expect(page.get_by_role("heading", name=re.compile("By the rules in force"))).to_be_visible()
        assert_accessible(page)
        page.get_by_role("button", name="Send the request").click()
        expect(page.get_by_role("status")).to_contain_text("Your request was received under the reference")
        # The official receipt: its page, its PDF, and its code checked on the public page.
        expect(page.get_by_role("heading", name="Official receipt")).to_be_visible()
        code = page.locator("code.code").inner_text()
        assert_accessible(page)
        with page.expect_download() as download:
            page.get_by_role("link", name="Download the receipt (PDF)").click()
        assert download.value.suggested_filename == f"receipt-{code}.pdf"
        page.get_by_role("link", name="Back to the request").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Benefit claim BC-")
        assert_accessible(page)
        page.get_by_role("link", name="Back to my page").click()
        expect(page.get_by_text("Submitted")).to_be_visible()
        checker = self.context.new_page()  # the same browser, as anyone holding the paper would
        checker.goto(self.url("/receipts/verify/"))
        checker.get_by_label("Verification code").fill(code)
        checker.get_by_role("button", name="Check").click()
        expect(checker.get_by_role("heading", name="This receipt was issued by the office")).to_be_visible()
        assert_accessible(checker)
        checker.close()

        # In Persian the portal reads right to left.
        page.get_by_label("Language").select_option("fa")
        page.get_by_role("button", name="Change language").click()
        expect(page.locator("html")).to_have_attribute("dir", "rtl")
        expect(page.locator("html")).to_have_attribute("lang", "fa")
        assert_accessible(page)

        # On a phone the page fits the screen: nothing wider than the viewport.
        page.set_viewport_size({"width": 375, "height": 800})
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        assert_accessible(page)

        # Every page of the portal in Persian, on the phone: right to left, its heading in Persian,
        # fitting the screen, and accessible.
        page.goto(self.url("/portal/"))
        case_page = page.locator('a[href^="/portal/cases/"]').first.get_attribute("href")
        for path in (
            "/portal/",
            "/portal/file/",
            "/portal/file/benefit_claim/?benefit=sickness",
            "/portal/file/grievance/",
            case_page,
            f"{case_page}messages/new/",
            "/portal/messages/",
            "/portal/messages/new/",
            "/portal/notifications/",
            "/receipts/verify/",
        ):
            page.goto(self.url(path))
            expect(page.locator("html")).to_have_attribute("dir", "rtl")
            heading = page.locator("h1").first.inner_text()
            assert PERSIAN_LETTER.search(heading), (path, heading)
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), path
            assert_accessible(page)
        self.stop_browser()

        claim = BenefitClaim.objects.get(person=self.insured)
        assert claim.channel == "portal" and claim.state == "submitted"
