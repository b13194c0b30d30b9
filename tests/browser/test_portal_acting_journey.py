"""A representative payee in the portal, in a real browser: they sign in, are asked whom they act
for and choose the pensioner, read the banner on every page, file a grievance for the pensioner
and find it among the pensioner's requests, then switch back to acting for themselves."""

import re

from django.utils import timezone
from playwright.sync_api import expect

from audit.actors import Actor, ActorKind
from audit.models import AuditEvent
from cases import attorneys, payees, services
from cases.models import CaseType, Grievance, PowerOfAttorney, Receipt
from portal.services import portal_account_open
from registry.models import BankAccount
from tests.conftest import make_insured

from .support import PASSWORD, BrowserTestCase, assert_accessible, screenshot_path


def sign_in(test, person):
    """``person`` signs in to the portal in ``test``'s browser (password, then the app's code)."""
    page = test.page
    page.goto(test.url("/portal/login/"))
    page.get_by_label("Social security number").fill(person.ssn)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_label("Code from your authenticator app").fill(test._next_code(person.ssn))
    page.get_by_role("button", name="Verify").click()


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

    def banner(self):
        return self.page.locator("section.acting-for")

    def test_a_representative_payee_acts_for_the_pensioner_and_switches_back(self):
        page = self.start_browser()
        name = self.pensioner.full_name
        sign_in(self, self.representative)

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
        expect(page.get_by_role("link", name=f"Grievance {reference}", exact=True)).to_be_visible()
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
        expect(page.get_by_role("link", name=f"Grievance {reference}", exact=True)).to_have_count(0)
        expect(page.get_by_text("You have no request yet.")).to_be_visible()
        assert_accessible(page)
        self.stop_browser()

        grievance = Grievance.objects.get(reference=reference)
        assert grievance.person == self.pensioner
        created = AuditEvent.objects.get(subject_type="case", subject_id=str(grievance.pk), action="grievance.created")
        assert created.actor_kind == ActorKind.REPRESENTATIVE
        assert created.actor_identity == f"person:{self.representative.pk}"
        assert created.acting_for == f"person:{self.pensioner.pk} payee:{self.payee.reference}"


class PortalPowerOfAttorneyJourneyTest(BrowserTestCase):
    """A person asks for a power of attorney in the portal and revokes the one in force."""

    def setUp(self):
        super().setUp()
        self.attorney = make_insured(self.org.north_b)
        portal_account_open(person=self.insured, password=PASSWORD, actor=Actor.system("registration"))
        today = timezone.localdate()
        power = attorneys.attorney_request(
            grantor=self.insured,
            attorney=self.attorney,
            attorney_name=self.attorney.last_name,
            scope=[CaseType.GRIEVANCE],
            valid_from=today,
            valid_to=None,
            actor=Actor.person(self.insured),
        )
        services.task_take(case_id=power.pk, actor=self.operator)
        attorneys.attorney_verify(case_id=power.pk, actor=self.operator, identity_ok=True, documents_ok=True)
        self.power = attorneys.attorney_approve(case_id=power.pk, actor=self.supervisor)

    def test_a_grantor_asks_for_a_power_of_attorney_and_revokes_another(self):
        page = self.start_browser()
        sign_in(self, self.insured)
        expect(page.get_by_role("heading", name="My page")).to_be_visible()

        page.get_by_role("link", name="Make a request").first.click()
        page.get_by_role("link", name="Power of attorney", exact=True).click()
        expect(page.get_by_role("heading", name="Power of attorney")).to_be_visible()
        assert_accessible(page)
        page.get_by_label("Social security number of the attorney").fill(self.attorney.ssn)
        page.get_by_label("Surname of the attorney").fill("Not-The-Name")
        page.get_by_label("Benefit claim").check()
        page.get_by_role("button", name="Send the request").click()
        expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
        expect(page.get_by_role("alert")).to_contain_text("The surname does not match")
        assert_accessible(page)
        page.get_by_label("Surname of the attorney").fill(self.attorney.last_name)
        page.get_by_role("button", name="Send the request").click()
        expect(page.get_by_role("heading", name="Official receipt")).to_be_visible()
        assert_accessible(page)

        page.goto(self.url(f"/portal/cases/{self.power.reference}/"))
        expect(page.get_by_role("heading", name="Revoke this power of attorney")).to_be_visible()
        expect(page.locator("dl.facts").first).to_contain_text(self.attorney.full_name)
        assert_accessible(page)
        page.get_by_label("Why you revoke it").fill("I manage my requests myself again.")
        page.get_by_role("button", name="Revoke", exact=True).click()
        expect(page.get_by_role("heading", name="Official receipt")).to_be_visible()
        expect(page.get_by_role("status")).to_contain_text("Your power of attorney is revoked")
        assert_accessible(page)
        self.stop_browser()

        assert PowerOfAttorney.objects.get(pk=self.power.pk).state == "revoked"
        new = PowerOfAttorney.objects.exclude(pk=self.power.pk).get(person=self.insured)
        assert (new.attorney, new.scope, new.state) == (self.attorney, [CaseType.BENEFIT_CLAIM], "submitted")
        kinds = set(Receipt.objects.filter(person=self.insured).values_list("kind", flat=True))
        # Opening the power's page delivered its approval; then the revocation and the new request.
        assert kinds == {Receipt.Kind.FILED, Receipt.Kind.DELIVERED, Receipt.Kind.REVOKED}
