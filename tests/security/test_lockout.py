"""Lockout after repeated failures, per user name and per client address, for both login steps."""

import datetime as dt

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from backoffice import security
from backoffice.models import LoginFailure
from tests.security import totp

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"
GENERIC = "did not match, or there were too many attempts"


@pytest.fixture(autouse=True)
def limits(settings):
    settings.SOCIUS_LOGIN_FAILURES_PER_USERNAME = 5
    settings.SOCIUS_LOGIN_FAILURES_PER_ADDRESS = 20
    settings.SOCIUS_LOGIN_FAILURE_WINDOW_MINUTES = 15
    settings.SOCIUS_TRUSTED_PROXY_COUNT = 0
    return settings


def attempt(client, username, password, address="10.0.0.1"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def signed_in(response):
    return response.status_code == 302 and response["Location"] == reverse("account_verify")


def refused(response):
    return response.status_code == 200 and GENERIC in response.content.decode()


def test_five_wrong_passwords_lock_the_user_name_with_the_same_message(client, team):
    wrong = attempt(client, "op_na", "wrong")
    assert refused(wrong)
    for _ in range(4):
        attempt(client, "op_na", "wrong")
    locked = attempt(client, "op_na", PASSWORD)
    assert refused(locked)
    assert wrong.content.decode().count(GENERIC) == locked.content.decode().count(GENERIC) == 1
    # Another address does not help; the case of the name does not either.
    assert refused(attempt(Client(), "op_na", PASSWORD, address="10.0.0.2"))
    assert refused(attempt(Client(), "OP_NA", PASSWORD, address="10.0.0.3"))
    # Another user at the same address is not locked.
    assert signed_in(attempt(Client(), "op2_na", PASSWORD))
    rows = LoginFailure.objects.filter(username="op_na")
    assert rows.filter(refused=False).count() == 5
    assert rows.filter(locked_out=True).count() == 1
    assert rows.filter(refused=True).count() == 3


def test_four_failures_do_not_lock_and_a_complete_login_clears_the_count(client, team):
    device = totp.confirmed_device(team["operator"])
    for _ in range(4):
        attempt(client, "op_na", "wrong")
    assert signed_in(attempt(client, "op_na", PASSWORD))
    assert client.post(reverse("account_verify"), {"code": totp.code(device.bin_key.hex())}).status_code == 302
    client.post(reverse("logout"))
    assert LoginFailure.objects.filter(username="op_na", cleared=True).count() == 4
    for _ in range(4):
        attempt(client, "op_na", "wrong")
    assert signed_in(attempt(client, "op_na", PASSWORD))


def test_the_password_alone_does_not_clear_the_count(client, team):
    for _ in range(4):
        attempt(client, "op_na", "wrong")
    assert signed_in(attempt(client, "op_na", PASSWORD))
    client.post(reverse("logout"))
    attempt(client, "op_na", "wrong")
    assert refused(attempt(client, "op_na", PASSWORD))


def test_failures_leave_the_window(client, team):
    for _ in range(5):
        attempt(client, "op_na", "wrong")
    assert refused(attempt(client, "op_na", PASSWORD))
    LoginFailure.objects.update(at=timezone.now() - dt.timedelta(minutes=16))
    assert signed_in(attempt(client, "op_na", PASSWORD))


def test_twenty_failures_from_one_address_lock_the_address(client, team):
    for i in range(20):
        attempt(client, f"nobody{i}", "wrong", address="10.9.9.9")
    assert refused(attempt(Client(), "op_na", PASSWORD, address="10.9.9.9"))
    assert signed_in(attempt(Client(), "op_na", PASSWORD, address="10.9.9.8"))
    assert LoginFailure.objects.filter(address="10.9.9.9", locked_out=True).count() == 1


def test_wrong_codes_count_too_and_end_the_half_signed_in_session(client, team):
    device = totp.confirmed_device(team["operator"])
    wrong = f"{(int(totp.code(device.bin_key.hex())) + 500000) % 1000000:06d}"
    for _ in range(2):
        attempt(client, "op_na", "wrong")
    assert signed_in(attempt(client, "op_na", PASSWORD))
    for _ in range(2):
        assert client.post(reverse("account_verify"), {"code": wrong}, REMOTE_ADDR="10.0.0.1").status_code == 200
    locked = client.post(reverse("account_verify"), {"code": wrong}, REMOTE_ADDR="10.0.0.1")
    assert locked.status_code == 302 and locked["Location"] == reverse("login")
    assert GENERIC in client.get(reverse("login")).content.decode()  # the message, on the login page
    assert client.get(reverse("inbox")).status_code == 302  # signed out
    assert LoginFailure.objects.filter(username="op_na", stage="code").count() == 3
    assert refused(attempt(client, "op_na", PASSWORD))


def test_a_right_code_is_refused_while_locked_out(client, team):
    device = totp.confirmed_device(team["operator"])
    assert signed_in(attempt(client, "op_na", PASSWORD))
    for _ in range(5):  # meanwhile someone else fails with the name elsewhere
        attempt(Client(), "op_na", "wrong", address="10.7.7.7")
    response = client.post(reverse("account_verify"), {"code": totp.code(device.bin_key.hex())})
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert client.get(reverse("inbox")).status_code == 302


def test_counts_are_in_the_database_shared_by_every_process(team):
    """Two clients stand for two web processes: nothing is kept in one process's memory."""
    for i in range(5):
        attempt(Client(), "op_na", "wrong", address=f"10.1.0.{i}")
    assert security.is_locked_out("op_na", "10.2.0.1")


# --- The client address --------------------------------------------------------------------------------


def request_from(remote, forwarded=None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


def test_without_trusted_proxies_the_address_is_remote_addr(settings):
    assert security.client_address(request_from("192.0.2.5", "198.51.100.1")) == "192.0.2.5"


def test_behind_trusted_proxies_the_address_is_the_one_the_outermost_proxy_saw(settings):
    settings.SOCIUS_TRUSTED_PROXY_COUNT = 1
    # The client wrote the first entry itself; the proxy appended the address it saw.
    assert security.client_address(request_from("10.0.0.2", "6.6.6.6, 198.51.100.7")) == "198.51.100.7"
    settings.SOCIUS_TRUSTED_PROXY_COUNT = 2
    assert security.client_address(request_from("10.0.0.2", "6.6.6.6, 198.51.100.7, 10.0.0.9")) == "198.51.100.7"
    # Fewer entries than proxies: the request did not come through them all.
    assert security.client_address(request_from("10.0.0.2", "198.51.100.7")) == "10.0.0.2"


def test_lockout_counts_the_forwarded_address_behind_a_proxy(client, team, settings):
    settings.SOCIUS_TRUSTED_PROXY_COUNT = 1
    for i in range(20):
        client.post(
            reverse("login"),
            {"username": f"nobody{i}", "password": "wrong"},
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR=f"1.1.1.{i}, 203.0.113.9",
        )
    assert LoginFailure.objects.filter(address="203.0.113.9").count() == 20
    behind_same = Client().post(
        reverse("login"),
        {"username": "op_na", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="203.0.113.9",
    )
    assert refused(behind_same)
    other = Client().post(
        reverse("login"),
        {"username": "op_na", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="203.0.113.10",
    )
    assert signed_in(other)


def test_old_records_are_purged(team):
    LoginFailure.objects.create(
        at=timezone.now() - dt.timedelta(days=91), username="x", address="1.2.3.4", stage="password"
    )
    LoginFailure.objects.create(
        at=timezone.now() - dt.timedelta(days=1), username="y", address="1.2.3.4", stage="password"
    )
    assert security.purge_failures() == 1
    assert list(LoginFailure.objects.values_list("username", flat=True)) == ["y"]


def test_the_records_are_listed_read_only_in_the_admin_site(admin_client):
    LoginFailure.objects.create(at=timezone.now(), username="op_na", address="192.0.2.1", stage="password")
    page = admin_client.get(reverse("admin:backoffice_loginfailure_changelist"))
    assert page.status_code == 200 and "192.0.2.1" in page.content.decode()
    assert admin_client.get(reverse("admin:backoffice_loginfailure_add")).status_code == 403


def test_a_locked_out_attempt_hashes_the_password_as_a_wrong_one_does(client, team, monkeypatch):
    """The time an answer takes does not tell a lockout from a wrong password: both hash once."""
    from django.contrib.auth import base_user, hashers

    hashed = []
    real = hashers.make_password

    def counting(password, *args, **kwargs):
        hashed.append(password)
        return real(password, *args, **kwargs)

    monkeypatch.setattr(base_user, "make_password", counting)
    checked = []
    real_check = hashers.check_password
    monkeypatch.setattr(base_user, "check_password", lambda *a, **k: checked.append(a[0]) or real_check(*a, **k))
    for _ in range(5):
        attempt(client, "op_na", "wrong")
    assert checked == ["wrong"] * 5 and hashed == []
    assert refused(attempt(client, "op_na", PASSWORD))
    assert checked == ["wrong"] * 5 and hashed == [PASSWORD]
