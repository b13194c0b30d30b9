"""Registration: number and date of birth, a code sent to a contact already on file, a password;
the form tells nobody who is in the registry, and a code allows a few attempts only."""

import re

import pytest
from django.core import mail
from django.test import Client

from audit.models import AuditEvent
from backoffice.security import PORTAL_SIDE, SESSION_SIDE
from cases.models import Notification
from portal.models import OneTimeCode, PortalAccount
from portal.services import CODE_ATTEMPTS
from tests.conftest import make_insured

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db


def start(client, person, birth_date=None):
    return client.post(
        "/portal/register/", {"ssn": person.ssn, "birth_date": (birth_date or person.birth_date).isoformat()}
    )


def sent_code(person):
    """The code in the e-mail sent to the address on file (the only place it is written)."""
    (notification,) = Notification.objects.filter(person=person, channel=Notification.Channel.EMAIL)
    assert notification.recipient == person.email
    return re.search(r"\b(\d{6})\b", notification.body)[1]


def test_a_person_registers_with_a_code_sent_to_the_contact_on_file(org, django_capture_on_commit_callbacks):
    person = make_insured(org.north_a, email="on.file@example.org")
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        answer = start(client, person)
    assert answer.status_code == 302 and answer["Location"] == "/portal/register/code/"
    code = sent_code(person)
    assert [m.to for m in mail.outbox] == [["on.file@example.org"]]
    assert OneTimeCode.objects.get(person=person).code_hash != code  # only its keyed hash is kept
    opened = client.post("/portal/register/code/", {"code": code, "password": PASSWORD, "password_again": PASSWORD})
    assert opened.status_code == 302 and opened["Location"] == "/portal/login/enrol/"
    account = PortalAccount.objects.get(person=person)
    assert account.user.get_username() == person.ssn and client.session[SESSION_SIDE] == PORTAL_SIDE
    assert client.get("/portal/").status_code == 302  # the authenticator first
    assert AuditEvent.objects.filter(action="portal_account.code_sent").count() == 1
    assert AuditEvent.objects.filter(action="portal_account.opened", actor_kind="person").count() == 1
    # The code served once.
    again = Client()
    start(again, person)
    assert not PortalAccount.objects.filter(person=person).exclude(pk=account.pk).exists()


def test_the_first_step_tells_nobody_who_is_in_the_registry(org):
    person = make_insured(org.north_a, email="on.file@example.org")
    matching = start(Client(), person)
    wrong_birth = start(Client(), person, birth_date=person.birth_date.replace(year=person.birth_date.year - 1))
    unknown = Client().post("/portal/register/", {"ssn": "0000000000", "birth_date": "1980-01-01"})
    assert matching.status_code == wrong_birth.status_code == unknown.status_code == 302
    assert matching["Location"] == wrong_birth["Location"] == unknown["Location"]
    assert Notification.objects.filter(person=person).count() == 1  # only the matching one sent a code


def test_a_wrong_code_counts_and_the_code_dies_after_a_few(org):
    person = make_insured(org.north_a, email="on.file@example.org")
    client = Client()
    start(client, person)
    code = sent_code(person)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(CODE_ATTEMPTS):
        refused = client.post(
            "/portal/register/code/", {"code": wrong, "password": PASSWORD, "password_again": PASSWORD}
        )
        assert refused.status_code == 400
    late = client.post("/portal/register/code/", {"code": code, "password": PASSWORD, "password_again": PASSWORD})
    assert late.status_code == 400 and "expired" in late.content.decode()
    assert not PortalAccount.objects.filter(person=person).exists()


def test_a_weak_password_is_refused_before_the_code_is_spent(org):
    person = make_insured(org.north_a, email="on.file@example.org")
    client = Client()
    start(client, person)
    refused = client.post(
        "/portal/register/code/", {"code": sent_code(person), "password": "abc", "password_again": "abc"}
    )
    assert refused.status_code == 400
    assert OneTimeCode.objects.get(person=person).attempts == 0


def test_a_person_with_an_account_or_without_a_contact_gets_no_code(org, person_account):
    start(Client(), person_account.person)
    nobody = make_insured(org.north_a, email="", phone="")
    start(Client(), nobody)
    assert not OneTimeCode.objects.exists()
