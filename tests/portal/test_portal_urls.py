"""The portal's URLs, as the staff side's harness does for its own (tests/security): every portal
URL that takes a parameter is in the table, and another person's object answers exactly as a
missing one does (404, same page); every form of the portal's pages carries the CSRF token."""

import datetime as dt

import pytest
from django.urls import get_resolver, reverse
from django.utils import timezone

from audit.actors import Actor
from cases import services
from cases.models import BenefitType, Case
from tests.conftest import make_insured
from tests.security.test_csrf import post_forms_without_token
from tests.security.test_object_urls import _patterns

from .conftest import signed_in

pytestmark = pytest.mark.django_db


def claim_of(person):
    return services.claim_file(
        person=person,
        benefit_type=BenefitType.MARRIAGE,
        event_date=timezone.localdate() - dt.timedelta(days=10),
        actor=Actor.person(person),
    )


# url name: (another person's object, a missing one, the methods the page takes); each object a
# callable(other's claim) -> kwargs; None for a parameter that names no person's object (a case
# type), asked only as missing.
PORTAL_OBJECT_URLS = {
    "case": (lambda c: {"reference": c.reference}, lambda c: {"reference": "X-0000-000000"}, ("get",)),
    "case_answer": (lambda c: {"reference": c.reference}, lambda c: {"reference": "X-0000-000000"}, ("post",)),
    "case_withdraw": (lambda c: {"reference": c.reference}, lambda c: {"reference": "X-0000-000000"}, ("post",)),
    "case_revoke": (lambda c: {"reference": c.reference}, lambda c: {"reference": "X-0000-000000"}, ("post",)),
    "case_document": (lambda c: {"reference": c.reference}, lambda c: {"reference": "X-0000-000000"}, ("post",)),
    "case_appeal": (lambda c: {"reference": c.reference}, lambda c: {"reference": "X-0000-000000"}, ("post",)),
    "case_reopen": (lambda c: {"reference": c.reference}, lambda c: {"reference": "X-0000-000000"}, ("post",)),
    "file": (None, lambda c: {"case_type": "no_such_type"}, ("get", "post")),
    "receipt": (lambda c: {"code": receipt_of(c).code}, lambda c: {"code": "AAAA-BBBB-CCCC"}, ("get",)),
    "receipt_pdf": (lambda c: {"code": receipt_of(c).code}, lambda c: {"code": "AAAA-BBBB-CCCC"}, ("get",)),
    "message": (lambda c: {"pk": message_of(c).pk}, lambda c: {"pk": 987654}, ("get",)),
    "message_attachment": (
        lambda c: {"pk": message_of(c).pk, "attachment_id": message_of(c).attachments.get().pk},
        lambda c: {"pk": message_of(c).pk, "attachment_id": 987654},
        ("get",),
    ),
    "case_message_write": (
        lambda c: {"reference": c.reference},
        lambda c: {"reference": "X-0000-000000"},
        ("get", "post"),
    ),
    "notification": (lambda c: {"pk": notification_of(c).pk}, lambda c: {"pk": 987654}, ("get",)),
}


