"""The staff side of people's messages: the case page shows the messages awaiting an answer with
the form to answer, queue rows carry a flag without a query per row, ``/messages/`` lists the
messages of the user's units; answering is an audit event of the staff member and a notification
to the person; a unit outside the user's scope answers 404."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from audit.actors import Actor
from audit.models import AuditEvent
from cases.errors import Conflict, NotAuthorized
from cases.messages import message_answer, message_send
from cases.models import Case, CaseDocument, CaseMessage, Grievance, Notification, Receipt
from tests.conftest import make_insured

from .conftest import file_claims, file_grievance
from .test_query_counts import CASE_QUERIES, QUEUE_QUERIES

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%%EOF\n"


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def write(person, case=None, subject="A question", attachments=()):
    return message_send(
        person=person,
        actor=Actor.person(person),
        subject=subject,
        text="Please tell me.",
        case=case,
        attachments=attachments,
    )


def test_the_case_page_shows_the_message_and_the_answer_reaches_the_person(team, insured):
    grievance = file_grievance(insured)
    message = write(insured, grievance, attachments=[SimpleUploadedFile("scan.pdf", PDF)])
    client = signed_in(team["operator"])
    page = client.get(f"/cases/{grievance.reference}/").content.decode()
    assert "Messages awaiting an answer" in page and "A question" in page and "scan.pdf" in page
    assert f"/messages/{message.pk}/answer/" in page and "a message awaits an answer" in page
    attachment = message.attachments.get()
    download = client.get(f"/messages/{message.pk}/attachments/{attachment.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    response = client.post(
        f"/messages/{message.pk}/answer/", {"text": "We are looking into it.", "next": f"/cases/{grievance.reference}/"}
    )
    assert response.status_code == 302 and response["Location"] == f"/cases/{grievance.reference}/"
    message.refresh_from_db()
    assert message.answered_at is not None
    answer = message.answers.get()
    assert answer.text == "We are looking into it." and answer.author == team["operator"]
    assert Case.objects.get(pk=grievance.pk).messages_awaiting == 0
    event = AuditEvent.objects.filter(subject_type="case", subject_id=str(grievance.pk)).order_by("-seq").first()
    assert event.action == "message.answered" and event.actor_kind == "staff" and event.actor == team["operator"]
    note = Notification.objects.get(key=f"message:{answer.pk}:portal")
    assert note.person == insured and note.channel == Notification.Channel.PORTAL and note.read_at is None
    assert note.body == "We are looking into it."
    page = client.get(f"/cases/{grievance.reference}/").content.decode()
    assert "Messages awaiting an answer" not in page and "Message answered" in page


def test_an_empty_answer_is_refused_and_nothing_is_sent(team, insured):
    message = write(insured)
    response = signed_in(team["operator"]).post(f"/messages/{message.pk}/answer/", {"text": " "}, follow=True)
    assert "Write the answer" in response.content.decode()
    message.refresh_from_db()
    assert message.answered_at is None and not Notification.objects.exists()


def test_only_staff_of_the_unit_answer_and_only_once(team, insured):
    message = write(insured)
    with pytest.raises(NotAuthorized):
        message_answer(message_id=message.pk, actor=Actor.person(insured), text="I answer myself")
    with pytest.raises(NotAuthorized):
        message_answer(message_id=message.pk, actor=team["other_operator"], text="From the south")
    message_answer(message_id=message.pk, actor=team["operator"], text="Done")
    with pytest.raises(Conflict):
        message_answer(message_id=message.pk, actor=team["operator2"], text="Again")
    assert CaseMessage.objects.filter(direction=CaseMessage.Direction.OUT).count() == 1
    event = AuditEvent.objects.get(subject_type="message", subject_id=str(message.pk), action="message.answered")
    assert event.actor == team["operator"] and event.org_unit_id == insured.branch_id


def test_the_messages_page_shows_only_the_users_units(team, insured, org):
    (claim,) = file_claims(insured, 1)
    general = write(insured, subject="North general")
    about_case = write(insured, claim, subject="North about a claim")
    south = make_insured(org.south_a)
    south_message = write(south, subject="South general")
    north_page = signed_in(team["operator"]).get("/messages/").content.decode()
    assert "North general" in north_page and "North about a claim" in north_page
    assert "South general" not in north_page and claim.reference in north_page
    south_client = signed_in(team["other_operator"])
    south_page = south_client.get("/messages/").content.decode()
    assert "South general" in south_page and "North general" not in south_page
    for message in (general, about_case):
        assert south_client.post(f"/messages/{message.pk}/answer/", {"text": "x"}).status_code == 404
        attachment_url = f"/messages/{message.pk}/attachments/1/"
        assert south_client.get(attachment_url).status_code == 404
    assert not CaseMessage.objects.filter(direction=CaseMessage.Direction.OUT).exists()
    assert signed_in(team["operator"]).post(f"/messages/{south_message.pk}/answer/", {"text": "x"}).status_code == 404
    assert "/messages/" in north_page  # the menu


def test_a_general_message_is_answered_from_the_messages_page(team, insured):
    message = write(insured, subject="My address")
    client = signed_in(team["operator"])
    response = client.post(f"/messages/{message.pk}/answer/", {"text": "Noted, thank you."})
    assert response.status_code == 302 and response["Location"] == "/messages/"
    page = client.get("/messages/").content.decode()
    assert "No message awaits an answer in your units." in page and "My address" in page


@pytest.mark.parametrize("n", [2, 12])
def test_the_messages_page_reads_a_fixed_number_of_queries(team, insured, n, django_assert_num_queries):
    claims = file_claims(insured, 2)
    for i in range(n):
        write(insured, claims[i % 2] if i % 3 else None, attachments=[SimpleUploadedFile(f"{i}.pdf", PDF)])
    client = signed_in(team["operator"])
    # session, user, grants (roles, delegations), the units in scope, the messages awaiting an
    # answer with their person, case and unit, their attachments, the general messages, theirs
    with django_assert_num_queries(9):
        assert client.get("/messages/").status_code == 200


def test_queue_rows_flag_a_message_awaiting_an_answer_without_more_queries(team, insured, django_assert_num_queries):
    claims = file_claims(insured, 3)
    write(insured, claims[0])
    client = signed_in(team["operator"])
    with django_assert_num_queries(QUEUE_QUERIES):
        body = client.get(reverse("queue")).content.decode()
    assert body.count("a message awaits an answer") == 1


def test_the_case_page_reads_two_more_queries_only_when_a_message_awaits(team, insured, django_assert_num_queries):
    quiet, asked = file_claims(insured, 2)
    write(insured, asked)
    client = signed_in(team["operator"])
    with django_assert_num_queries(CASE_QUERIES):
        assert client.get(f"/cases/{quiet.reference}/").status_code == 200
    # ... the messages awaiting an answer and their attachments
    with django_assert_num_queries(CASE_QUERIES + 2):
        assert client.get(f"/cases/{asked.reference}/").status_code == 200


def test_a_grievance_filed_at_the_counter_keeps_its_attachments(team, insured):
    client = signed_in(team["operator"])
    response = client.post(
        f"/counter/{insured.ssn}/grievance/",
        {
            "title": "Late payment",
            "description": "Three weeks late.",
            "attachments": [SimpleUploadedFile("statement.pdf", PDF)],
        },
    )
    grievance = Grievance.objects.get(person=insured)
    receipt = Receipt.objects.get(case=grievance)
    assert response.status_code == 302 and response["Location"] == f"/counter/receipts/{receipt.code}/"
    document = CaseDocument.objects.get(case=grievance)
    assert document.uploaded_by == team["operator"] and document.sha256 == CaseDocument.digest(PDF)
    assert receipt.submitted["Attachments"] == f"statement.pdf (SHA-256 {document.sha256})"
    refused = client.post(
        f"/counter/{insured.ssn}/grievance/",
        {"title": "Other", "description": "x", "attachments": [SimpleUploadedFile("s.pdf", b"plain text")]},
    )
    assert refused.status_code == 400 and "s.pdf is not a PDF, JPEG or PNG file" in refused.content.decode()
    assert Grievance.objects.count() == 1


def test_a_general_messages_receipt_shows_at_the_counter_of_the_persons_branch(team, insured):
    message = write(insured)
    page = signed_in(team["operator"]).get(f"/counter/receipts/{message.receipt.code}/")
    assert page.status_code == 200 and "None: a message to the office" in page.content.decode()


def test_who_may_only_read_the_case_sees_the_message_without_the_form(team, insured):
    grievance = file_grievance(insured)
    message = write(insured, grievance)
    page = signed_in(team["auditor"]).get(f"/cases/{grievance.reference}/")
    body = page.content.decode()
    assert page.status_code == 200 and "A question" in body
    assert f"/messages/{message.pk}/answer/" not in body
