"""A person's actions on their own case in the portal: an answer with documents, a document on
its own, an appeal, a reopening, each through the engine with a receipt; and the delivery of the
office's decisions and requests when the case page shows them."""

import datetime as dt
import hashlib
import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.actors import Actor
from audit.models import AuditEvent
from cases import engine, grievances, medical, services
from cases.errors import CaseTransitionError, InvalidInput
from cases.models import BenefitClaim, CaseDocument, Grievance, MedicalCommission, Receipt
from cases.receipts import content_of, digest_of, receipt_holds
from roles.models import Role
from tests.conftest import staff
from tests.grievances.helpers import file_grievance, triage
from tests.integration.helpers import run_concurrently
from tests.support import AuditTransactionTestCase

from .conftest import signed_in
from .test_portal import marriage_claim

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


def sha(content):
    return hashlib.sha256(content).hexdigest()


def upload(name, content, content_type="application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def page_of(case):
    return reverse("portal:case", kwargs={"reference": case.reference})


def url(name, case):
    return reverse(f"portal:{name}", kwargs={"reference": case.reference})


def asked(person, team, question="Send the marriage certificate."):
    claim = marriage_claim(person)
    services.task_take(case_id=claim.pk, actor=team["operator"])
    services.claim_request_info(case_id=claim.pk, actor=team["operator"], question=question)
    return claim


def rejected(person, team):
    claim = marriage_claim(person)
    services.task_take(case_id=claim.pk, actor=team["operator"])
    services.claim_recommend(case_id=claim.pk, actor=team["operator"], approve=False, note="Not married yet.")
    services.claim_decide(case_id=claim.pk, actor=team["supervisor"], approve=False, note="No marriage on record.")
    return BenefitClaim.objects.get(pk=claim.pk)


def approved(person, team):
    claim = marriage_claim(person)
    services.task_take(case_id=claim.pk, actor=team["operator"])
    services.claim_recommend(case_id=claim.pk, actor=team["operator"], approve=True)
    services.claim_decide(case_id=claim.pk, actor=team["supervisor"], approve=True)
    return BenefitClaim.objects.get(pk=claim.pk)


def events(case, action):
    return AuditEvent.objects.filter(subject_type="case", subject_id=str(case.pk), action=action).order_by("seq")


def receipts(case, kind):
    return list(Receipt.objects.filter(case=case, kind=kind).order_by("pk"))


# --- Answer with documents ---------------------------------------------------------------------------


def test_an_answer_with_documents_stores_them_and_its_receipt_attests_each_file(person_account, team):
    claim = asked(person_account.person, team)
    client = signed_in(person_account)
    page = client.get(page_of(claim)).content.decode()
    assert 'enctype="multipart/form-data"' in page and "Documents (optional)" in page
    sent = client.post(
        url("case_answer", claim),
        {
            "answer": "Here is the certificate and a photo.",
            "documents": [upload("certificate.pdf", PDF), upload("photo.png", PNG, "image/png")],
        },
    )
    assert sent.status_code == 302
    claim.refresh_from_db()
    assert claim.state == "in_review"
    stored = {doc.title: doc for doc in CaseDocument.objects.filter(case=claim)}
    assert {name: doc.sha256 for name, doc in stored.items()} == {"certificate.pdf": sha(PDF), "photo.png": sha(PNG)}
    assert stored["certificate.pdf"].file.read() == PDF
    added = events(claim, "document.added")
    assert added.count() == 2 and {e.actor_identity for e in added} == {f"person:{person_account.person.pk}"}

    (receipt,) = receipts(claim, Receipt.Kind.ANSWERED)
    assert sent["Location"] == reverse("portal:receipt", kwargs={"code": receipt.code})
    assert receipt.submitted["Your answer"] == "Here is the certificate and a photo."
    lines = sorted(v for k, v in receipt.submitted.items() if k.startswith("Document "))
    assert lines == sorted([f"certificate.pdf · SHA-256 {sha(PDF)}", f"photo.png · SHA-256 {sha(PNG)}"])
    assert receipt.digest == digest_of(content_of(receipt)) and receipt_holds(receipt)
    # The digest covers each file's digest: another file would give another receipt digest.
    tampered = content_of(receipt)
    tampered["submitted"] = {**receipt.submitted, "Document 1": f"certificate.pdf · SHA-256 {sha(b'%PDF-other')}"}
    assert digest_of(tampered) != receipt.digest
    shown = client.get(sent["Location"]).content.decode()
    assert sha(PDF) in shown and "photo.png" in shown


def test_a_file_is_judged_by_its_bytes_not_its_name_or_declared_type(person_account, team):
    claim = asked(person_account.person, team)
    client = signed_in(person_account)
    refused = client.post(
        url("case_answer", claim),
        {"answer": "Attached.", "documents": [upload("certificate.pdf", b"MZ\x90\x00 not a pdf at all")]},
    )
    assert refused.status_code == 400
    body = refused.content.decode()
    assert "There is a problem" in body and "certificate.pdf is not a PDF document or a JPEG or PNG image" in body
    claim.refresh_from_db()
    assert claim.state == "awaiting_info"
    assert not CaseDocument.objects.filter(case=claim).exists()
    assert not Receipt.objects.filter(case=claim, kind=Receipt.Kind.ANSWERED).exists()
    # A real JPEG under a misleading name and declared type is accepted.
    sent = client.post(
        url("case_answer", claim), {"answer": "Attached.", "documents": [upload("scan.txt", JPEG, "text/plain")]}
    )
    assert sent.status_code == 302
    assert CaseDocument.objects.get(case=claim).sha256 == sha(JPEG)


def test_a_file_over_the_size_limit_is_refused(person_account, team, monkeypatch):
    from portal import forms_case

    monkeypatch.setattr(forms_case, "MAX_DOCUMENT_BYTES", 100)
    claim = asked(person_account.person, team)
    refused = signed_in(person_account).post(
        url("case_answer", claim), {"answer": "Big.", "documents": [upload("big.pdf", PDF + b"0" * 200)]}
    )
    assert refused.status_code == 400 and "big.pdf is larger than" in refused.content.decode()
    assert not CaseDocument.objects.filter(case=claim).exists()


def test_the_engine_checks_a_persons_file_by_its_bytes(person_account, team):
    claim = marriage_claim(person_account.person)
    with pytest.raises(InvalidInput) as refused:
        engine.case_document_add(
            case_id=claim.pk,
            actor=Actor.person(person_account.person),
            title="Letter",
            uploaded_file=upload("letter.pdf", b"<html>not a pdf</html>"),
        )
    assert refused.value.field == "file"
    document = engine.case_document_add(
        case_id=claim.pk, actor=Actor.person(person_account.person), title="Scan", uploaded_file=upload("s.png", PNG)
    )
    assert document.sha256 == sha(PNG)


# --- A document on its own -------------------------------------------------------------------------------


def test_a_person_adds_a_document_to_their_open_case_with_a_receipt(person_account):
    claim = marriage_claim(person_account.person)
    client = signed_in(person_account)
    assert "Send a document" in client.get(page_of(claim)).content.decode()
    missing = client.post(url("case_document", claim), {"title": ""})
    assert missing.status_code == 400 and "There is a problem" in missing.content.decode()
    sent = client.post(url("case_document", claim), {"title": "Marriage certificate", "file": upload("c.pdf", PDF)})
    assert sent.status_code == 302
    document = CaseDocument.objects.get(case=claim)
    assert (document.title, document.sha256) == ("Marriage certificate", sha(PDF))
    (receipt,) = receipts(claim, Receipt.Kind.DOCUMENT)
    assert receipt.submitted["What the document is"] == "Marriage certificate"
    assert receipt.submitted["Document 1"] == f"c.pdf · SHA-256 {sha(PDF)}"
    assert receipt_holds(receipt)
    assert events(claim, "document.added").get().payload["sha256"] == sha(PDF)
    assert "Document added" in client.get(page_of(claim)).content.decode()


def test_the_timeline_shows_the_persons_documents_not_the_offices(person_account, team):
    claim = marriage_claim(person_account.person)
    services.task_take(case_id=claim.pk, actor=team["operator"])
    engine.case_document_add(
        case_id=claim.pk, actor=team["operator"], title="Internal note", uploaded_file=upload("n.txt", b"x")
    )
    client = signed_in(person_account)
    assert "Document added" not in client.get(page_of(claim)).content.decode()
    client.post(url("case_document", claim), {"title": "Certificate", "file": upload("c.pdf", PDF)})
    assert client.get(page_of(claim)).content.decode().count("Document added") == 1


def test_no_document_on_a_withdrawn_case(person_account):
    claim = marriage_claim(person_account.person)
    client = signed_in(person_account)
    client.post(url("case_withdraw", claim), {"reason": "Not needed."})
    assert "Send a document" not in client.get(page_of(claim)).content.decode()
    refused = client.post(url("case_document", claim), {"title": "Late", "file": upload("c.pdf", PDF)}, follow=True)
    assert "No document can be added: this request is closed." in refused.content.decode()
    assert not CaseDocument.objects.filter(case=claim).exists()
    assert not receipts(claim, Receipt.Kind.DOCUMENT)
    # The engine refuses it too, whatever page sent it.
    with pytest.raises(CaseTransitionError):
        engine.case_document_add(
            case_id=claim.pk, actor=Actor.person(person_account.person), title="x", uploaded_file=upload("c.pdf", PDF)
        )


def test_a_document_sent_by_bytes_not_by_name(person_account):
    claim = marriage_claim(person_account.person)
    refused = signed_in(person_account).post(
        url("case_document", claim), {"title": "Certificate", "file": upload("c.pdf", b"GIF89a....")}
    )
    assert refused.status_code == 400 and "c.pdf is not a PDF document" in refused.content.decode()
    assert not CaseDocument.objects.filter(case=claim).exists()


# --- Appeals -----------------------------------------------------------------------------------------------


def test_a_rejected_claim_is_appealed_with_grounds(person_account, team):
    claim = rejected(person_account.person, team)
    client = signed_in(person_account)
    page = client.get(page_of(claim)).content.decode()
    assert "Appeal the decision" in page and "No marriage on record." in page
    empty = client.post(url("case_appeal", claim), {"grounds": " "})
    assert empty.status_code == 400 and "There is a problem" in empty.content.decode()
    assert BenefitClaim.objects.get(pk=claim.pk).state == "rejected"
    sent = client.post(url("case_appeal", claim), {"grounds": "We married on 1 November; see the registry."})
    assert sent.status_code == 302
    claim.refresh_from_db()
    assert claim.state == "in_review"
    event = events(claim, "benefit_claim.appeal").get()
    assert event.actor_identity == f"person:{person_account.person.pk}"
    assert event.payload["grounds"] == "We married on 1 November; see the registry."
    (receipt,) = receipts(claim, Receipt.Kind.APPEALED)
    assert receipt.submitted == {"Why you disagree with the decision": "We married on 1 November; see the registry."}
    # The appeal is no longer offered, and a second one is refused without a change.
    assert "Appeal the decision" not in client.get(page_of(claim)).content.decode()
    again = client.post(url("case_appeal", claim), {"grounds": "Again."})
    assert again.status_code == 302 and len(receipts(claim, Receipt.Kind.APPEALED)) == 1


def test_an_undecided_claim_offers_no_appeal(person_account):
    claim = marriage_claim(person_account.person)
    client = signed_in(person_account)
    assert "Appeal the decision" not in client.get(page_of(claim)).content.decode()
    client.post(url("case_appeal", claim), {"grounds": "Why not."})
    assert BenefitClaim.objects.get(pk=claim.pk).state == "submitted"
    assert not receipts(claim, Receipt.Kind.APPEALED)


@pytest.fixture
def doctors(org):
    return [staff(f"doc_n{i}", Role.MEDICAL_COMMISSION, org.north) for i in (1, 2, 3)]


def medical_decided(person, team, doctors):
    case = medical.medical_request(actor=Actor.person(person), person=person, purpose="disability_claim")
    services.task_take(case_id=case.pk, actor=team["operator"])
    medical.medical_schedule(
        case_id=case.pk, actor=team["operator"], scheduled_for=timezone.now(), location="Room 4", members=doctors
    )
    medical.medical_decide(
        case_id=case.pk, actor=doctors[0], degree_percent=40, permanent=True, review_date=None, note="Findings."
    )
    return MedicalCommission.objects.get(pk=case.pk)


def test_a_medical_decision_is_appealed_within_its_period_only(person_account, team, doctors, fixed_clock):
    case = medical_decided(person_account.person, team, doctors)
    client = signed_in(person_account)
    page = client.get(page_of(case)).content.decode()
    assert "Appeal the decision" in page and "40 %" in page
    assert medical.appeal_deadline(case).isoformat() in page
    # The day after the period, the page offers nothing and the engine's refusal stands.
    fixed_clock.move_to(
        timezone.localtime() + dt.timedelta(days=(medical.appeal_deadline(case) - timezone.localdate()).days + 1)
    )
    assert "Appeal the decision" not in client.get(page_of(case)).content.decode()
    client.post(url("case_appeal", case), {"grounds": "Too late?"})
    assert MedicalCommission.objects.get(pk=case.pk).state == "decided"
    assert not receipts(case, Receipt.Kind.APPEALED)


def test_a_medical_appeal_in_time_gets_its_receipt(person_account, team, doctors):
    case = medical_decided(person_account.person, team, doctors)
    sent = signed_in(person_account).post(url("case_appeal", case), {"grounds": "My condition is permanent."})
    assert sent.status_code == 302
    case.refresh_from_db()
    assert case.state == "appealed" and case.appeal_grounds == "My condition is permanent."
    assert len(receipts(case, Receipt.Kind.APPEALED)) == 1


# --- Reopening a grievance -----------------------------------------------------------------------------------


def resolved_grievance(person, team):
    grievance = triage(file_grievance(person), team["operator"])
    grievances.task_take(case_id=grievance.pk, actor=team["operator2"])
    grievances.grievance_resolve(case_id=grievance.pk, actor=team["operator2"], answer="The bank fixed it.")
    return Grievance.objects.get(pk=grievance.pk)


def test_a_resolved_grievance_is_reopened_with_a_reason(person_account, team):
    grievance = resolved_grievance(person_account.person, team)
    client = signed_in(person_account)
    page = client.get(page_of(grievance)).content.decode()
    assert "Contest the answer" in page and "The bank fixed it." in page
    empty = client.post(url("case_reopen", grievance), {"reason": ""})
    assert empty.status_code == 400 and "There is a problem" in empty.content.decode()
    sent = client.post(url("case_reopen", grievance), {"reason": "The payment is still missing."})
    assert sent.status_code == 302
    grievance.refresh_from_db()
    assert grievance.state == "investigating" and grievance.reopened_count == 1
    assert events(grievance, "grievance.reopen").get().actor_identity == f"person:{person_account.person.pk}"
    (receipt,) = receipts(grievance, Receipt.Kind.REOPENED)
    assert list(receipt.submitted.values()) == ["The payment is still missing."]


def test_no_reopening_after_the_period(person_account, team, fixed_clock):
    grievance = resolved_grievance(person_account.person, team)
    days = (grievance.reopen_until - timezone.localdate()).days + 1
    fixed_clock.move_to(timezone.localtime() + dt.timedelta(days=days))
    client = signed_in(person_account)
    assert "Contest the answer" not in client.get(page_of(grievance)).content.decode()
    client.post(url("case_reopen", grievance), {"reason": "Late."})
    assert Grievance.objects.get(pk=grievance.pk).state == "resolved"
    assert not receipts(grievance, Receipt.Kind.REOPENED)


# --- Delivery -----------------------------------------------------------------------------------------------


def test_a_request_is_delivered_once_when_the_page_shows_it(person_account, team):
    claim = asked(person_account.person, team)
    request_event = events(claim, "benefit_claim.request_info").get()
    client = signed_in(person_account)
    page = client.get(page_of(claim)).content.decode()
    assert "Delivered to you" in page
    delivered = events(claim, "benefit_claim.delivered").get()
    assert delivered.actor_identity == f"person:{person_account.person.pk}"
    assert delivered.payload["delivered"] == "info_request" and delivered.payload["event"] == request_event.seq
    (receipt,) = receipts(claim, Receipt.Kind.DELIVERED)
    assert receipt.concerns == f"event:{request_event.seq}" and receipt_holds(receipt)
    assert receipt.submitted["Question"] == "Send the marriage certificate."
    for _ in range(2):
        client.get(page_of(claim))
    assert events(claim, "benefit_claim.delivered").count() == 1
    assert len(receipts(claim, Receipt.Kind.DELIVERED)) == 1


def test_a_decision_is_delivered_once_and_the_staff_history_says_so(person_account, team):
    claim = approved(person_account.person, team)
    approve = events(claim, "benefit_claim.approve").get()
    client = signed_in(person_account)
    page = client.get(page_of(claim)).content.decode()
    assert "The decision" in page and "1200.00" in page
    client.get(page_of(claim))
    delivered = events(claim, "benefit_claim.delivered").get()
    assert delivered.payload["delivered"] == "decision" and delivered.payload["event"] == approve.seq
    assert len(receipts(claim, Receipt.Kind.DELIVERED)) == 1
    staff_client = Client()
    staff_client.force_login(team["operator"])
    staff_page = staff_client.get(reverse("case_detail", kwargs={"reference": claim.reference})).content.decode()
    assert "Delivered to the person in the portal" in staff_page and "the decision" in staff_page


def test_nothing_is_delivered_before_anything_is_sent(person_account):
    claim = marriage_claim(person_account.person)
    signed_in(person_account).get(page_of(claim))
    assert not events(claim, "benefit_claim.delivered").exists()
    assert not receipts(claim, Receipt.Kind.DELIVERED)


def test_a_delivery_is_recorded_once_even_when_two_pages_race(person_account, team):
    claim = asked(person_account.person, team)
    seq = events(claim, "benefit_claim.request_info").get().seq
    actor = Actor.person(person_account.person)
    first = engine.case_delivery_record(case_id=claim.pk, actor=actor, seq=seq, submitted={})
    assert first is not None
    assert engine.case_delivery_record(case_id=claim.pk, actor=actor, seq=seq, submitted={}) is None
    # Should two requests pass the check at once, the database keeps one receipt per event.
    with pytest.raises(IntegrityError), transaction.atomic():
        Receipt.objects.create(
            code="TEST-TEST-TEST",
            case=claim,
            person=claim.person,
            kind=Receipt.Kind.DELIVERED,
            submitted={},
            digest="0" * 64,
            actor_kind="person",
            issued_at=timezone.now(),
            concerns=first.concerns,
        )
    assert events(claim, "benefit_claim.delivered").count() == 1


def test_only_what_the_office_sent_is_delivered(person_account):
    claim = marriage_claim(person_account.person)
    submit = events(claim, "benefit_claim.submit").get()
    with pytest.raises(InvalidInput):
        engine.case_delivery_record(
            case_id=claim.pk, actor=Actor.person(person_account.person), seq=submit.seq, submitted={}
        )


# --- Another person's case, and the page's queries ---------------------------------------------------------------


def test_another_persons_case_answers_404_and_changes_nothing(person_account, other_account, team):
    theirs = rejected(other_account.person, team)
    client = signed_in(person_account)
    for name, data in (
        ("case_document", {"title": "x", "file": upload("c.pdf", PDF)}),
        ("case_appeal", {"grounds": "Not mine."}),
        ("case_reopen", {"reason": "Not mine."}),
        ("case_answer", {"answer": "Not mine."}),
    ):
        assert client.post(url(name, theirs), data).status_code == 404
        assert client.get(url(name, theirs)).status_code in (404, 405)
    assert client.get(page_of(theirs)).status_code == 404
    theirs.refresh_from_db()
    assert theirs.state == "rejected"
    assert not CaseDocument.objects.filter(case=theirs).exists()
    assert not Receipt.objects.filter(case=theirs).exists()
    assert not events(theirs, "benefit_claim.delivered").exists()


def test_the_new_actions_take_post_only(person_account):
    claim = marriage_claim(person_account.person)
    client = signed_in(person_account)
    for name in ("case_document", "case_appeal", "case_reopen", "case_answer"):
        assert client.get(url(name, claim)).status_code == 405


def test_the_case_page_reads_a_fixed_number_of_queries(person_account, team, django_assert_num_queries):
    claim = asked(person_account.person, team)
    client = signed_in(person_account)
    client.get(page_of(claim))  # the request is delivered on the first view
    # session, user, the person, the case (2), what was sent and delivered, receipts, history,
    # the header's count of unread notifications and the case's conversation
    with django_assert_num_queries(QUERIES):
        assert client.get(page_of(claim)).status_code == 200
    for _ in range(3):
        client.post(url("case_document", claim), {"title": "More", "file": upload("c.pdf", PDF)})
    with django_assert_num_queries(QUERIES):
        assert client.get(page_of(claim)).status_code == 200


QUERIES = 10


@pytest.mark.postgres
class ParallelOpeningsTests(AuditTransactionTestCase):
    """Several pages of the same case opened at once, each in its own connection (PostgreSQL, real
    threads): the request is delivered once."""

    def test_pages_opened_at_once_deliver_the_request_once(self):
        from tests.conftest import build_org, make_insured

        from .conftest import open_account

        org = build_org()
        operator = staff("op_na", Role.OPERATOR, org.north_a)
        account = open_account(make_insured(org.north_a))
        claim = asked(account.person, {"operator": operator})
        pages = 4
        barrier = threading.Barrier(pages)

        def open_page(_index):
            client = signed_in(account)
            barrier.wait(timeout=30)
            return client.get(page_of(claim)).status_code

        outcomes = run_concurrently(pages, open_page)
        assert [(o.error, o.value) for o in outcomes] == [(None, 200)] * pages
        assert events(claim, "benefit_claim.delivered").count() == 1
        assert len(receipts(claim, Receipt.Kind.DELIVERED)) == 1
