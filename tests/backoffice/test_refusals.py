"""Every case type's decisions refused by their service show the service's reason: on the form
field it names, or as a message at the top of the case page; the case is unchanged."""

import html
import re

import pytest
from django.urls import reverse

from audit.actors import Actor
from cases import medical, payees, services, waivers
from cases.models import Case, MedicalPurpose
from tests.conftest import make_insured

from .conftest import JAN_2024, employer_in_arrears, file_claims, file_grievance, file_refund, overpaid

pytestmark = pytest.mark.django_db


def act(case, action):
    return reverse("case_action", kwargs={"reference": case.reference, "action": action})


def take(client, case):
    assert client.post(reverse("case_take", kwargs={"reference": case.reference})).status_code == 302


def field_error(body, field):
    """The text of the errors shown on ``field`` (Django marks them with the field's error id)."""
    match = re.search(rf'<ul class="errorlist" id="id_{field}_error">(.*?)</ul>', body, re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", match.group(1))).strip() if match else ""


def messages_shown(body):
    return html.unescape(" ".join(re.findall(r'class="message error"[^>]*>(.*?)<', body, re.S)))


def claim(org):
    return file_claims(make_insured(org.north_a), 1)[0]


def refund(org):
    return file_refund(overpaid(org.north_a))


def waiver(org):
    return waivers.waiver_file(
        actor=Actor.employer(subject := employer_in_arrears(org.north_a)),
        employer=subject,
        period_from=JAN_2024,
        period_to=JAN_2024,
        grounds="Flood.",
    )


def grievance(org):
    return file_grievance(make_insured(org.north_a))


def commission(org):
    return medical.medical_request(
        actor=Actor.person(subject := make_insured(org.north_a)),
        person=subject,
        purpose=MedicalPurpose.DISABILITY_CLAIM,
    )


def payee(org):
    beneficiary, representative = make_insured(org.north_a), make_insured(org.north_a)
    return payees.payee_request(
        actor=Actor.person(beneficiary),
        beneficiary=beneficiary,
        representative=representative,
        representative_account=representative.bank_accounts.get(),
        relationship="son",
        grounds="Dementia.",
    )


# (case type, make the case, take its task first, action, posted data, field or None, message)
REFUSALS = [
    (
        "benefit_claim",
        claim,
        True,
        "recommend",
        {"recommend-decision": "reject", "recommend-note": ""},
        "recommend-note",
        "Give the reason for rejection.",
    ),
    (
        "contribution_refund",
        refund,
        True,
        "recommend",
        {"recommend-decision": "approve", "recommend-amount": "900.00"},
        "recommend-amount",
        None,
    ),
    (
        "arrears_waiver",
        waiver,
        True,
        "recommend",
        {"recommend-decision": "approve", "recommend-amount": "5.00", "recommend-note": ""},
        "recommend-note",
        "Explain why the amount differs from the amount requested.",
    ),
    (
        "grievance",
        grievance,
        False,
        "triage",
        {"triage-category": "other", "triage-priority": "low"},
        None,
        "Take the task before working on it.",
    ),
    (
        "medical_commission",
        commission,
        False,
        "request-info",
        {"info-question": "The specialist's report."},
        None,
        "Take the task before working on it.",
    ),
    (
        "representative_payee",
        payee,
        False,
        "verify",
        {"verify-identity_ok": "yes", "verify-documents_ok": "yes", "verify-note": ""},
        None,
        "Take the task before working on it.",
    ),
]


@pytest.mark.parametrize(("case_type", "make", "taken", "action", "data", "field", "message"), REFUSALS)
def test_a_refusal_of_each_case_type_is_shown_readably(
    client, team, org, case_type, make, taken, action, data, field, message
):
    case = make(org)
    assert case.case_type == case_type
    client.force_login(team["operator"])
    if taken:
        take(client, case)
    before = Case.objects.get(pk=case.pk)

    response = client.post(act(case, action), data)

    body = response.content.decode()
    assert response.status_code in (400, 403, 409, 422)
    shown = field_error(body, field) if field else messages_shown(body)
    assert shown, body
    if message:
        assert message in shown
    assert "Traceback" not in body and "DomainError" not in body
    after = Case.objects.get(pk=case.pk)
    assert (after.state, after.audit_seq) == (before.state, before.audit_seq)
    # The page is the case page again, with its forms, not an error page.
    assert f"{case.reference}</h1>" in body


def test_a_refusal_without_a_form_field_is_a_message_on_the_redirected_page(client, team, org):
    """Taking a task someone else holds: the queue's Take button answers with the reason."""
    case = claim(org)
    services.task_take(case_id=case.pk, actor=team["operator2"])
    client.force_login(team["operator"])
    response = client.post(
        reverse("case_take", kwargs={"reference": case.reference}), {"next": reverse("queue")}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("queue")
    assert "This task has already been taken." in messages_shown(response.content.decode())
