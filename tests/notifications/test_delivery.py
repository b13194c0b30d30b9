"""Sending one notification: run again at any point, it is delivered once (where the backend
takes the key); failures are recorded, retried, and end as failed."""

from unittest import mock

import pytest
from celery.exceptions import Retry
from django.core import mail
from django.db import transaction

from backoffice.celery import app as celery_app
from cases import notifications, services
from cases.models import Notification
from cases.notifications import MAX_ATTEMPTS, DeliveryError, deliver
from cases.sms import BaseSmsBackend, SmsError
from cases.tasks import RETRY_DELAYS, send_notification
from tests.integration.helpers import celery_conf

pytestmark = pytest.mark.django_db

Channel = Notification.Channel
Status = Notification.Status


class DownGateway(BaseSmsBackend):
    """A gateway that answers every request with an error."""

    idempotent = True
    calls = 0

    def send(self, message):
        DownGateway.calls += 1
        raise SmsError("gateway answered 503")


class Killed(BaseException):
    """The worker process dies here (not an Exception: nothing may catch it)."""


@pytest.fixture
def pending(reviewing, team, sms_outbox, django_capture_on_commit_callbacks):
    """The e-mail and SMS of an information request, recorded and committed, not yet sent."""
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.claim_request_info(case_id=reviewing.pk, actor=team["operator"], question="Send the certificate.")
    assert len(callbacks) == 2
    notes = {n.channel: n for n in Notification.objects.filter(case=reviewing)}
    return notes[Channel.EMAIL], notes[Channel.SMS]


def reload(note):
    return Notification.objects.get(pk=note.pk)


def test_run_twice_sends_once(pending, sms_outbox):
    email, text = pending
    for note in (email, text):
        assert deliver(note.pk) == Status.SENT
        sent_at = reload(note).sent_at
        assert deliver(note.pk) == Status.SENT  # a redelivered task
        note = reload(note)
        assert (note.status, note.attempts, note.sent_at) == (Status.SENT, 1, sent_at)
    assert len(mail.outbox) == 1
    assert len(sms_outbox.requests) == 1 and len(sms_outbox.outbox) == 1


def test_killed_before_the_backend_call_sends_once_when_run_again(pending, sms_outbox):
    email, text = pending
    for note in (email, text):
        with mock.patch.object(notifications, "_send", side_effect=Killed), pytest.raises(Killed):
            deliver(note.pk)
        note = reload(note)
        # The attempt was counted before the lock; the send itself left no trace.
        assert (note.status, note.attempts, note.sent_at) == (Status.PENDING, 1, None)
        assert deliver(note.pk) == Status.SENT
        assert (reload(note).status, reload(note).attempts) == (Status.SENT, 2)
    assert len(mail.outbox) == 1
    assert len(sms_outbox.requests) == 1 and len(sms_outbox.outbox) == 1


def test_killed_after_the_backend_accepted_sends_the_sms_once_and_may_repeat_the_email(pending, sms_outbox):
    """The window the module documentation names: the backend took the message, the commit of
    'sent' did not happen. The SMS backend gets the same key again and delivers once; Django's
    mail backends take no key: the e-mail goes twice, with the same Message-ID."""
    email, text = pending
    for note in (email, text):
        with mock.patch.object(Notification, "save", side_effect=Killed), pytest.raises(Killed):
            deliver(note.pk)
        assert (reload(note).status, reload(note).attempts) == (Status.PENDING, 1)
        assert deliver(note.pk) == Status.SENT
        assert (reload(note).status, reload(note).attempts) == (Status.SENT, 2)

    assert [m.key for m in sms_outbox.requests] == [text.key, text.key]
    assert [m.key for m in sms_outbox.outbox] == [text.key]
    assert reload(text).outcome == "LocmemSmsBackend: locmem #1 (already delivered)"
    assert len(mail.outbox) == 2
    assert {m.extra_headers["Message-ID"] for m in mail.outbox} == {f"<{email.key}@socius>"}


