"""Notifications whose publication was lost are published again by the hourly sweep, and still sent once."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from cases import services, tasks
from cases.models import Notification
from cases.notifications import STALE_AFTER, stale_pending

pytestmark = pytest.mark.django_db

Channel = Notification.Channel
Status = Notification.Status


def test_lost_publications_are_sent_once_by_the_sweep(reviewing, team, sms_outbox, django_capture_on_commit_callbacks):
    # The change commits but its callbacks never run: as if the process died before publishing.
    with django_capture_on_commit_callbacks(execute=False):
        services.claim_request_info(case_id=reviewing.pk, actor=team["operator"], question="Send the certificate.")
    pending = Notification.objects.filter(case=reviewing, status=Status.PENDING)
    assert set(pending.values_list("channel", flat=True)) == {Channel.EMAIL, Channel.SMS}

    assert stale_pending() == []  # fresh: a retry may still be waiting for its turn
    later = timezone.now() + STALE_AFTER + dt.timedelta(minutes=1)
    assert set(stale_pending(now=later)) == set(pending.values_list("pk", flat=True))

    Notification.objects.filter(case=reviewing).update(
        created_at=timezone.now() - STALE_AFTER - dt.timedelta(minutes=1)
    )
    assert tasks.resend_stale_notifications() == 2
    assert not Notification.objects.filter(case=reviewing, status=Status.PENDING).exists()
    assert len(mail.outbox) == 1 and len(sms_outbox.outbox) == 1

    # A second sweep finds nothing and sends nothing more.
    assert tasks.resend_stale_notifications() == 0
    assert len(mail.outbox) == 1 and len(sms_outbox.outbox) == 1
