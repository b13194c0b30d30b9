"""What the browser tests share: a live server, Debian's Chromium driven by Playwright, logging in.

Playwright's synchronous API keeps an event loop running in the test's thread while it is
open, and Django refuses database access from such a thread: each test prepares its data
before the browser starts and checks the database after it stops.
"""

import datetime as dt
import os
import tempfile

from django.contrib.staticfiles.testing import StaticLiveServerTestCase
from playwright.sync_api import expect, sync_playwright

from roles.models import Role
from tests.conftest import build_org, make_insured, staff
from tests.support import AuditTransactionTestCase

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


def screenshot_path(name):
    """Where a test saves its screenshot (never committed): $SOCIUS_SCREENSHOT_DIR or the temporary folder."""
    return os.path.join(os.environ.get("SOCIUS_SCREENSHOT_DIR") or tempfile.gettempdir(), f"socius-{name}.png")


class BrowserTestCase(AuditTransactionTestCase, StaticLiveServerTestCase):
    EVENT_DAY = dt.date(2024, 12, 1)

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