def message_of(claim):
    """The other person's message about their claim, with one attachment (a PDF)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from cases.messages import message_send
    from cases.models import CaseMessage

    found = CaseMessage.objects.filter(case=claim).first()
    return found or message_send(
        person=claim.person,
        actor=Actor.person(claim.person),
        subject="Mine",
        text="Only mine",
        case=claim,
        attachments=[SimpleUploadedFile("mine.pdf", b"%PDF-1.4 mine", content_type="application/pdf")],
    )


def notification_of(claim):
    from cases.models import Notification

    return Notification.objects.create(
        key=f"test:{claim.reference}:portal",
        person=claim.person,
        case=claim,
        channel=Notification.Channel.PORTAL,
        subject="Theirs",
        body="Only theirs",
        status=Notification.Status.SENT,
        created_at=timezone.now(),
    )


def receipt_of(claim):
    from cases.models import Receipt
    from cases.receipts import receipt_issue

    found = Receipt.objects.filter(case=claim).first()
    return found or receipt_issue(case=claim, kind=Receipt.Kind.FILED, submitted={}, actor=Actor.person(claim.person))


def portal_patterns():
    return [(p, route) for p, namespace, route in _patterns(get_resolver().url_patterns) if namespace == "portal"]


def test_every_portal_url_with_a_parameter_is_in_the_table():
    with_parameters = {p.name for p, _route in portal_patterns() if getattr(p.pattern, "converters", None)}
    assert with_parameters == set(PORTAL_OBJECT_URLS)


@pytest.mark.parametrize("name", sorted(PORTAL_OBJECT_URLS))
def test_another_persons_object_answers_as_a_missing_one(person_account, other_account, name):
    theirs = claim_of(other_account.person)
    client = signed_in(person_account)
    forbidden, missing, methods = PORTAL_OBJECT_URLS[name]
    before = Case.objects.count()
    answers = []
    for kwargs in filter(None, [forbidden and forbidden(theirs), missing(theirs)]):
        for method in methods:
            response = getattr(client, method)(reverse(f"portal:{name}", kwargs=kwargs))
            assert response.status_code == 404, (name, kwargs, method)
            answers.append(response.content)
    assert len(set(answers)) == 1
    assert Case.objects.count() == before
    if name == "notification":  # opening another person's notification does not mark it read
        from cases.models import Notification

        assert not Notification.objects.filter(read_at__isnull=False).exists()


def test_every_form_of_the_portal_carries_the_csrf_token(person_account):
    claim = claim_of(person_account.person)
    client = signed_in(person_account)
    urls = [reverse("portal:home"), reverse("portal:file_index"), reverse("portal:case", args=[claim.reference])]
    urls += [reverse("portal:message_write"), reverse("portal:case_message_write", args=[claim.reference])]
    urls += [reverse("portal:acting")]
    urls += [reverse("portal:file", args=[case_type]) for case_type in ("benefit_claim", "grievance")]
    for url in urls:
        count, missing = post_forms_without_token(client.get(url).content.decode())
        assert count >= 1 and missing == [], url


def test_every_form_of_the_pages_before_sign_in_carries_the_csrf_token():
    from django.test import Client

    anonymous = Client()
    for name in ("login", "register", "register_code"):
        count, missing = post_forms_without_token(anonymous.get(reverse(f"portal:{name}")).content.decode())
        assert count >= 1 and missing == [], name


# --- A representative outside their mandate ---------------------------------------------------------


@pytest.mark.parametrize("name", sorted(PORTAL_OBJECT_URLS))
def test_a_representative_outside_their_mandate_gets_404_on_every_url(org, team, other_account, name):
    """An attorney acting for a grantor under a power for grievances only: the grantor's claim
    (outside the scope) and another person's claim answer as a missing object does."""
    from cases.models import CaseType

    from .acting_support import acting_client, power_in_force, representative_account
    from .conftest import open_account

    attorney = representative_account(org.north_b)
    grantor = open_account(make_insured(org.north_a)).person
    power = power_in_force(grantor, attorney.person, team, scope=(CaseType.GRIEVANCE,))
    outside, theirs = claim_of(grantor), claim_of(other_account.person)
    client = acting_client(attorney, f"attorney:{power.reference}")
    forbidden, missing, methods = PORTAL_OBJECT_URLS[name]
    before = Case.objects.count()
    answers = []
    cases = [outside, theirs, power]  # the power itself is outside every scope
    kwargs_list = [forbidden(c) for c in cases] if forbidden else [{"case_type": CaseType.BENEFIT_CLAIM}]
    for kwargs in [*kwargs_list, missing(theirs)]:
        for method in methods:
            response = getattr(client, method)(reverse(f"portal:{name}", kwargs=kwargs))
            assert response.status_code == 404, (name, kwargs, method)
            answers.append(response.content)
    assert len(set(answers)) == 1
    assert Case.objects.count() == before
