"""What the browser tests share: a live server, Debian's Chromium driven by Playwright, logging in.

Playwright's synchronous API keeps an event loop running in the test's thread while it is
open, and Django refuses database access from such a thread: each test prepares its data
before the browser starts and checks the database after it stops.
"""

import datetime as dt
import os
import tempfile
import time

from django.contrib.staticfiles.testing import StaticLiveServerTestCase
from playwright.sync_api import expect, sync_playwright

from roles.models import Role
from tests.conftest import build_org, make_insured, staff
from tests.security import totp
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
        # Every account gets a confirmed authenticator whose key log_in() can compute from the
        # user name: the database cannot be reached once Playwright runs in this thread.
        from django.contrib.auth import get_user_model
        from django_otp.plugins.otp_totp.models import TOTPDevice

        unenrolled = getattr(self, "without_authenticator", ())  # user names left to enrol themselves
        users = get_user_model().objects.exclude(username__in=unenrolled)
        TOTPDevice.objects.filter(user__in=users).delete()
        for user in users:
            totp.confirmed_device(user)
        if not hasattr(self, "_codes_used"):  # kept across browser restarts: a code passes once
            self._codes_used = {}
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
        page.get_by_label("Code from your authenticator app").fill(self._next_code(username))
        page.get_by_role("button", name="Verify").click()
        expect(page.get_by_role("heading", name="My inbox")).to_be_visible()

    def _next_code(self, username):
        """The authenticator's code; a code once accepted is refused again, so a second login of
        the same user in the same 30 s uses the next step's code (accepted one step ahead)."""
        now = totp.step_now()
        last = self._codes_used.get(username)
        if last is not None and last >= now + 1:
            time.sleep(30 - time.time() % 30 + 0.5)
            now = totp.step_now()
        step = now if last is None or last < now else now + 1
        self._codes_used[username] = step
        return totp.code(totp.key_for(username), steps=step - now)

    def log_out(self):
        self.page.get_by_role("button", name="Log out").click()
        expect(self.page.get_by_role("heading", name="Staff login")).to_be_visible()


SERIOUS = {"serious", "critical"}


def assert_accessible(page):
    """axe-core (``axe-playwright-python``) finds no serious or critical violation on the page."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    found = [v for v in results.response["violations"] if v.get("impact") in SERIOUS]
    details = [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in found]
    assert not found, f"{page.url}: {details}"
