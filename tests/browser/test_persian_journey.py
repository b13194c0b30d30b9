"""The claim journey in Persian, right to left, in a real browser (see ``support`` for how it runs).

Each user logs in (in English, the default), chooses Persian in the page header, and works
with the Persian labels: the caseworker takes the claim from the queue and recommends it, the
supervisor decides it. The pages are laid out right to left: the brand and the navigation's
first item sit at the right.
"""

import re

import pytest
from playwright.sync_api import expect

from audit.actors import Actor
from cases import services
from cases.models import BenefitClaim, BenefitType, ClaimState
from roles.models import StaffPreference
from tests.support import fresh_event_day

from .support import BrowserTestCase, screenshot_path

pytestmark = pytest.mark.browser

FA = {
    "language": "زبان",
    "change_language": "تغییر زبان",
    "inbox": "کارتابل من",
    "queue": "صف واحد",
    "take": "برداشتن {ref}",
    "took": "کار پروندهٔ {ref} را برداشتید.",
    "approve": "تأیید",
    "note": "یادداشت",
    "record_recommendation": "ثبت پیشنهاد",
    "recommended_message": "پیشنهاد شما ثبت شد",
    "recommended": "پیشنهادشده",
    "decide_step": "تصمیم‌گیری دربارهٔ درخواست",
    "record_decision": "ثبت تصمیم",
    "decided_message": "تصمیم شما ثبت شد.",
    "in_payment": "در حال پرداخت",
    "log_out": "خروج",
}


class PersianJourneyTest(BrowserTestCase):
    def choose_persian(self):
        page = self.page
        page.get_by_label("Language").select_option("fa")
        page.get_by_role("button", name="Change language").click()
        expect(page.get_by_role("heading", name=FA["inbox"])).to_be_visible()
        expect(page.locator("html")).to_have_attribute("lang", "fa")

    def assert_right_to_left(self):
        page = self.page
        assert page.evaluate("document.dir") == "rtl"
        assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
        width = page.viewport_size["width"]
        brand = page.locator(".site-header .brand").bounding_box()
        items = page.get_by_role("navigation", name="اصلی").get_by_role("listitem")
        first, last = items.first.bounding_box(), items.last.bounding_box()
        tools = page.locator(".header-tools").bounding_box()
        # The brand starts the header at the right edge, the navigation follows it leftwards,
        # its first item at the right of the others, and the language and logout forms end it at the left.
        assert brand["x"] + brand["width"] > width * 0.9
        assert first["x"] + first["width"] <= brand["x"]
        assert last["x"] + last["width"] <= first["x"]
        assert tools["x"] + tools["width"] <= last["x"]
        assert tools["x"] < width * 0.3

    def test_the_claim_flow_in_persian_right_to_left(self):
        claim = services.claim_file(
            actor=Actor.person(self.insured),
            person=self.insured,
            benefit_type=BenefitType.MARRIAGE,
            event_date=fresh_event_day(self.insured, BenefitType.MARRIAGE, self.EVENT_DAY),
        )
        ref = claim.reference
        page = self.start_browser()

        # The caseworker switches to Persian: every page from then on is right to left.
        self.log_in("op_na")
        expect(page.locator("html")).to_have_attribute("dir", "ltr")
        self.choose_persian()
        self.assert_right_to_left()

        page.get_by_role("link", name=FA["queue"]).click()
        expect(page.locator("html")).to_have_attribute("dir", "rtl")
        expect(page.get_by_role("table")).to_contain_text(ref)
        self.assert_right_to_left()
        page.screenshot(path=screenshot_path("persian-queue"), full_page=True)
        page.get_by_role("button", name=FA["take"].format(ref=ref)).click()

        expect(page.get_by_role("heading", level=1)).to_contain_text(ref)
        expect(page.get_by_role("status")).to_contain_text(FA["took"].format(ref=ref))
        recommend = page.locator("form", has=page.locator("[name='recommend-decision']"))
        recommend.get_by_label(FA["approve"], exact=True).check()
        recommend.get_by_label(FA["note"]).fill("۷۲۰ روز سابقه در پنج سال: واجد شرایط.")
        recommend.get_by_role("button", name=FA["record_recommendation"]).click()
        expect(page.get_by_role("status")).to_contain_text(FA["recommended_message"])
        expect(page.locator(".case-head .state")).to_have_text(FA["recommended"])
        self.assert_right_to_left()
        page.get_by_role("button", name=FA["log_out"]).click()
        # The login page keeps the language of the last user; the next one starts afresh.
        expect(page.locator("html")).to_have_attribute("dir", "rtl")
        self.context.clear_cookies()

        # The supervisor switches to Persian too, finds the decision in the queue and approves.
        self.log_in("sup_na")
        self.choose_persian()
        page.get_by_role("link", name=FA["queue"]).click()
        row = page.get_by_role("row").filter(has_text=ref)
        expect(row).to_contain_text(FA["decide_step"])
        row.get_by_role("button", name=FA["take"].format(ref=ref)).click()
        decide = page.locator("form", has=page.locator("[name='decide-decision']"))
        decide.get_by_label(FA["approve"], exact=True).check()
        decide.get_by_label(FA["note"]).fill("گواهی ازدواج بررسی شد.")
        decide.get_by_role("button", name=FA["record_decision"]).click()
        expect(page.get_by_role("status")).to_contain_text(FA["decided_message"])
        expect(page.locator(".case-head .state")).to_have_text(FA["in_payment"])
        expect(page).to_have_title(re.compile(ref))
        self.assert_right_to_left()
        # Numbers and dates stay readable: the history's dates are in digits, the reference intact.
        history = page.locator("table.history")
        expect(history).to_contain_text("گواهی ازدواج بررسی شد.")
        expect(history.locator("time").first).to_have_text(re.compile(r"^\d{4}/\d{1,2}/\d{1,2}"))
        page.screenshot(path=screenshot_path("persian-case-page"), full_page=True)
        self.stop_browser()

        claim = BenefitClaim.objects.get(pk=claim.pk)
        assert claim.state == ClaimState.IN_PAYMENT
        assert claim.recommended_by == self.operator and claim.decided_by == self.supervisor
        assert dict(StaffPreference.objects.values_list("user__username", "language")) == {
            "op_na": "fa",
            "sup_na": "fa",
        }
