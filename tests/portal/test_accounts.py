"""A person's account: the password reset by a code sent to a contact on file, and the second
factor by a code sent by SMS or e-mail (the alternative to the authenticator app)."""

import datetime as dt
import re

import pytest
from django.conf import settings
from django.test import override_settings

from audit.models import AuditEvent
from backoffice.models import LoginFailure
from backoffice.security import SESSION_VERIFIED
from cases import sms
from cases.models import Notification
from portal.models import ContactCodeDevice, OneTimeCode
from portal.services import CODE_ATTEMPTS
from tests.conftest import PasswordOnlyClient, make_insured

from .conftest import PASSWORD, open_account

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Another long passphrase 77"


def last_code(person, channel=Notification.Channel.EMAIL):
    notification = Notification.objects.filter(person=person, channel=channel).order_by("-pk").first()
    return re.search(r"\b(\d{6})\b", notification.body)[1]


def wrong(code):
    return "000000" if code != "000000" else "111111"


@pytest.fixture
def account(org):
    return open_account(make_insured(org.north_a, email="on.file@example.org", phone="+15550100"))


def lock_out(account):
    for _ in range(settings.SOCIUS_LOGIN_FAILURES_PER_USERNAME):
        PasswordOnlyClient().post("/portal/login/", {"username": account.user.username, "password": "wrong one"})


def password_login(account, password=PASSWORD):
    client = PasswordOnlyClient()
    answer = client.post("/portal/login/", {"username": account.user.username, "password": password})
    return client, answer


# --- Password reset ------------------------------------------------------------------------------


def reset_start(client, person, birth_date=None):
    return client.post(
        "/portal/password/reset/", {"ssn": person.ssn, "birth_date": (birth_date or person.birth_date).isoformat()}
    )


def test_a_person_resets_their_password_with_a_code_and_still_passes_the_second_factor(account):
    lock_out(account)
    client = PasswordOnlyClient()
    answer = reset_start(client, account.person)
    assert answer.status_code == 302 and answer["Location"] == "/portal/password/reset/code/"
    assert OneTimeCode.objects.get(person=account.person).purpose == OneTimeCode.Purpose.RESET
    done = client.post(
        "/portal/password/reset/code/",
        {"code": last_code(account.person), "password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
    )
    assert done.status_code == 302 and done["Location"] == "/portal/login/"
    assert "_auth_user_id" not in client.session  # not signed in by the reset
    account.user.refresh_from_db()
    assert account.user.check_password(NEW_PASSWORD)
    # The right code cleared the lockout; the login still asks for the second factor.
    client, answer = password_login(account, NEW_PASSWORD)
    assert answer.status_code == 302 and answer["Location"].startswith("/portal/login/code/")
    assert client.get("/portal/").status_code == 302
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"portal_account.reset_code_sent", "portal_account.password_reset"} <= actions


def test_the_reset_tells_nobody_who_has_an_account(account, org):
    matching = reset_start(PasswordOnlyClient(), account.person)
    birth = account.person.birth_date
    wrong_birth = reset_start(PasswordOnlyClient(), account.person, birth.replace(year=birth.year - 1))
    no_account = reset_start(PasswordOnlyClient(), make_insured(org.north_a, email="x@example.org"))
    assert matching.status_code == wrong_birth.status_code == no_account.status_code == 302
    assert matching["Location"] == wrong_birth["Location"] == no_account["Location"]
    assert OneTimeCode.objects.count() == 1


