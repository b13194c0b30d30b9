"""The login in a real browser: enrolment of an authenticator, the code step, a replayed code, lockout."""

import re
from base64 import b32decode

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from backoffice.models import LoginFailure
from tests.browser.support import PASSWORD, BrowserTestCase, screenshot_path
from tests.security import totp

pytestmark = pytest.mark.browser

GENERIC = "did not match, or there were too many attempts"


class LoginJourneyTest(BrowserTestCase):
    def password(self, username, password=PASSWORD):
        page = self.page
        page.goto(self.url("/login/"))
        page.get_by_label("User name").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()

    def test_enrol_then_log_in_with_codes_and_get_locked_out(self):
        self.without_authenticator = {"op_na"}
        page = self.start_browser()

        # First login: the password, then the enrolment page with the QR code and the key.
        self.password("op_na")
        expect(page.get_by_role("heading", name="Set up your authenticator app")).to_be_visible()
        expect(page.locator("figure.qr svg")).to_be_visible()
        secret = page.locator("#totp-secret").inner_text()
        key = b32decode(re.sub(r"\s", "", secret)).hex()
        page.screenshot(path=screenshot_path("enrol"), full_page=True)
        used = totp.code(key)
        page.get_by_label("Code from your authenticator app").fill(used)
        page.get_by_role("button", name="Confirm").click()
        expect(page.get_by_role("heading", name="My inbox")).to_be_visible()
        self.log_out()

        # Next login: the code step; the code just used is refused, the next one passes.
        self.password("op_na")
        expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
        expect(page.locator("#totp-secret")).to_have_count(0)
        page.get_by_label("Code from your authenticator app").fill(used)
        page.get_by_role("button", name="Verify").click()
        expect(page.get_by_text("This code is not valid")).to_be_visible()
        page.screenshot(path=screenshot_path("code-step"), full_page=True)
        page.get_by_label("Code from your authenticator app").fill(totp.code(key, steps=1))
        page.get_by_role("button", name="Verify").click()
        expect(page.get_by_role("heading", name="My inbox")).to_be_visible()
        self.log_out()

        # Five wrong passwords: then the right one gets the same message.
        for _ in range(5):
            self.password("sup_na", "wrong password")
            expect(page.get_by_role("alert")).to_contain_text(GENERIC)
        self.password("sup_na")
        expect(page.get_by_role("alert")).to_contain_text(GENERIC)
        expect(page.get_by_role("heading", name="Staff login")).to_be_visible()
        self.stop_browser()

        assert TOTPDevice.objects.get(user=self.operator).confirmed
        assert LoginFailure.objects.filter(username="op_na", stage="code").count() == 1
        assert LoginFailure.objects.filter(username="sup_na", refused=False).count() == 5
        assert LoginFailure.objects.filter(username="sup_na", refused=True).count() == 1
