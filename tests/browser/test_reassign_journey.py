"""A supervisor reassigns ten tasks of a caseworker at once, in a real browser (see ``support``)."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from audit.actors import Actor
from audit.models import AuditEvent
from cases import services
from cases.models import BenefitType
from cases.selectors import open_task_of
from roles.models import Role
from tests.conftest import staff
from tests.support import fresh_event_day
from workflows.models import QueueSnapshot

from .support import BrowserTestCase, screenshot_path

pytestmark = pytest.mark.browser


class ReassignJourneyTest(BrowserTestCase):
    def test_supervisor_reassigns_ten_tasks_at_once(self):
        receiver = staff("op2_na", Role.OPERATOR, self.org.north_a)
        claims = [
            services.claim_file(
                actor=Actor.person(self.insured),
                person=self.insured,
                benefit_type=BenefitType.MARRIAGE,
                event_date=fresh_event_day(self.insured, BenefitType.MARRIAGE, self.EVENT_DAY),
            )
            for _ in range(12)
        ]
        for claim in claims:
            services.task_take(case_id=claim.pk, actor=self.operator)
        tasks = {claim.pk: open_task_of(claim).pk for claim in claims}
        # Some history for the charts: a month of daily counts, two reviews finished today.
        today = timezone.localdate()
        QueueSnapshot.objects.bulk_create(
            QueueSnapshot(
                day=today - dt.timedelta(days=d),
                unit=self.org.north_a,
                case_type="benefit_claim",
                open_tasks=20 + (d * 7) % 13,
                unassigned=5,
                taken_at=timezone.now(),
            )
            for d in range(1, 30)
        )
        for claim in [
            services.claim_file(
                actor=Actor.person(self.insured),
                person=self.insured,
                benefit_type=BenefitType.MARRIAGE,
                event_date=fresh_event_day(self.insured, BenefitType.MARRIAGE, self.EVENT_DAY),
            )
            for _ in range(2)
        ]:
            services.task_take(case_id=claim.pk, actor=self.supervisor2)
            services.claim_recommend(case_id=claim.pk, actor=self.supervisor2, approve=True)
        chosen, kept = claims[:10], claims[10:]
        page = self.start_browser()

        # The team's workload shows the twelve tasks the caseworker holds.
        self.log_in("sup_na")
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Team").click()
        expect(page.get_by_role("heading", name="Team workload")).to_be_visible()
        row = page.locator('tr[data-user="op_na"]')
        expect(row.locator("[data-open]")).to_have_text("12")
        page.screenshot(path=screenshot_path("team-workload"), full_page=True)

        # Their page lists the tasks; the supervisor ticks ten and gives them to a colleague.
        row.get_by_role("link").click()
        table = page.locator("table.person-tasks")
        for claim in claims:
            expect(table).to_contain_text(claim.reference)
        for claim in chosen:
            page.get_by_label(f"Choose {claim.reference}").check()
        page.get_by_label("Give them to").select_option(str(receiver.pk))
        page.screenshot(path=screenshot_path("team-person"), full_page=True)
        page.get_by_role("button", name="Move the tasks").click()
        expect(page.get_by_role("heading", name="Tasks moved")).to_be_visible()
        expect(page.locator("[data-moved]")).to_contain_text("10 tasks of")
        expect(page.locator("[data-refused]")).to_have_count(0)
        page.screenshot(path=screenshot_path("team-reassigned"), full_page=True)

        # Back on the workload: ten for the colleague, two left.
        page.get_by_role("link", name="Team workload").click()
        expect(page.locator('tr[data-user="op_na"] [data-open]')).to_have_text("2")
        expect(page.locator('tr[data-user="op2_na"] [data-open]')).to_have_text("10")

        # The charts of the queues.
        page.get_by_role("link", name="Charts").click()
        expect(page.get_by_role("heading", name="Queues over time")).to_be_visible()
        expect(page.get_by_role("img", name="Open tasks per day")).to_be_visible()
        page.screenshot(path=screenshot_path("team-charts"), full_page=True)
        self.stop_browser()

        for claim in chosen:
            task = open_task_of(claim)
            assert task.pk == tasks[claim.pk]
            assert task.owner_id == receiver.pk
        for claim in kept:
            assert open_task_of(claim).owner_id == self.operator.pk
        events = AuditEvent.objects.filter(action="task.reassigned")
        assert events.count() == 10
        assert {int(e.subject_id) for e in events} == {c.pk for c in chosen}
        assert {e.actor_id for e in events} == {self.supervisor.pk}
        assert all(e.payload["owner"] == "op2_na" for e in events)
