"""Signed-in sessions end when idle and after an absolute lifetime; activity is written at most once a minute."""

import time

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from backoffice import security
from roles import two_factor
from roles.models import Role
from tests.conftest import staff

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def limits(settings):
    settings.SOCIUS_SESSION_IDLE_MINUTES = 30
    settings.SOCIUS_SESSION_MAX_HOURS = 10


def shift(client, *, started=0, seen=0):
    """Move the session's marks ``started`` / ``seen`` seconds into the past."""
    session = client.session
    session[security.SESSION_STARTED] -= started
    session[security.SESSION_SEEN] -= seen
    session.save()


def test_a_login_records_when_it_started(client, team):
    before = time.time()
    client.force_login(team["operator"])
    session = client.session
    assert before <= session[security.SESSION_STARTED] <= time.time()
    assert session[security.SESSION_SEEN] == session[security.SESSION_STARTED]


def test_an_idle_session_ends_with_a_message_on_the_login_page(client, team):
    client.force_login(team["operator"])
    shift(client, started=31 * 60, seen=31 * 60)
    response = client.get(reverse("queue"))
    assert response.status_code == 302 and response["Location"] == reverse("login") + "?next=/queue/"
    assert "Your session has expired" in client.get(response["Location"]).content.decode()
    assert client.get(reverse("queue")).status_code == 302  # signed out, not only redirected


def test_a_session_used_within_the_idle_limit_goes_on(client, team):
    client.force_login(team["operator"])
    shift(client, started=29 * 60, seen=29 * 60)
    assert client.get(reverse("inbox")).status_code == 200
    assert time.time() - client.session[security.SESSION_SEEN] < 5  # activity recorded


def test_an_active_session_ends_after_its_absolute_lifetime(client, team):
    client.force_login(team["operator"])
    shift(client, started=10 * 3600 + 1, seen=60)
    response = client.get(reverse("inbox"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_activity_is_written_at_most_once_a_minute(client, team):
    client.force_login(team["operator"])
    shift(client, seen=30)
    seen = client.session[security.SESSION_SEEN]
    client.get(reverse("inbox"))
    assert client.session[security.SESSION_SEEN] == seen
    shift(client, seen=40)  # 70 s since the last mark
    client.get(reverse("inbox"))
    assert time.time() - client.session[security.SESSION_SEEN] < 5


def test_the_api_answers_403_once_the_session_expired(client, team):
    client.force_login(team["operator"])
    shift(client, started=31 * 60, seen=31 * 60)
    response = client.get(reverse("api-claim", args=["C-NOPE"]))
    assert response.status_code == 403


def test_the_idle_limit_comes_from_the_settings(client, team, settings):
    settings.SOCIUS_SESSION_IDLE_MINUTES = 5
    client.force_login(team["operator"])
    shift(client, started=6 * 60, seen=6 * 60)
    assert client.get(reverse("inbox")).status_code == 302


def test_a_reset_of_the_second_factor_ends_the_sessions_it_verified(client, org, team):
    client.force_login(team["operator"])
    assert client.get(reverse("inbox")).status_code == 200
    two_factor.second_factor_reset(actor=staff("admin_n", Role.ADMINISTRATOR, org.north), user=team["operator"])
    assert not TOTPDevice.objects.filter(user=team["operator"]).exists()
    shift(client, seen=61)  # the check runs when the last-seen time is written, once a minute
    response = client.get(reverse("inbox"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert "Your second factor was reset" in client.get(response["Location"]).content.decode()
    assert client.get(reverse("inbox")).status_code == 302