def test_a_wrong_reset_code_counts_keeps_the_lockout_and_the_password(account):
    lock_out(account)
    client = PasswordOnlyClient()
    reset_start(client, account.person)
    code = last_code(account.person)
    for _ in range(CODE_ATTEMPTS):
        refused = client.post(
            "/portal/password/reset/code/",
            {"code": wrong(code), "password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
        )
        assert refused.status_code == 400
    late = client.post(
        "/portal/password/reset/code/", {"code": code, "password": NEW_PASSWORD, "password_again": NEW_PASSWORD}
    )
    assert late.status_code == 400 and "expired" in late.content.decode()
    account.user.refresh_from_db()
    assert account.user.check_password(PASSWORD)
    assert AuditEvent.objects.filter(action="portal_account.reset_code_refused").count() == CODE_ATTEMPTS
    assert LoginFailure.objects.filter(username=account.user.username, cleared=False, refused=False).exists()
    _client, answer = password_login(account)
    assert answer.status_code == 200  # still locked out


def test_a_weak_or_similar_new_password_is_refused_and_the_code_not_spent(account):
    client = PasswordOnlyClient()
    reset_start(client, account.person)
    code = last_code(account.person)
    for weak in ("abc", account.person.ssn + "xx"):
        refused = client.post("/portal/password/reset/code/", {"code": code, "password": weak, "password_again": weak})
        assert refused.status_code == 400
    assert OneTimeCode.objects.get(person=account.person).attempts == 0


def test_codes_are_not_sent_again_within_a_minute(account, fixed_clock):
    reset_start(PasswordOnlyClient(), account.person)
    reset_start(PasswordOnlyClient(), account.person)
    assert OneTimeCode.objects.count() == 1
    fixed_clock.shift(dt.timedelta(seconds=61))
    reset_start(PasswordOnlyClient(), account.person)
    assert OneTimeCode.objects.count() == 2


# --- Second factor by a code sent by SMS or e-mail -----------------------------------------------


@override_settings(SOCIUS_SMS_BACKEND="cases.sms.LocmemSmsBackend")
def test_a_person_chooses_sms_codes_at_enrolment_and_signs_in_with_them(
    account, django_capture_on_commit_callbacks, fixed_clock
):
    sms.reset_outbox()
    client, answer = password_login(account)
    assert client.get("/portal/login/code/")["Location"].startswith("/portal/login/enrol/")
    page = client.get("/portal/login/enrol/").content.decode()
    assert 'value="sms"' in page and 'value="email"' in page and 'value="app"' in page
    with django_capture_on_commit_callbacks(execute=True):
        chosen = client.post("/portal/login/enrol/", {"method": "sms"})
    assert chosen.status_code == 302 and chosen["Location"].startswith("/portal/login/enrol/code/")
    (message,) = sms.outbox
    assert message.to == account.person.phone
    code = re.search(r"\b(\d{6})\b", message.body)[1]
    assert client.post("/portal/login/enrol/code/", {"code": wrong(code)}).status_code == 400
    confirmed = client.post("/portal/login/enrol/code/", {"code": code})
    assert confirmed.status_code == 302 and confirmed["Location"] == "/portal/"
    assert client.get("/portal/").status_code == 200
    device = ContactCodeDevice.objects.get(user=account.user)
    assert device.channel == "sms" and client.session[SESSION_VERIFIED] == device.persistent_id
    # The next login sends a code by SMS at its second step.
    fixed_clock.shift(dt.timedelta(minutes=5))
    client, _answer = password_login(account)
    page = client.get("/portal/login/code/")
    assert page.status_code == 200
    code = last_code(account.person, Notification.Channel.SMS)
    assert client.post("/portal/login/code/", {"code": code})["Location"] == "/portal/"
    assert client.get("/portal/").status_code == 200
    assert AuditEvent.objects.filter(action="portal_account.login_code_sent").count() == 2
    assert AuditEvent.objects.filter(action="user.second_factor_enrolled", payload__channel="sms").exists()


def test_wrong_login_codes_count_for_the_lockout(account):
    ContactCodeDevice.objects.create(user=account.user, name="email", channel="email", confirmed=True)
    client, _answer = password_login(account)
    client.get("/portal/login/code/")
    code = last_code(account.person)
    limit = settings.SOCIUS_LOGIN_FAILURES_PER_USERNAME
    for attempt in range(limit - 1):
        assert client.post("/portal/login/code/", {"code": wrong(code)}).status_code == 400, attempt
    locked = client.post("/portal/login/code/", {"code": wrong(code)})
    assert locked.status_code == 302 and locked["Location"] == "/portal/login/"
    assert "_auth_user_id" not in client.session
    assert LoginFailure.objects.filter(username=account.user.username, stage="code").count() == limit


def test_a_new_code_is_sent_on_request_within_limits(account, fixed_clock):
    ContactCodeDevice.objects.create(user=account.user, name="email", channel="email", confirmed=True)
    client, _answer = password_login(account)
    client.get("/portal/login/code/")
    client.post("/portal/login/code/", {"resend": "1"})  # too soon
    assert OneTimeCode.objects.filter(purpose=OneTimeCode.Purpose.LOGIN).count() == 1
    fixed_clock.shift(dt.timedelta(seconds=61))
    client.post("/portal/login/code/", {"resend": "1"})
    assert OneTimeCode.objects.filter(purpose=OneTimeCode.Purpose.LOGIN).count() == 2
    assert client.post("/portal/login/code/", {"code": last_code(account.person)})["Location"] == "/portal/"


def test_without_an_sms_gateway_only_the_app_and_e_mail_are_offered(account):
    with override_settings(SOCIUS_SMS_BACKEND=""):
        client, _answer = password_login(account)
        page = client.get("/portal/login/enrol/").content.decode()
        assert 'value="sms"' not in page and 'value="email"' in page
        assert client.post("/portal/login/enrol/", {"method": "app"})["Location"] == "/portal/login/enrol/app/"
        assert b"otpauth://" in client.get("/portal/login/enrol/app/").content


def test_staff_keep_the_authenticator_only(team):
    operator = team["operator"]
    operator.set_password(PASSWORD)
    operator.save()
    client = PasswordOnlyClient()
    client.post("/login/", {"username": operator.username, "password": PASSWORD})
    assert client.get("/portal/login/enrol/")["Location"] == "/portal/login/"  # not a portal session
    assert client.post("/portal/login/enrol/", {"method": "email"})["Location"] == "/portal/login/"
    assert client.get("/account/enrol/").status_code == 200
    assert not ContactCodeDevice.objects.exists() and not OneTimeCode.objects.exists()


def test_removing_the_code_device_ends_the_sessions_it_verified(account, fixed_clock):
    device = ContactCodeDevice.objects.create(user=account.user, name="email", channel="email", confirmed=True)
    client, _answer = password_login(account)
    client.get("/portal/login/code/")
    assert client.post("/portal/login/code/", {"code": last_code(account.person)})["Location"] == "/portal/"
    device.delete()
    fixed_clock.shift(dt.timedelta(seconds=61))  # the device is checked once a minute
    assert client.get("/portal/")["Location"].startswith("/portal/login/")
