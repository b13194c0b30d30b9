"""Messages in the person's account: newest first a page at a time, read when first opened."""

import datetime as dt

import pytest
from django.utils import timezone

from cases import engine
from cases.models import BenefitClaim, Notification
from cases.notifications import MessageNotFound, notify_person, portal_message_open, portal_messages
from tests.conftest import make_insured

from .conftest import reviewing_claim

pytestmark = pytest.mark.django_db


def told(claim, count):
    """``count`` messages about ``claim``, one per audit event, two by two at the same minute
    (the keyset's second column breaks the ties)."""
    claim = BenefitClaim.objects.get(pk=claim.pk)
    start = timezone.now() - dt.timedelta(days=1)
    for index in range(count):
        step = engine.step_for(claim, None)
        step.audit("case.reminder")
        step.save()
        notify_person(claim, "reminder", step, subject=f"Reminder {index}", body="Still waiting.")
    messages = Notification.objects.filter(case=claim, channel=Notification.Channel.PORTAL)
    for index, message in enumerate(messages.order_by("id")):
        Notification.objects.filter(pk=message.pk).update(created_at=start + dt.timedelta(minutes=index // 2))
    return list(messages.order_by("-created_at", "-pk"))


def test_opening_a_message_sets_read_at_once(reviewing):
    (message,) = told(reviewing, 1)
    assert message.read_at is None
    opened = portal_message_open(notification_id=message.pk, person=reviewing.person)
    assert opened.read_at is not None
    first_read = Notification.objects.get(pk=message.pk).read_at
    assert first_read == opened.read_at
    again = portal_message_open(notification_id=message.pk, person=reviewing.person)
    assert again.read_at == first_read
    assert Notification.objects.get(pk=message.pk).read_at == first_read


def test_only_the_persons_own_account_messages_open(reviewing, org):
    (message,) = told(reviewing, 1)
    stranger = make_insured(org.north_a)
    with pytest.raises(MessageNotFound) as refused:
        portal_message_open(notification_id=message.pk, person=stranger)
    assert refused.value.status == 404
    email = Notification.objects.get(case=reviewing, channel=Notification.Channel.EMAIL)
    with pytest.raises(MessageNotFound):
        portal_message_open(notification_id=email.pk, person=reviewing.person)
    assert Notification.objects.get(pk=message.pk).read_at is None


@pytest.mark.parametrize("count", [3, 12])
def test_account_messages_page_by_keyset_in_one_query(reviewing, team, org, count, django_assert_num_queries):
    expected = told(reviewing, count)
    other = reviewing_claim(make_insured(org.north_a), team["operator"])
    told(other, 2)  # someone else's messages never show

    pages, before = [], None
    while True:
        with django_assert_num_queries(1):
            page = portal_messages(reviewing.person, before=before, limit=5)
        if not page:
            break
        pages.append(page)
        before = (page[-1].created_at, page[-1].pk)
    shown = [m for page in pages for m in page]
    assert [m.pk for m in shown] == [m.pk for m in expected]
    assert all(m.channel == Notification.Channel.PORTAL for m in shown)
    assert [len(p) for p in pages] == [min(5, count - i) for i in range(0, count, 5)]
