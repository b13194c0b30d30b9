"""Messages from a person to the office in the portal: writing one (in general or about a
request) with attachments checked by their bytes, its receipt and audit event, the conversation,
attachments for their owner only; notifications with the unread count; a grievance filed with
attachments."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from audit.actors import Actor
from audit.models import AuditEvent
from cases import attachments as attachment_rules
from cases.errors import InvalidInput, NotAuthorized
from cases.messages import message_answer, message_send
from cases.models import Case, CaseDocument, CaseMessage, Grievance, MessageAttachment, Notification, Receipt
from cases.receipts import content_of, digest_of
from tests.backoffice.conftest import file_claims

from .conftest import signed_in

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def pdf(name="letter.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def write(client, url="/portal/messages/new/", **data):
    data.setdefault("subject", "My address changed")
    data.setdefault("text", "I moved to 12 Harbour Street.")
    return client.post(url, data)


def test_a_general_message_with_a_pdf_gets_a_receipt_and_an_audit_event(person_account):
    client = signed_in(person_account)
    person = person_account.person
    response = write(client, attachments=[pdf(), SimpleUploadedFile("photo.png", PNG, content_type="image/png")])
    message = CaseMessage.objects.get(person=person)
    receipt = message.receipt
    assert response.status_code == 302 and response["Location"] == f"/portal/receipts/{receipt.code}/"
    assert message.case is None and message.unit == person.branch and message.awaiting
    assert receipt.kind == Receipt.Kind.MESSAGE and receipt.case is None and receipt.person == person
    files = {a.name: a for a in message.attachments.all()}
    assert files["letter.pdf"].content_type == "application/pdf" and files["photo.png"].content_type == "image/png"
    assert files["letter.pdf"].sha256 == MessageAttachment.digest(PDF)
    assert f"letter.pdf (SHA-256 {MessageAttachment.digest(PDF)})" in receipt.submitted["Attachments"]
    assert receipt.digest == digest_of(content_of(receipt)) and content_of(receipt)["case"] == ""
    event = AuditEvent.objects.get(subject_type="message", subject_id=str(message.pk))
    assert event.action == "message.received" and event.actor_kind == "person"
    assert event.actor_identity == f"person:{person.pk}" and event.actor_id == person_account.user.pk
    assert event.payload["attachments"][0]["sha256"] in (a.sha256 for a in files.values())
    page = client.get(response["Location"]).content.decode()
    assert receipt.code in page and "None: a message to the office" in page and "/portal/messages/" in page
    pdf_response = client.get(f"/portal/receipts/{receipt.code}/pdf/")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf_response.content)).pages)
    assert receipt.code in text and person.ssn in text
    checked = Client().get("/receipts/verify/", {"code": receipt.code}).content.decode()
    assert "This receipt was issued by the office" in checked


@pytest.mark.parametrize(
    "upload",
    [
        SimpleUploadedFile("report.pdf", b"<html><script>alert(1)</script></html>", content_type="application/pdf"),
        SimpleUploadedFile("photo.jpg", b"GIF89a not a jpeg", content_type="image/jpeg"),
        SimpleUploadedFile("run.exe", b"MZ\x90\x00", content_type="application/octet-stream"),
    ],
    ids=["html-named-pdf", "gif-named-jpeg", "program"],
)
def test_a_file_is_judged_by_its_bytes_not_its_name(person_account, upload):
    response = write(signed_in(person_account), attachments=[upload])
    body = response.content.decode()
    assert response.status_code == 400
    assert f"{upload.name} is not a PDF, JPEG or PNG file" in body and "There is a problem" in body
    assert not CaseMessage.objects.exists() and not Receipt.objects.exists()


def test_a_file_above_the_size_limit_is_refused(person_account, monkeypatch):
    monkeypatch.setattr(attachment_rules, "MAX_ATTACHMENT_BYTES", 20)
    response = write(signed_in(person_account), attachments=[pdf(content=PDF + b"x" * 20)])
    assert response.status_code == 400 and "letter.pdf is larger than" in response.content.decode()
    assert not CaseMessage.objects.exists()


def test_too_many_files_are_refused(person_account):
    files = [pdf(f"p{i}.pdf") for i in range(attachment_rules.MAX_ATTACHMENTS + 1)]
    response = write(signed_in(person_account), attachments=files)
    assert response.status_code == 400 and not CaseMessage.objects.exists()


def test_a_message_needs_a_subject_and_a_text(person_account):
    response = write(signed_in(person_account), subject="", text=" ")
    assert response.status_code == 400 and not CaseMessage.objects.exists()


def test_a_message_about_a_request_is_an_event_of_the_case_and_shows_on_its_page(person_account):
    person = person_account.person
    (claim,) = file_claims(person, 1)
    client = signed_in(person_account)
    page = client.get(f"/portal/cases/{claim.reference}/").content.decode()
    assert f"/portal/cases/{claim.reference}/messages/new/" in page
    url = f"/portal/cases/{claim.reference}/messages/new/"
    assert client.get(url).status_code == 200
    response = write(client, url, subject="Marriage certificate", text="Here it is.", attachments=[pdf()])
    message = CaseMessage.objects.get(person=person)
    assert response.status_code == 302 and message.case_id == claim.pk and message.receipt.case_id == claim.pk
    assert Case.objects.get(pk=claim.pk).messages_awaiting == 1
    event = AuditEvent.objects.filter(subject_type="case", subject_id=str(claim.pk)).order_by("-seq").first()
    assert event.action == "message.received" and event.actor_kind == "person"
    page = client.get(f"/portal/cases/{claim.reference}/").content.decode()
    assert "Marriage certificate" in page and "Here it is." in page and "Awaiting the office" in page
    attachment = message.attachments.get()
    download = client.get(f"/portal/messages/{message.pk}/attachments/{attachment.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert download["Content-Type"] == "application/pdf" and download["X-Content-Type-Options"] == "nosniff"


def test_a_person_may_not_write_about_someone_elses_case(person_account, other_account):
    (theirs,) = file_claims(other_account.person, 1)
    with pytest.raises(NotAuthorized):
        message_send(
            person=person_account.person,
            actor=Actor.person(person_account.person),
            subject="x",
            text="y",
            case=theirs,
        )
    with pytest.raises(NotAuthorized):
        message_send(
            person=other_account.person, actor=Actor.person(person_account.person), subject="x", text="y", case=theirs
        )
    assert not CaseMessage.objects.exists()


def test_the_office_answer_is_shown_and_notified(person_account, team):
    person = person_account.person
    (claim,) = file_claims(person, 1)
    message = message_send(
        person=person, actor=Actor.person(person), subject="When?", text="When is it paid?", case=claim
    )
    message_answer(message_id=message.pk, actor=team["operator"], text="Next Monday.")
    client = signed_in(person_account)
    thread = client.get(f"/portal/messages/{message.pk}/").content.decode()
    assert "Next Monday." in thread and "The office answered" in thread
    assert "op_na" not in thread
    listing = client.get("/portal/messages/").content.decode()
    assert "When?" in listing and "Answered" in listing


def _note(person, n):
    now = timezone.now()
    return [
        Notification.objects.create(
            key=f"test:{person.pk}:{i}",
            person=person,
            channel=Notification.Channel.PORTAL,
            subject=f"Notice {i}",
            body="Body",
            status=Notification.Status.SENT,
            created_at=now,
        )
        for i in range(n)
    ]


def test_opening_a_notification_marks_it_read_and_the_header_counts_down(person_account):
    first, _second = _note(person_account.person, 2)
    client = signed_in(person_account)
    home = client.get("/portal/").content.decode()
    assert "Notifications" in home and "(2 unread)" in home
    listing = client.get("/portal/notifications/").content.decode()
    assert "Notice 0" in listing and "New:" in listing
    opened = client.get(f"/portal/notifications/{first.pk}/")
    assert opened.status_code == 200 and "Notice 0" in opened.content.decode()
    first.refresh_from_db()
    assert first.read_at is not None
    assert "(1 unread)" in opened.content.decode()
    read_at = first.read_at
    client.get(f"/portal/notifications/{first.pk}/")
    first.refresh_from_db()
    assert first.read_at == read_at  # the first opening counts
    assert "(1 unread)" in client.get("/portal/").content.decode()


def test_another_persons_notification_is_not_found_and_stays_unread(person_account, other_account):
    (theirs,) = _note(other_account.person, 1)
    assert signed_in(person_account).get(f"/portal/notifications/{theirs.pk}/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


@pytest.mark.parametrize("n", [1, 8])
def test_the_list_pages_read_a_fixed_number_of_queries(person_account, n, django_assert_num_queries):
    person = person_account.person
    (claim,) = file_claims(person, 1)
    for i in range(n):
        message_send(
            person=person,
            actor=Actor.person(person),
            subject=f"S{i}",
            text="T",
            case=claim if i % 2 else None,
            attachments=[pdf()],
        )
    _note(person, n)
    client = signed_in(person_account)
    # session, user, the person, the unread count, the messages with their case and receipt, their
    # attachments, their answers
    with django_assert_num_queries(7):
        assert client.get("/portal/messages/").status_code == 200
    # session, user, the person, the unread count, the notifications
    with django_assert_num_queries(5):
        assert client.get("/portal/notifications/").status_code == 200


# --- A grievance with attachments ----------------------------------------------------------------


def test_a_grievance_filed_online_keeps_its_attachments_as_documents_named_in_the_receipt(person_account):
    client = signed_in(person_account)
    form = client.get("/portal/file/grievance/").content.decode()
    assert 'enctype="multipart/form-data"' in form and 'type="file"' in form
    response = client.post(
        "/portal/file/grievance/",
        {"title": "Late payment", "description": "Three weeks late.", "attachments": [pdf("bank.pdf")]},
    )
    grievance = Grievance.objects.get(person=person_account.person)
    receipt = Receipt.objects.get(case=grievance)
    assert response.status_code == 302 and response["Location"] == f"/portal/receipts/{receipt.code}/"
    document = CaseDocument.objects.get(case=grievance)
    assert document.title == "bank.pdf" and document.sha256 == CaseDocument.digest(PDF)
    assert document.uploaded_by == person_account.user
    assert receipt.submitted["Attachments"] == f"bank.pdf (SHA-256 {document.sha256})"
    assert receipt.digest == digest_of(content_of(receipt))
    added = AuditEvent.objects.get(subject_type="case", subject_id=str(grievance.pk), action="document.added")
    assert added.actor_kind == "person" and added.payload["sha256"] == document.sha256


def test_a_grievance_with_a_file_that_is_not_a_document_is_not_filed(person_account):
    response = signed_in(person_account).post(
        "/portal/file/grievance/",
        {
            "title": "Late payment",
            "description": "Three weeks late.",
            "attachments": [SimpleUploadedFile("bank.pdf", b"PK\x03\x04 a zip")],
        },
    )
    assert response.status_code == 400 and "bank.pdf is not a PDF, JPEG or PNG file" in response.content.decode()
    assert not Grievance.objects.exists() and not CaseDocument.objects.exists()


def test_the_service_checks_the_bytes_whatever_the_caller_says(person_account):
    from cases.attachments import Checked

    person = person_account.person
    forged = Checked(name="x.pdf", content=b"<html>", content_type="application/pdf", sha256="0" * 64)
    with pytest.raises(InvalidInput):
        message_send(person=person, actor=Actor.person(person), subject="s", text="t", attachments=[forged])
    assert not CaseMessage.objects.exists()
