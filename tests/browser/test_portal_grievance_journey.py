"""A grievance with an attachment and a conversation with the office, in a real browser: the
person files the grievance with a PDF and writes about it from the case page; a staff member,
signed in to the staff site in another browser, answers the message from the case page; the
person sees the unread notifications in the header, opens the answer's notification (the count
goes down) and reads the answer in the conversation."""

import os
import tempfile

from playwright.sync_api import expect

from audit.actors import Actor
from portal.services import portal_account_open

from .support import PASSWORD, BrowserTestCase, assert_accessible

ANSWER = "We received your bank statement; the payment is on its way."


def small_pdf():
    """A small but complete PDF: one empty page, with its cross-reference table."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj " % number + body + b" endobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f\r\n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n\r\n" % offset for offset in offsets)
    out += b"trailer << /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


class PortalGrievanceJourneyTest(BrowserTestCase):
    def setUp(self):
        super().setUp()
        self.account = portal_account_open(person=self.insured, password=PASSWORD, actor=Actor.system("registration"))
        folder = tempfile.mkdtemp(prefix="socius-journey-")
        self.statement = os.path.join(folder, "bank-statement.pdf")
        with open(self.statement, "wb") as handle:
            handle.write(small_pdf())

    def sign_in(self):
        page = self.page
        ssn = self.insured.ssn
        page.goto(self.url("/portal/login/"))
        page.get_by_label("Social security number").fill(ssn)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.get_by_label("Code from your authenticator app").fill(self._next_code(ssn))
        page.get_by_role("button", name="Verify").click()
        expect(page.get_by_role("heading", name="My page")).to_be_visible()
        assert_accessible(page)

    def file_grievance(self):
        page = self.page
        page.get_by_role("link", name="Make a request").first.click()
        page.get_by_role("link", name="Grievance").click()
        assert_accessible(page)
        page.get_by_label("Subject").fill("Sickness benefit paid late")
        page.get_by_label("What the grievance is about").fill("It came three weeks late; my bank statement shows it.")
        page.get_by_label("Attachments").set_input_files(self.statement)
        page.get_by_role("button", name="Send the request").click()
        expect(page.get_by_role("status")).to_contain_text("Your request was received under the reference")
        expect(page.get_by_role("heading", name="Official receipt")).to_be_visible()
        expect(page.locator("table.list")).to_contain_text("bank-statement.pdf (SHA-256 ")
        assert_accessible(page)
        page.get_by_role("link", name="Back to the request").click()
        reference = page.get_by_role("heading", level=1).inner_text().split()[-1]
        assert reference.startswith("GR-"), reference
        assert_accessible(page)
        return reference

    def write_about_it(self, reference):
        page = self.page
        page.get_by_role("link", name="Write to the office about this request").click()
        expect(page.get_by_role("heading", name=f"Write to the office about request {reference}")).to_be_visible()
        page.get_by_role("button", name="Send the message").click()  # nothing typed: the error summary
        expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
        assert_accessible(page)
        page.get_by_label("Subject").fill("When will it be paid?")
        page.get_by_label("Your message").fill("Could you tell me when the late payment arrives?")
        page.get_by_role("button", name="Send the message").click()
        expect(page.get_by_role("status")).to_contain_text("Your message was sent to the office")
        expect(page.locator("table.list")).to_contain_text("When will it be paid?")
        assert_accessible(page)
        page.get_by_role("link", name="My messages").click()
        expect(page.get_by_role("heading", name="My messages", level=1)).to_be_visible()
        expect(page.locator(".cards")).to_contain_text("Awaiting an answer")
        assert_accessible(page)

    def staff_answers(self, reference):
        staff_context = self.browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-GB")
        staff_context.set_default_timeout(15_000)
        office = staff_context.new_page()
        office.goto(self.url("/login/"))
        office.get_by_label("User name").fill("op_na")
        office.get_by_label("Password").fill(PASSWORD)
        office.get_by_role("button", name="Log in").click()
        office.get_by_label("Code from your authenticator app").fill(self._next_code("op_na"))
        office.get_by_role("button", name="Verify").click()
        expect(office.get_by_role("heading", name="My inbox")).to_be_visible()
        office.get_by_role("link", name="Unit queue").click()
        row = office.get_by_role("row").filter(has_text=reference)
        expect(row).to_contain_text("a message awaits an answer")
        office.get_by_role("navigation", name="Main").get_by_role("link", name="Messages").click()
        awaiting = office.locator("section", has=office.get_by_role("heading", name="Awaiting an answer"))
        expect(awaiting).to_contain_text("When will it be paid?")
        assert_accessible(office)
        awaiting.get_by_role("link", name=reference).click()
        expect(office.get_by_role("heading", name=f"Grievance {reference}")).to_be_visible()
        documents = office.locator("section", has=office.get_by_role("heading", name="Documents"))
        expect(documents).to_contain_text("bank-statement.pdf")
        messages = office.locator("section", has=office.get_by_role("heading", name="Messages awaiting an answer"))
        expect(messages).to_contain_text("Could you tell me when the late payment arrives?")
        messages.get_by_label("Answer").fill(ANSWER)
        messages.get_by_role("button", name="Send the answer").click()
        expect(office.get_by_role("status")).to_contain_text("Your answer was sent")
        expect(office.get_by_role("heading", name="Messages awaiting an answer")).to_have_count(0)
        expect(office.locator("table.history")).to_contain_text(ANSWER)
        staff_context.close()

    def test_a_person_files_a_grievance_with_a_pdf_and_reads_the_offices_answer(self):
        page = self.start_browser()
        self.sign_in()
        reference = self.file_grievance()
        self.write_about_it(reference)

        self.staff_answers(reference)

        # The person: two unread notifications (the grievance received, the answer).
        page.get_by_role("link", name="My page").click()
        notifications = page.get_by_role("navigation", name="Main").get_by_role("link", name="Notifications")
        expect(notifications).to_contain_text("(2 unread)")
        assert_accessible(page)
        notifications.click()
        expect(page.get_by_role("heading", name="Notifications", level=1)).to_be_visible()
        assert_accessible(page)
        page.get_by_role("link", name="The office answered your message: When will it be paid?").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("The office answered your message")
        expect(page.get_by_text(ANSWER)).to_be_visible()
        header = page.get_by_role("navigation", name="Main")
        expect(header.get_by_role("link", name="Notifications")).to_contain_text("(1 unread)")
        assert_accessible(page)
        page.get_by_role("link", name="Read the whole conversation").click()
        expect(page.get_by_role("heading", name="When will it be paid?", level=1)).to_be_visible()
        expect(page.locator(".from-office")).to_contain_text(ANSWER)
        assert_accessible(page)
        page.goto(self.url(f"/portal/cases/{reference}/"))
        conversation = page.locator("section", has=page.get_by_role("heading", name="Messages about this request"))
        expect(conversation).to_contain_text(ANSWER)
        assert_accessible(page)
        self.stop_browser()
