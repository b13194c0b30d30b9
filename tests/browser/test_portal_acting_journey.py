"""A representative payee in the portal, in a real browser: they sign in, are asked whom they act
for and choose the pensioner, read the banner on every page, file a grievance for the pensioner
and find it among the pensioner's requests, then switch back to acting for themselves."""

import re

from django.utils import timezone
from playwright.sync_api import expect

from audit.actors import Actor, ActorKind
from audit.models import AuditEvent
from cases import payees, services
from cases.models import Grievance
from portal.services import portal_account_open
from registry.models import BankAccount
from tests.conftest import make_insured

from .support import PASSWORD, BrowserTestCase, assert_accessible, screenshot_path


class PortalActingJourneyTest(BrowserTestCase):
    def setUp(self):
        super().setUp()
        self.pensioner = self.insured
        self.representative = make_insured(self.org.north_a)
        for person in (self.pensioner, self.representative):
            portal_account_open(person=person, password=PASSWORD, actor=Actor.system("registration"))
        payee = payees.payee_request(
            beneficiary=self.pensioner,
            representative=self.representative,
            representative_account=BankAccount.objects.get(person=self.representative, verified=True),
            relationship="son",
            grounds="My father can no longer manage his pension alone.",
            actor=Actor.person(self.pensioner),
        )
        services.task_take(case_id=payee.pk, actor=self.operator)
        payees.payee_verify(case_id=payee.pk, actor=self.operator, identity_ok=True, documents_ok=True)
        self.payee = payees.payee_approve(case_id=payee.pk, actor=self.supervisor, active_from=timezone.localdate())

    def sign_in(self, person):
        page = self.page
        page.goto(self.url("/portal/login/"))
        page.get_by_label("Social security number").fill(person.ssn)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.get_by_label("Code from your authenticator app").fill(self._next_code(person.ssn))
        page.get_by_role("button", name="Verify").click()

    def banner(self):
        return self.page.locator("section.acting-for")

    def test_a_representative_payee_acts_for_the_pensioner_and_switches_back(self):
        page = self.start_browser()
        name = self.pensioner.full_name
        self.sign_in(self.representative)

        # Asked whom they act for, right after signing in.
        expect(page.get_by_role("heading", name="Whom do you act for?")).to_be_visible()
        assert_accessible(page)
        page.get_by_label(re.compile(rf"^{re.escape(name)}, as representative payee")).check()
        page.get_by_role("button", name="Continue").click()
        expect(page.get_by_role("heading", name="My page")).to_be_visible()
        expect(self.banner()).to_contain_text(f"You are acting for {name}")
        expect(page.get_by_role("status")).to_contain_text(f"You are now acting for {name}.")
        assert_accessible(page)

        # Only the kinds of request of the payee's mandate are offered.
        page.get_by_role("link", name="Make a request").first.click()
        expect(self.banner()).to_contain_text(f"You are acting for {name}")
        expect(page.get_by_role("link", name="Contribution refund")).to_have_count(0)
        assert_accessible(page)
        page.get_by_role("link", name="Grievance", exact=True).click()
        expect(self.banner()).to_contain_text(f"You are acting for {name}")
        assert_accessible(page)
        page.get_by_label("Subject").fill("The pension came late")
        page.get_by_label("What the grievance is about").fill("The November pension was paid ten days late.")
        page.get_by_role("button", name="Send the request").click()
        expect(page.get_by_role("heading", name="Official receipt")).to_be_visible()
        expect(self.banner()).to_contain_text(f"You are acting for {name}")
        assert_accessible(page)
        page.get_by_role("link", name="Back to the request").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Grievance GR-")
        reference = page.get_by_role("heading", level=1).inner_text().split()[-1]
        expect(page.locator(".timeline")).to_contain_text("You, as representative")
        expect(self.banner()).to_contain_text(f"You are acting for {name}")
        assert_accessible(page)

        # The request is among the pensioner's; on a phone too, under the banner.
        page.get_by_role("link", name="Back to my page").click()
        expect(page.get_by_role("link", name=f"Grievance {reference}")).to_be_visible()
        assert_accessible(page)
        page.set_viewport_size({"width": 375, "height": 740})
        expect(self.banner()).to_be_visible()
        assert self.banner().bounding_box()["width"] <= 375
        page.screenshot(path=screenshot_path("portal-acting-phone"), full_page=True)
        assert_accessible(page)
        page.set_viewport_size({"width": 1366, "height": 900})

        # Back to acting for themselves: no banner, none of the pensioner's requests.
        page.get_by_role("link", name="Change whom you act for").click()
        expect(page.get_by_role("heading", name="Whom do you act for?")).to_be_visible()
        assert_accessible(page)
        page.get_by_label("Myself").check()
        page.get_by_role("button", name="Continue").click()
        expect(page.get_by_role("heading", name="My page")).to_be_visible()
        expect(self.banner()).to_have_count(0)
        expect(page.get_by_role("link", name=f"Grievance {reference}")).to_have_count(0)
        expect(page.get_by_text("You have no request yet.")).to_be_visible()
        assert_accessible(page)
        self.stop_browser()

        grievance = Grievance.objects.get(reference=reference)
        assert grievance.person == self.pensioner
        created = AuditEvent.objects.get(subject_type="case", subject_id=str(grievance.pk), action="grievance.created")
        assert created.actor_kind == ActorKind.REPRESENTATIVE
        assert created.actor_identity == f"person:{self.representative.pk}"
        assert created.acting_for == f"person:{self.pensioner.pk} payee:{self.payee.reference}"
