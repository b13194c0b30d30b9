"""Staff log in with a password and a TOTP code; until the code passes, nothing else opens."""

import io
import re
from base64 import b32decode

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django_otp.oath import TOTP

from audit.models import AuditEvent
from roles import two_factor
from roles.devices import SealedTOTPDevice as TOTPDevice
from roles.errors import InvalidInput, NotAuthorized
from roles.models import Role
from tests.conftest import PasswordOnlyClient, staff
from tests.security import totp

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"


def password_step(client, username="op_na", next_url=None):
    data = {"username": username, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("login"), data)


# --- RFC 6238 -----------------------------------------------------------------------------------

RFC_KEY = b"12345678901234567890"


@pytest.mark.parametrize(
    "at,expected",
    [
        (59, "94287082"),
        (1111111109, "07081804"),
        (1111111111, "14050471"),
        (1234567890, "89005924"),
        (2000000000, "69279037"),
        (20000000000, "65353130"),
    ],
)
def test_the_totp_algorithm_gives_the_rfc_6238_test_vectors(at, expected):
    generator = TOTP(RFC_KEY, step=30, t0=0, digits=8)
    generator.time = at
    assert f"{generator.token():08d}" == expected


NOW = 1_700_000_015.0  # the middle of a 30 s step


@pytest.fixture
def frozen_clock(monkeypatch):
    monkeypatch.setattr("django_otp.plugins.otp_totp.models.time.time", lambda: NOW)
    return NOW


def test_codes_one_step_either_side_pass_and_two_steps_do_not(team, frozen_clock):
    user = team["operator"]
    for steps, accepted in ((-2, False), (-1, True), (2, False), (1, True), (0, True)):
        TOTPDevice.objects.filter(user=user).delete()
        device = totp.confirmed_device(user)
        code = totp.code(device.bin_key.hex(), at=NOW, steps=steps)
        assert (two_factor.code_verify(user=user, token=code) is not None) is accepted, steps


def test_a_used_code_is_refused_and_an_older_one_too(team, frozen_clock):
    user = team["operator"]
    device = totp.confirmed_device(user)
    assert two_factor.code_verify(user=user, token=totp.code(device.bin_key.hex(), at=NOW)) is not None
    assert two_factor.code_verify(user=user, token=totp.code(device.bin_key.hex(), at=NOW)) is None
    assert two_factor.code_verify(user=user, token=totp.code(device.bin_key.hex(), at=NOW, steps=-1)) is None
    assert two_factor.code_verify(user=user, token=totp.code(device.bin_key.hex(), at=NOW, steps=1)) is not None


@pytest.mark.parametrize("token", ["", "12345", "1234567", "abcdef", "12 34 5x"])
def test_malformed_codes_are_refused_without_error(team, token):
    totp.confirmed_device(team["operator"])
    assert two_factor.code_verify(user=team["operator"], token=token) is None


# --- The login pages --------------------------------------------------------------------------------


def test_the_password_alone_opens_no_page_nor_the_api(client, team):
    totp.confirmed_device(team["operator"])
    response = password_step(client)
    assert response.status_code == 302 and response["Location"] == reverse("account_verify")
    for name in ("inbox", "queue", "overdue", "case_report"):
        page = client.get(reverse(name))
        assert page.status_code == 302 and page["Location"].startswith(reverse("account_verify")), name
    api = client.get(reverse("api-claim", args=["C-NOPE"]))
    assert api.status_code == 403 and api.json()["code"] == "second_factor_required"
    assert client.get("/admin/").status_code == 302


