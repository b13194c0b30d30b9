"""notify_person: one notification per channel, recorded in the service's transaction and
handed to Celery only after it commits."""

import pytest
from django.core import mail
from django.db import IntegrityError, transaction

from cases import engine, services
from cases.errors import InvalidInput
from cases.models import BenefitClaim, Notification
from cases.notifications import NO_EMAIL, NO_GATEWAY, NO_PHONE, SMS_MAX_CHARS, STORED, notify_person
from tests.conftest import make_insured
from tests.support import person_actor

from .conftest import PHONE, reviewing_claim

pytestmark = pytest.mark.django_db

Channel = Notification.Channel
Status = Notification.Status
QUESTION = "Send the marriage certificate."


class Boom(Exception):
    pass


def by_channel(case):
    return {n.channel: n for n in Notification.objects.filter(case=case)}


def request_info(claim, team, question=QUESTION):
    return services.claim_request_info(case_id=claim.pk, actor=team["operator"], question=question)


def test_a_status_change_records_a_portal_message_an_email_and_an_sms(
    reviewing, team, sms_outbox, django_capture_on_commit_callbacks
):
    # The test's transaction never commits: the callbacks are captured, not run.
    with django_capture_on_commit_callbacks() as callbacks:
        claim = request_info(reviewing, team)

    notes = by_channel(claim)
    assert set(notes) == {Channel.PORTAL, Channel.EMAIL, Channel.SMS}
    seq = BenefitClaim.objects.get(pk=claim.pk).audit_seq  # the request_info event is the last one
    for channel, note in notes.items():
        assert note.key == f"{claim.reference}:info_requested:{seq}:{channel}"
        assert note.person_id == reviewing.person_id
        assert claim.reference in note.subject
        assert note.created_at is not None

    portal, email, text = notes[Channel.PORTAL], notes[Channel.EMAIL], notes[Channel.SMS]
    # The account message is delivered by being stored; nobody opened it yet.
    assert (portal.status, portal.outcome, portal.attempts, portal.read_at) == (Status.SENT, STORED, 0, None)
    assert portal.sent_at == portal.created_at
    assert portal.body == QUESTION
    assert (email.status, email.recipient, email.body, email.attempts) == (
        Status.PENDING,
        reviewing.person.email,
        QUESTION,
        0,
    )
    assert (text.status, text.recipient, text.attempts, text.sent_at) == (Status.PENDING, PHONE, 0, None)
    assert text.body == f"{text.subject}\n{QUESTION}"
    # Two sends wait for the commit; nothing left yet.
    assert len(callbacks) == 2
    assert mail.outbox == []
    assert sms_outbox.outbox == []


def test_after_commit_the_email_and_the_sms_are_sent_once(
    reviewing, team, sms_outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        claim = request_info(reviewing, team)

    assert len(callbacks) == 2
    notes = by_channel(claim)
    email, text = notes[Channel.EMAIL], notes[Channel.SMS]
    for note in (email, text):
        assert (note.status, note.attempts) == (Status.SENT, 1)
        assert note.sent_at is not None and note.sent_at >= note.created_at
    (message,) = mail.outbox
    assert message.to == [reviewing.person.email]
    assert message.subject == email.subject
    assert message.body == QUESTION
    assert message.extra_headers["Message-ID"] == f"<{email.key}@socius>"
    assert email.outcome == "accepted by the mail backend"
    (sent,) = sms_outbox.outbox
    assert (sent.key, sent.to, sent.body) == (text.key, PHONE, text.body)
    assert text.outcome == "LocmemSmsBackend: locmem #1"


def test_keys_are_unique_per_change_and_channel(reviewing, team, sms_outbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        request_info(reviewing, team)
        services.claim_receive_info(actor=person_actor(reviewing.pk), case_id=reviewing.pk, answer="Attached.")
        request_info(reviewing, team, question="And the birth certificate.")

    keys = list(Notification.objects.filter(case=reviewing).values_list("key", flat=True))
    assert len(keys) >= 6
    assert len(set(keys)) == len(keys)
    # The same topic on two changes: told of twice, once per channel each time.
    asked = [k for k in keys if ":info_requested:" in k]
    assert len(asked) == 6
    assert len({k.split(":")[2] for k in asked}) == 2
    assert len(sms_outbox.outbox) == len([k for k in keys if k.endswith(":sms")])

    # The database refuses a second notification with the same key.
    claim = BenefitClaim.objects.get(pk=reviewing.pk)
    step = engine.step_for(claim, None)
    notify_person(claim, "reminder", step, subject="Reminder", body="Still waiting.")
    with pytest.raises(IntegrityError), transaction.atomic():
        notify_person(claim, "reminder", step, subject="Reminder", body="Still waiting.")


def test_a_rolled_back_change_records_and_sends_nothing(
    reviewing, team, sms_outbox, django_capture_on_commit_callbacks
):
    before = Notification.objects.count()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(Boom), transaction.atomic():
            request_info(reviewing, team)
            assert Notification.objects.filter(case=reviewing).count() == 3
            raise Boom
        with pytest.raises(InvalidInput):
            request_info(reviewing, team, question="  ")

    assert Notification.objects.count() == before
    assert callbacks == []
    assert mail.outbox == []
    assert sms_outbox.outbox == []
    # The same change, committed, is told once.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        request_info(reviewing, team)
    assert Notification.objects.count() == before + 3
    assert (len(callbacks), len(mail.outbox), len(sms_outbox.outbox)) == (2, 1, 1)


def test_channels_that_cannot_be_used_are_recorded_as_skipped(
    org, team, sms_outbox, django_capture_on_commit_callbacks
):
    person = make_insured(org.north_a, email="", phone="")
    claim = reviewing_claim(person, team["operator"])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        request_info(claim, team)

    notes = by_channel(claim)
    assert notes[Channel.PORTAL].status == Status.SENT
    assert (notes[Channel.EMAIL].status, notes[Channel.EMAIL].outcome) == (Status.SKIPPED, NO_EMAIL)
    assert (notes[Channel.SMS].status, notes[Channel.SMS].outcome) == (Status.SKIPPED, NO_PHONE)
    assert all(n.sent_at is None and n.attempts == 0 for n in (notes[Channel.EMAIL], notes[Channel.SMS]))
    assert callbacks == []
    assert mail.outbox == [] and sms_outbox.outbox == []


def test_without_an_sms_gateway_the_sms_is_skipped(reviewing, team, settings, django_capture_on_commit_callbacks):
    settings.SOCIUS_SMS_BACKEND = ""
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        request_info(reviewing, team)

    notes = by_channel(reviewing)
    assert (notes[Channel.SMS].status, notes[Channel.SMS].outcome) == (Status.SKIPPED, NO_GATEWAY)
    assert notes[Channel.SMS].recipient == PHONE
    assert notes[Channel.EMAIL].status == Status.SENT
    assert len(callbacks) == 1 and len(mail.outbox) == 1


def test_a_long_text_is_cut_for_the_sms_only(reviewing, team, sms_outbox, django_capture_on_commit_callbacks):
    question = "Send every page of the certificate. " * 20
    with django_capture_on_commit_callbacks(execute=True):
        request_info(reviewing, team, question=question)

    notes = by_channel(reviewing)
    assert notes[Channel.EMAIL].body == question.strip()
    assert notes[Channel.PORTAL].body == question.strip()
    text = notes[Channel.SMS].body
    assert len(text) == SMS_MAX_CHARS and text.endswith("…")
    assert sms_outbox.outbox[0].body == text
