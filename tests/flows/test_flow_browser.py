"""The flow pictures in a real browser: the case's position on its page, the flows pages, in Persian."""

import pytest
from playwright.sync_api import expect

from audit.actors import Actor
from cases import services
from cases.models import BenefitType
from tests.browser.support import BrowserTestCase, screenshot_path
from tests.support import fresh_event_day

pytestmark = pytest.mark.browser


class FlowPicturesTest(BrowserTestCase):
    def test_the_case_page_shows_where_the_claim_is_and_the_flows_pages_draw_every_type(self):
        claim = services.claim_file(
            actor=Actor.person(self.insured),
            person=self.insured,
            benefit_type=BenefitType.MARRIAGE,
            event_date=fresh_event_day(self.insured, BenefitType.MARRIAGE, self.EVENT_DAY),
        )
        services.task_take(case_id=claim.pk, actor=self.operator)
        page = self.start_browser()
        self.log_in("op_na")

        page.goto(self.url(f"/cases/{claim.reference}/"))
        flow = page.locator("section.fc-position")
        expect(flow.get_by_role("heading", name="Position in the flow")).to_be_visible()
        expect(flow.locator(".fc-where")).to_have_text("Current step: In review · Open task: Review the claim")
        picture = flow.get_by_role("img", name="Flow of the case type “Benefit claim”")
        expect(picture).to_be_visible()
        current = picture.locator("g.fc-current")
        expect(current).to_have_count(1)
        expect(current).to_have_attribute("data-state", "in_review")
        expect(current.locator(".fc-badge-text")).to_have_text("current")
        # The marked box is really drawn thicker than the others, not only in another colour.
        thick = current.locator(".fc-box").evaluate("e => getComputedStyle(e).strokeWidth")
        thin = picture.locator("g[data-state=submitted] .fc-box").evaluate("e => getComputedStyle(e).strokeWidth")
        assert float(thick.rstrip("px")) > 2 * float(thin.rstrip("px"))
        flow.scroll_into_view_if_needed()
        page.screenshot(path=screenshot_path("flow-case-page"), full_page=True)

        page.get_by_role("link", name="Flows", exact=True).click()
        expect(page.get_by_role("heading", name="Flows", exact=True)).to_be_visible()
        expect(page.locator("svg.fc-chart")).to_have_count(7)  # one per case type
        page.screenshot(path=screenshot_path("flow-index"), full_page=True)
        page.get_by_role("link", name="Medical commission").last.click()
        expect(page.get_by_role("heading", name="Flow: Medical commission")).to_be_visible()
        box = page.locator("g[data-state=appeal_scheduled] .fc-box").bounding_box()
        assert box is not None and box["width"] > 100  # drawn at a readable size

        # Persian: the page turns right to left, the picture keeps its own coordinates.
        self.context.add_cookies([{"name": "django_language", "value": "fa", "url": self.live_server_url}])
        page.goto(self.url(f"/cases/{claim.reference}/"))
        expect(page.locator("html")).to_have_attribute("dir", "rtl")
        expect(page.locator("svg.fc-chart g.fc-current")).to_have_attribute("data-state", "in_review")
        page.locator("section.fc-position").scroll_into_view_if_needed()
        page.screenshot(path=screenshot_path("flow-case-page-fa"), full_page=True)