def test_a_failing_backend_is_recorded_then_retried_then_failed(pending, settings):
    _email, text = pending
    settings.SOCIUS_SMS_BACKEND = f"{__name__}.DownGateway"
    DownGateway.calls = 0
    with pytest.raises(DeliveryError, match="503"):
        deliver(text.pk)
    note = reload(text)
    assert (note.status, note.attempts, note.sent_at) == (Status.PENDING, 1, None)
    assert note.outcome == "attempt 1: SmsError: gateway answered 503"

    assert deliver(text.pk, final=True) == Status.FAILED
    note = reload(text)
    assert (note.status, note.attempts, note.outcome) == (Status.FAILED, 2, "attempt 2: SmsError: gateway answered 503")
    # A failed notification is not tried again by a late redelivery.
    assert deliver(text.pk) == Status.FAILED
    assert (reload(text).attempts, DownGateway.calls) == (2, 2)


def test_the_task_retries_with_its_delays_and_fails_after_the_last(pending, settings):
    _email, text = pending
    settings.SOCIUS_SMS_BACKEND = f"{__name__}.DownGateway"
    DownGateway.calls = 0
    countdowns = []
    real_retry = send_notification.retry

    def retry(*args, **kwargs):
        countdowns.append(kwargs["countdown"])
        return real_retry(*args, **kwargs)

    # In-process (eager) a retry runs at once; on a worker it waits its countdown. Eager
    # propagation would raise the first Retry instead of running it.
    with mock.patch.object(send_notification, "retry", side_effect=retry), celery_conf(task_eager_propagates=False):
        send_notification.apply(args=[text.pk])

    assert countdowns == list(RETRY_DELAYS)
    note = reload(text)
    assert (note.status, note.attempts) == (Status.FAILED, len(RETRY_DELAYS) + 1)
    assert DownGateway.calls == len(RETRY_DELAYS) + 1
    assert note.outcome.startswith(f"attempt {len(RETRY_DELAYS) + 1}: SmsError")


def test_every_retry_delay_is_within_the_visibility_timeout():
    visibility_timeout = celery_app.conf.broker_transport_options["visibility_timeout"]
    assert send_notification.max_retries == len(RETRY_DELAYS)
    assert send_notification.default_retry_delay == RETRY_DELAYS[0]
    assert max(RETRY_DELAYS) < visibility_timeout
    assert send_notification.acks_late and send_notification.reject_on_worker_lost


def test_a_message_that_keeps_killing_its_worker_is_given_up(pending, sms_outbox):
    email, _text = pending
    Notification.objects.filter(pk=email.pk).update(attempts=MAX_ATTEMPTS)
    assert deliver(email.pk) == Status.FAILED
    note = reload(email)
    assert (note.status, note.attempts, note.outcome) == (
        Status.FAILED,
        MAX_ATTEMPTS,
        f"given up after {MAX_ATTEMPTS} attempts",
    )
    assert mail.outbox == []


def test_portal_messages_and_skipped_channels_are_not_sent_by_the_task(pending, sms_outbox):
    email, _text = pending
    portal = Notification.objects.get(case=email.case, channel=Channel.PORTAL)
    assert deliver(portal.pk) == Status.SENT
    assert reload(portal).attempts == 0
    Notification.objects.filter(pk=email.pk).update(status=Status.SKIPPED)
    assert deliver(email.pk) == Status.SKIPPED
    assert reload(email).attempts == 0
    assert mail.outbox == [] and sms_outbox.outbox == []
    assert deliver(0) is None  # a notification rolled back before its task ran


def test_sending_inside_an_outer_transaction_keeps_the_attempt_with_it(pending):
    """What the worker runs is two transactions; inside a caller's transaction they become
    savepoints and share its fate."""
    email, _text = pending
    with pytest.raises(Killed), transaction.atomic():
        assert deliver(email.pk) == Status.SENT
        raise Killed
    assert (reload(email).status, reload(email).attempts) == (Status.PENDING, 0)
    assert len(mail.outbox) == 1  # the mail backend is outside any transaction


def test_retry_is_raised_for_a_worker_when_not_eager(pending, settings):
    """On a worker (not eager) a failed send asks Celery for a retry with the first delay."""
    _email, text = pending
    settings.SOCIUS_SMS_BACKEND = f"{__name__}.DownGateway"
    with mock.patch.object(send_notification, "retry", side_effect=Retry("later")) as retry:
        with pytest.raises(Retry):
            send_notification.run(text.pk)
    assert retry.call_args.kwargs["countdown"] == RETRY_DELAYS[0]
    assert isinstance(retry.call_args.kwargs["exc"], DeliveryError)
