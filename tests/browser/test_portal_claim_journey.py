"""A person's whole claim in the portal, in a real browser: they open their account (a code sent to
the e-mail the registry holds, a password, the authenticator), file a sickness claim from a form
prefilled with the benefit, download the receipt and check its code on the public page; a
caseworker asks for information, the person answers with a document, a supervisor approves, and
the person reads the decision (its delivery recorded) and sees the payment."""

import hashlib
import os
import re
import tempfile
import time
from base64 import b32decode

from django.core import mail
from playwright.sync_api import expect

from audit.models import AuditEvent
from cases.models import BenefitClaim, CaseDocument, ClaimState, Receipt
from cases.payments import pay_due_claims
from registry.models import Payment
from tests.security import totp

from .support import PASSWORD, BrowserTestCase, assert_accessible

NEW_PASSWORD = "A long passphrase of my own 2026"


def small_pdf():
    """A small, well-formed one-page PDF (header, objects, cross-reference table, trailer)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


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
        assert_accessible(page)
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
        assert_accessible(page)
        code = page.locator("code.code").inner_text()
        with page.expect_download() as download:
            page.get_by_role("link", name="Download the receipt (PDF)").click()
        assert open(download.value.path(), "rb").read().startswith(b"%PDF")
        checker = self.context.new_page()
        checker.goto(self.url("/receipts/verify/"))
        assert_accessible(checker)
        checker.get_by_label("Verification code").fill(code)
        checker.get_by_role("button", name="Check").click()
        expect(checker.get_by_role("heading", name="This receipt was issued by the office")).to_be_visible()
        checker.close()
        page.get_by_role("link", name="Back to the request").click()
        assert_accessible(page)
        return page.get_by_role("heading", level=1).inner_text().split()[-1]

    def staff_log_in(self, page, username):
        """A staff member signs in to the staff site in the second browser context."""
        page.goto(self.url("/login/"))
        page.get_by_label("User name").fill(username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.get_by_label("Code from your authenticator app").fill(self._next_code(username))
        page.get_by_role("button", name="Verify").click()
        expect(page.get_by_role("heading", name="My inbox")).to_be_visible()

    def staff_take(self, page, reference):
        page.get_by_role("link", name="Unit queue").click()
        page.get_by_role("button", name=f"Take {reference}").click()
        expect(page.get_by_role("heading", name=f"Claim {reference}")).to_be_visible()

    def ask_for_information(self, staff, reference):
        self.staff_log_in(staff, "op_na")
        self.staff_take(staff, reference)
        ask = staff.locator("form", has=staff.locator("[name='info-question']"))
        ask.get_by_label("Information the claimant must provide").fill("Your doctor's certificate, please.")
        ask.get_by_role("button", name="Request information").click()
        expect(staff.get_by_role("status")).to_contain_text("The claimant was asked for information.")

    def answer_with_a_document(self, reference, pdf_path):
        """The person opens the case (the request is delivered) and answers with the certificate."""
        page = self.page
        page.goto(self.url(f"/portal/cases/{reference}/"))
        expect(page.get_by_role("heading", name="What the office asks you")).to_be_visible()
        expect(page.locator(".expected")).to_have_text("Your doctor's certificate, please.")
        expect(page.locator("ol.timeline")).to_contain_text("Delivered to you")
        receipts = page.get_by_role("region", name="My receipts")
        expect(receipts.get_by_role("link", name=re.compile("^Delivered to you"))).to_have_count(1)
        assert_accessible(page)
        page.get_by_label("Your answer").fill("The certificate is attached.")
        page.get_by_label("Documents (optional)").set_input_files(pdf_path)
        page.get_by_role("button", name="Send my answer").click()
        expect(page.get_by_role("status")).to_contain_text("Your answer was sent")
        expect(page.get_by_role("heading", name="Official receipt")).to_be_visible()
        digest = hashlib.sha256(open(pdf_path, "rb").read()).hexdigest()
        expect(page.get_by_text(f"{os.path.basename(pdf_path)} · SHA-256 {digest}")).to_be_visible()
        assert_accessible(page)

    def recommend_and_approve(self, staff, reference):
        """The caseworker recommends approval; another staff member, a supervisor, approves."""
        staff.reload()
        expect(staff.locator(".case-head .state")).to_have_text("In review")
        history = staff.locator("table.history")
        expect(history).to_contain_text("Delivered to the person in the portal")
        expect(history).to_contain_text("Document added")
        recommend = staff.locator("form", has=staff.locator("[name='recommend-decision']"))
        recommend.get_by_label("Approve").check()
        recommend.get_by_label("Note").fill("Certificate received: eligible.")
        recommend.get_by_role("button", name="Record recommendation").click()
        expect(staff.get_by_role("status")).to_contain_text("Your recommendation was recorded")
        staff.get_by_role("button", name="Log out").click()
        expect(staff.get_by_role("heading", name="Staff login")).to_be_visible()
        self.staff_log_in(staff, "sup_na")
        self.staff_take(staff, reference)
        decide = staff.locator("form", has=staff.locator("[name='decide-decision']"))
        decide.get_by_label("Approve").check()
        decide.get_by_label("Note").fill("Agreed.")
        decide.get_by_role("button", name="Record decision").click()
        expect(staff.get_by_role("status")).to_contain_text("Your decision was recorded.")
        expect(staff.locator(".case-head .state")).to_have_text("In payment")

    def read_the_decision(self, reference):
        page = self.page
        page.goto(self.url(f"/portal/cases/{reference}/"))
        decision = page.get_by_role("region", name="The decision")
        expect(decision).to_contain_text("Approved")
        expect(decision).to_contain_text("Amount approved")
        receipts = page.get_by_role("region", name="My receipts")
        expect(receipts.get_by_role("link", name=re.compile("^Delivered to you"))).to_have_count(2)
        expect(page.locator("ol.timeline li").filter(has_text="Delivered to you")).to_have_count(2)
        assert_accessible(page)
        page.reload()  # opening it again records nothing more
        expect(receipts.get_by_role("link", name=re.compile("^Delivered to you"))).to_have_count(2)
        page.get_by_role("link", name="Back to my page").click()
        payments = page.get_by_role("region", name="My payments")
        expect(payments.get_by_role("row").filter(has_text=reference).first).to_contain_text(
            re.compile("due", re.IGNORECASE)
        )
        assert_accessible(page)

    def sign_in(self):
        page, ssn = self.page, self.insured.ssn
        page.goto(self.url("/portal/login/"))
        assert_accessible(page)
        page.get_by_label("Social security number").fill(ssn)
        page.get_by_label("Password").fill(NEW_PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.get_by_label("Code from your authenticator app").fill(self._next_code(ssn))
        page.get_by_role("button", name="Verify").click()
        expect(page.get_by_role("heading", name="My page")).to_be_visible()
        assert_accessible(page)

    def test_a_person_registers_files_answers_and_reads_the_decision(self):
        folder = tempfile.mkdtemp(prefix="socius-journey-")
        pdf_path = os.path.join(folder, "doctor-certificate.pdf")
        with open(pdf_path, "wb") as out:
            out.write(small_pdf())
        self.start_browser()
        self.register()
        reference = self.file_sickness_claim()
        assert reference.startswith("BC-")
        staff_context = self.browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-GB")
        staff_context.set_default_timeout(15_000)
        staff = staff_context.new_page()
        self.ask_for_information(staff, reference)
        self.answer_with_a_document(reference, pdf_path)
        self.recommend_and_approve(staff, reference)
        self.read_the_decision(reference)
        staff_context.close()
        self.stop_browser()

        claim = BenefitClaim.objects.get(reference=reference)
        assert claim.state == ClaimState.IN_PAYMENT
        assert claim.recommended_by == self.operator and claim.decided_by == self.supervisor
        delivered = AuditEvent.objects.filter(
            subject_type="case", subject_id=str(claim.pk), action="benefit_claim.delivered"
        ).order_by("seq")
        assert [e.payload["delivered"] for e in delivered] == ["info_request", "decision"]
        assert {e.actor_identity for e in delivered} == {f"person:{self.insured.pk}"}
        kinds = list(Receipt.objects.filter(case=claim).order_by("issued_at", "pk").values_list("kind", flat=True))
        assert kinds == ["filed", "delivered", "answered", "delivered"]
        document = CaseDocument.objects.get(case=claim)
        assert document.sha256 == hashlib.sha256(small_pdf()).hexdigest()

        # The payment run of the day the claim was approved pays the first instalment.
        payment = Payment.objects.filter(schedule__case_reference=reference).order_by("due_date").first()
        assert payment.status == Payment.Status.DUE
        pay_due_claims(on=payment.due_date)
        payment.refresh_from_db()
        assert payment.status == Payment.Status.PAID
        self.start_browser()
        self.sign_in()
        payments = self.page.get_by_role("region", name="My payments")
        expect(payments.get_by_role("row").filter(has_text=reference).first).to_contain_text(
            re.compile("paid", re.IGNORECASE)
        )
        self.stop_browser()