def test_force_login_of_a_password_only_client_is_held_at_the_second_factor(team):
    client = PasswordOnlyClient()
    client.force_login(team["operator"])
    response = client.get(reverse("inbox"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_verify"))


def test_the_code_step_opens_the_pages_and_keeps_the_page_asked_for(client, team):
    device = totp.confirmed_device(team["operator"])
    first = client.get(reverse("queue"))
    assert first.status_code == 302 and first["Location"].startswith(reverse("login"))
    response = password_step(client, next_url=reverse("queue"))
    assert response["Location"] == reverse("account_verify") + "?next=%2Fqueue%2F"
    page = client.get(response["Location"])
    assert page.status_code == 200 and 'name="code"' in page.content.decode()
    session_before = client.cookies["sessionid"].value
    done = client.post(reverse("account_verify"), {"code": totp.code(device.bin_key.hex()), "next": reverse("queue")})
    assert done.status_code == 302 and done["Location"] == reverse("queue")
    assert client.cookies["sessionid"].value != session_before  # a new session key once verified
    assert client.get(reverse("queue")).status_code == 200
    api = client.get(reverse("api-claim", args=["C-NOPE"]))
    assert api.status_code == 404


def test_an_outside_next_address_is_ignored(client, team):
    device = totp.confirmed_device(team["operator"])
    password_step(client)
    done = client.post(
        reverse("account_verify"), {"code": totp.code(device.bin_key.hex()), "next": "https://evil.example/"}
    )
    assert done["Location"] == reverse("inbox")


def test_a_wrong_code_is_refused_with_a_message(client, team):
    device = totp.confirmed_device(team["operator"])
    password_step(client)
    wrong = f"{(int(totp.code(device.bin_key.hex())) + 1) % 1000000:06d}"
    response = client.post(reverse("account_verify"), {"code": wrong})
    assert response.status_code == 200 and "This code is not valid" in response.content.decode()
    assert client.get(reverse("inbox")).status_code == 302


def test_a_code_cannot_be_replayed_at_the_next_login(client, team):
    device = totp.confirmed_device(team["operator"])
    code = totp.code(device.bin_key.hex())
    password_step(client)
    assert client.post(reverse("account_verify"), {"code": code})["Location"] == reverse("inbox")
    client.post(reverse("logout"))
    password_step(client)
    again = client.post(reverse("account_verify"), {"code": code})
    assert again.status_code == 200 and "This code is not valid" in again.content.decode()


def test_the_session_key_changes_at_the_password_step(client, team):
    client.get(reverse("login"))
    client.cookies["sessionid"] = "an-old-key-someone-planted"
    password_step(client)
    assert client.cookies["sessionid"].value != "an-old-key-someone-planted"


def test_logout_takes_post_only(client, team):
    client.force_login(team["operator"])
    assert client.get(reverse("logout")).status_code == 405
    assert client.get(reverse("inbox")).status_code == 200
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("inbox")).status_code == 302


# --- Enrolment ------------------------------------------------------------------------------------


def _shown_secret(body):
    secret = re.search(r'<code id="totp-secret" dir="ltr">([A-Z2-7 ]+)</code>', body).group(1)
    return b32decode(secret.replace(" ", "")).hex()


def test_first_login_enrols_an_authenticator_then_never_shows_its_key_again(client, team):
    user = team["operator"]
    password_step(client)
    assert client.get(reverse("account_verify"))["Location"] == reverse("account_enrol")
    page = client.get(reverse("account_enrol"))
    body = page.content.decode()
    assert page.status_code == 200 and "<svg" in body
    assert "otpauth://totp/Socius%3Aop_na?secret=" in body and "issuer=Socius" in body
    key = _shown_secret(body)
    device = TOTPDevice.objects.get(user=user)
    assert device.bin_key.hex() == key and not device.confirmed
    assert client.get(reverse("inbox")).status_code == 302  # not verified while enrolling
    done = client.post(reverse("account_enrol"), {"code": totp.code(key)})
    assert done.status_code == 302 and done["Location"] == reverse("inbox")
    assert TOTPDevice.objects.get(user=user).confirmed
    assert client.get(reverse("inbox")).status_code == 200
    assert AuditEvent.objects.filter(subject_type="user", subject_id=str(user.pk), action="user.second_factor_enrolled")
    # Next login: the code step; the enrolment page no longer shows the key.
    client.post(reverse("logout"))
    password_step(client)
    again = client.get(reverse("account_enrol"))
    assert again.status_code == 302 and again["Location"] == reverse("account_verify")
    assert key not in client.get(reverse("account_verify")).content.decode()


def test_enrolment_needs_a_valid_code_of_the_shown_key(client, team):
    password_step(client)
    key = _shown_secret(client.get(reverse("account_enrol")).content.decode())
    other_key = totp.key_for("someone else")
    response = client.post(reverse("account_enrol"), {"code": totp.code(other_key)})
    assert response.status_code == 200 and "This code is not valid" in response.content.decode()
    assert not TOTPDevice.objects.get(user=team["operator"]).confirmed
    # The same key is shown again until confirmed.
    assert _shown_secret(client.get(reverse("account_enrol")).content.decode()) == key


def test_enrolment_and_code_pages_need_the_password_first(client, team):
    for name in ("account_enrol", "account_verify"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert not TOTPDevice.objects.exists()


# --- Reset by an administrator --------------------------------------------------------------------------


def test_an_administrator_resets_a_device_and_the_holder_enrols_again(client, org, team):
    admin = staff("admin_n", Role.ADMINISTRATOR, org.north)
    user = team["operator"]
    totp.confirmed_device(user)
    assert two_factor.second_factor_reset(actor=admin, user=user) == 1
    assert not TOTPDevice.objects.filter(user=user).exists()
    event = AuditEvent.objects.get(subject_type="user", subject_id=str(user.pk), action="user.second_factor_reset")
    assert event.actor_id == admin.pk
    password_step(client)
    assert client.get(reverse("account_verify"))["Location"] == reverse("account_enrol")
    with pytest.raises(InvalidInput):
        two_factor.second_factor_reset(actor=admin, user=user)


def test_only_an_administrator_over_the_holder_resets_a_device(org, team):
    user = team["operator"]
    totp.confirmed_device(user)
    south_admin = staff("admin_s", Role.ADMINISTRATOR, org.south)
    with pytest.raises(NotAuthorized):
        two_factor.second_factor_reset(actor=south_admin, user=user)
    with pytest.raises(NotAuthorized):
        two_factor.second_factor_reset(actor=team["supervisor"], user=user)
    admin = staff("admin_n", Role.ADMINISTRATOR, org.north)
    totp.confirmed_device(admin)
    with pytest.raises(NotAuthorized):
        two_factor.second_factor_reset(actor=admin, user=admin)
    assert TOTPDevice.objects.filter(user=user).exists()
    assert not AuditEvent.objects.filter(action="user.second_factor_reset").exists()


def test_the_reset_command_removes_the_device(team):
    totp.confirmed_device(team["operator"])
    call_command("second_factor_reset", "op_na", stdout=io.StringIO())
    assert not TOTPDevice.objects.filter(user=team["operator"]).exists()
    assert AuditEvent.objects.filter(action="user.second_factor_reset", actor__isnull=True).exists()
    with pytest.raises(CommandError):
        call_command("second_factor_reset", "op_na")
    with pytest.raises(CommandError):
        call_command("second_factor_reset", "nobody")
