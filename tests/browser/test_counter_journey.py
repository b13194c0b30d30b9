"""Counter intake in a real browser: a branch operator finds the person who came to the counter,
files a marriage grant with the registry's form prefilled from the civil registry's record,
checks the details the registry holds with the person, and hands over the printed receipt, whose
code anyone can check on the public page."""

from django.utils import timezone
from playwright.sync_api import expect

from cases.models import BenefitClaim, Receipt
from registry.models import CivilRegistryRecord

from .support import BrowserTestCase, assert_accessible


class CounterJourneyTest(BrowserTestCase):
    def test_an_operator_files_a_claim_at_the_counter_and_hands_over_the_receipt(self):
        CivilRegistryRecord.objects.create(
            kind=CivilRegistryRecord.Kind.MARRIAGE,
            registration_number="M-COUNTER-1",
            person_ssn=self.insured.ssn,
            event_date=self.EVENT_DAY,
            received_at=timezone.now(),
            outcome="unknown_person",
        )
        ssn = self.insured.ssn
        page = self.start_browser()
        self.log_in("op_na")
        page.get_by_role("link", name="Counter").click()
        expect(page.get_by_role("heading", name="Counter")).to_be_visible()
        assert_accessible(page)
        page.get_by_label("Social security number").fill("0000000000")
        page.get_by_role("button", name="Find").click()
        expect(page.get_by_role("alert")).to_contain_text("Nobody with this number belongs to your branches.")
        page.get_by_label("Social security number").fill(ssn)
        page.get_by_role("button", name="Find").click()
        expect(page.get_by_role("heading", level=2)).to_contain_text(ssn)
        page.get_by_role("link", name="Marriage grant").click()
        # The form comes with the benefit and the civil registry's date; the registry's details
        # are there to check with the person.
        expect(page.get_by_label("Benefit")).to_have_value("marriage")
        expect(page.get_by_label("Date of the event")).to_have_value(self.EVENT_DAY.isoformat())
        expect(page.get_by_role("heading", name="What the registry holds")).to_be_visible()
        expect(page.get_by_text(f"XX00SOC{ssn}")).to_be_visible()
        assert_accessible(page)
        page.get_by_role("button", name="File the request").click()
        expect(page.get_by_role("status")).to_contain_text("Hand over the printed receipt.")
        expect(page.get_by_role("heading", name="Official receipt")).to_be_visible()
        assert_accessible(page)
        code = page.locator("code.code").inner_text()
        with page.expect_download() as download:
            page.get_by_role("link", name="Download the receipt to print (PDF)").click()
        assert download.value.suggested_filename == f"receipt-{code}.pdf"
        pdf = open(download.value.path(), "rb").read()
        assert pdf.startswith(b"%PDF")
        # Filing the same event again is refused with the first claim's reference.
        page.goto(self.url(f"/counter/{ssn}/benefit_claim/?benefit=marriage"))
        page.get_by_role("button", name="File the request").click()
        expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
        expect(page.get_by_text("This benefit was already claimed for this event")).to_have_count(2)
        checker = self.context.new_page()
        checker.goto(self.url("/receipts/verify/"))
        checker.get_by_label("Verification code").fill(code.lower().replace("-", " "))
        checker.get_by_role("button", name="Check").click()
        expect(checker.get_by_role("heading", name="This receipt was issued by the office")).to_be_visible()
        checker.close()
        self.stop_browser()

        claim = BenefitClaim.objects.get(person=self.insured)
        assert (claim.channel, claim.event_date, claim.state) == ("counter", self.EVENT_DAY, "submitted")
        receipt = Receipt.objects.get(case=claim)
        assert receipt.code == code and receipt.actor.username == "op_na"
