"""Official receipts: every submission online or at a counter gets one, with the SHA-256 digest
of what was submitted and a code anyone may check on the public page; the PDF says the same."""

import datetime as dt
import io

import pytest
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from cases.models import BenefitClaim, BenefitType, Receipt, ReceiptLookup
from cases.receipts import LOOKUPS_PER_WINDOW, content_of, digest_of

from .conftest import signed_in

pytestmark = pytest.mark.django_db


def file_online(account):
    client = signed_in(account)
    response = client.post(
        "/portal/file/benefit_claim/",
        {"benefit_type": BenefitType.MARRIAGE, "event_date": (timezone.localdate() - dt.timedelta(days=4)).isoformat()},
    )
    receipt = Receipt.objects.get(person=account.person)
    assert response.status_code == 302 and response["Location"] == f"/portal/receipts/{receipt.code}/"
    return client, receipt


def pdf_text(content):
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_filing_online_gives_a_receipt_with_the_digest_of_what_was_sent(person_account):
    client, receipt = file_online(person_account)
    claim = BenefitClaim.objects.get(person=person_account.person)
    assert receipt.case_id == claim.pk and receipt.kind == Receipt.Kind.FILED
    assert receipt.submitted["Benefit"] == "marriage"
    assert receipt.digest == digest_of(content_of(receipt)) and len(receipt.digest) == 64
    page = client.get(f"/portal/receipts/{receipt.code}/").content.decode()
    for shown in (claim.reference, receipt.digest, receipt.code, person_account.person.ssn):
        assert shown in page
    assert f"/portal/receipts/{receipt.code}/" in client.get(f"/portal/cases/{claim.reference}/").content.decode()


def test_the_receipt_pdf_carries_the_digest_the_code_and_the_names(person_account):
    client, receipt = file_online(person_account)
    response = client.get(f"/portal/receipts/{receipt.code}/pdf/")
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    person = person_account.person
    for shown in (receipt.code, receipt.case.reference, person.first_name, person.last_name, person.ssn):
        assert shown in text, shown
    assert receipt.digest in text.replace("\n", "").replace(" ", "")


def test_the_receipt_pdf_in_persian_reads_right_to_left(person_account):
    client, receipt = file_online(person_account)
    client.cookies["django_language"] = "fa"
    text = pdf_text(client.get(f"/portal/receipts/{receipt.code}/pdf/", HTTP_ACCEPT_LANGUAGE="fa").content)
    assert "رسید رسمی" in text and receipt.code in text


def test_answering_and_withdrawing_give_receipts_too(person_account):
    client, _filed = file_online(person_account)
    claim = BenefitClaim.objects.get(person=person_account.person)
    client.post(f"/portal/cases/{claim.reference}/withdraw/", {"reason": "Not needed."})
    kinds = list(Receipt.objects.filter(case=claim).order_by("issued_at", "pk").values_list("kind", flat=True))
    assert kinds == [Receipt.Kind.FILED, Receipt.Kind.WITHDRAWN]


def test_anyone_checks_a_code_and_sees_only_what_the_receipt_attests(person_account):
    _client, receipt = file_online(person_account)
    public = Client()
    page = public.get("/receipts/verify/", {"code": receipt.code.lower().replace("-", "")})
    body = page.content.decode()
    assert page.status_code == 200 and "This receipt was issued by the office" in body
    assert receipt.case.reference in body and receipt.digest in body
    assert person_account.person.last_name not in body and person_account.person.ssn not in body
    assert public.get("/receipts/verify/", {"code": "AAAA-BBBB-CCCC"}).status_code == 404
    # A receipt changed in the database no longer matches its digest.
    Receipt.objects.filter(pk=receipt.pk).update(submitted={**receipt.submitted, "Benefit": "old_age"})
    assert "does not match" in public.get("/receipts/verify/", {"code": receipt.code}).content.decode()


def test_the_public_check_is_rate_limited_by_address(person_account):
    _client, receipt = file_online(person_account)
    public = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(LOOKUPS_PER_WINDOW):
        assert public.get("/receipts/verify/", {"code": "AAAA-BBBB-CCCC"}).status_code == 404
    assert public.get("/receipts/verify/", {"code": receipt.code}).status_code == 429
    assert Client(REMOTE_ADDR="203.0.113.10").get("/receipts/verify/", {"code": receipt.code}).status_code == 200
    assert ReceiptLookup.objects.filter(address="203.0.113.9").count() == LOOKUPS_PER_WINDOW


def test_a_counter_filing_gives_the_receipt_to_print(team, insured):
    clerk = Client()
    clerk.force_login(team["operator"])
    response = clerk.post(
        f"/counter/{insured.ssn}/benefit_claim/",
        {"benefit_type": BenefitType.MARRIAGE, "event_date": (timezone.localdate() - dt.timedelta(days=4)).isoformat()},
    )
    receipt = Receipt.objects.get(person=insured)
    assert response["Location"] == f"/counter/receipts/{receipt.code}/"
    assert receipt.actor_id == team["operator"].pk and receipt.actor_kind == "staff"
    assert "A counter of the office" in clerk.get(response["Location"]).content.decode()
    pdf = clerk.get(f"/counter/receipts/{receipt.code}/pdf/")
    assert receipt.code in pdf_text(pdf.content)
    elsewhere = Client()
    elsewhere.force_login(team["other_operator"])
    assert elsewhere.get(f"/counter/receipts/{receipt.code}/").status_code == 404
