"""Security of the staff pages: client address, lockout after failed logins, session marks.

Lockout: failed attempts are rows of ``LoginFailure`` in the database, so every web process
sees the same counts. A user name is locked out when it has ``SOCIUS_LOGIN_FAILURES_PER_USERNAME``
uncleared failures within the last ``SOCIUS_LOGIN_FAILURE_WINDOW_MINUTES``; a client address
when it has ``SOCIUS_LOGIN_FAILURES_PER_ADDRESS`` failures in that window. Failures of the
password step and of the second-factor step count alike. A lockout ends when its failures
leave the window; attempts made meanwhile are recorded as refused, not counted, so a locked
user is not kept out for ever by their own retries. A complete login (both factors) clears
the user name's count; the address count is never cleared.

Session marks: the session holds when it was signed in and last seen (Unix times, for the
idle and absolute limits of backoffice.middleware) and whether the second factor passed.
"""

import datetime as dt
import logging
import time
from contextlib import contextmanager

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from audit.context import client_address  # noqa: F401  (the address lockout counts on)

from .models import LoginFailure

logger = logging.getLogger("socius.security")

SESSION_VERIFIED = "socius_second_factor"  # persistent id of the device that passed, or a test mark
SESSION_STARTED = "socius_signed_in_at"
SESSION_SEEN = "socius_seen_at"
SEEN_RESOLUTION = 60  # seconds: the last-seen time is written at most once a minute
SESSION_SIDE = "socius_side"  # which side the session signed in to: the staff workbench or the portal
STAFF_SIDE = "staff"
PORTAL_SIDE = "portal"


def _username_key(username):
    return (username or "").strip().casefold()[:150]


def _window_start():
    return timezone.now() - dt.timedelta(minutes=settings.SOCIUS_LOGIN_FAILURE_WINDOW_MINUTES)


def _username_failures(key, since, limit):
    qs = LoginFailure.objects.filter(username=key, at__gte=since, refused=False, cleared=False)
    return qs.order_by()[:limit].count()


def _address_failures(address, since, limit):
    return LoginFailure.objects.filter(address=address, at__gte=since, refused=False).order_by()[:limit].count()


_ATTEMPT_LOCK = 7202612  # namespace of the advisory locks of login attempts


@contextmanager
def attempt_lock(username):
    """Serialise the attempts on one user name across every web process, so that a burst of
    parallel guesses cannot all pass the count before any of them is recorded. On PostgreSQL an
    advisory lock held until the transaction ends; the embedded SQLite database serves a single
    machine in development, where a write transaction held through password hashing would block
    every other writer, so there it is not taken."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [_ATTEMPT_LOCK, _username_key(username)])
        yield


def is_locked_out(username, address):
    """Whether logins of ``username`` or from ``address`` are refused now (two indexed, capped counts)."""
    since = _window_start()
    per_username = settings.SOCIUS_LOGIN_FAILURES_PER_USERNAME
    per_address = settings.SOCIUS_LOGIN_FAILURES_PER_ADDRESS
    return (
        _username_failures(_username_key(username), since, per_username) >= per_username
        or _address_failures(address, since, per_address) >= per_address
    )


def spend_a_password_check(password):
    """Hash ``password`` once and forget it: a locked-out attempt then takes as long as a wrong
    password, so the answer's timing does not tell that an account is locked out (what Django's
    backend does for an unknown user name)."""
    get_user_model()().set_password(password)


def record_refused(username, address, stage):
    """An attempt refused because of a lockout: kept for review, not counted."""
    LoginFailure.objects.create(
        at=timezone.now(), username=_username_key(username), address=address, stage=stage, refused=True
    )
    logger.warning("login refused (locked out): username=%r address=%s stage=%s", username, address, stage)


def record_failure(username, address, stage):
    """A failed attempt. Returns True when it reached a limit (a lockout starts now)."""
    key = _username_key(username)
    with transaction.atomic():
        failure = LoginFailure.objects.create(at=timezone.now(), username=key, address=address, stage=stage)
        since = _window_start()
        per_username = settings.SOCIUS_LOGIN_FAILURES_PER_USERNAME
        per_address = settings.SOCIUS_LOGIN_FAILURES_PER_ADDRESS
        locked = (
            _username_failures(key, since, per_username) >= per_username
            or _address_failures(address, since, per_address) >= per_address
        )
        if locked:
            failure.locked_out = True
            failure.save(update_fields=["locked_out"])
    if locked:
        logger.warning("login lockout: username=%r address=%s stage=%s", username, address, stage)
    else:
        logger.info("login failed: username=%r address=%s stage=%s", username, address, stage)
    return locked


def clear_failures(username):
    """A complete login clears the user name's count (the rows stay, marked cleared)."""
    LoginFailure.objects.filter(username=_username_key(username), cleared=False, refused=False).update(cleared=True)


def purge_failures(*, older_than_days=None):
    """Delete records older than ``SOCIUS_LOGIN_FAILURE_RETENTION_DAYS``; returns how many."""
    days = older_than_days if older_than_days is not None else settings.SOCIUS_LOGIN_FAILURE_RETENTION_DAYS
    deleted, _ = LoginFailure.objects.filter(at__lt=timezone.now() - dt.timedelta(days=days)).delete()
    return deleted


# Session marks


def mark_signed_in(session, now=None):
    now = time.time() if now is None else now
    session[SESSION_STARTED] = now
    session[SESSION_SEEN] = now


def mark_side(session, side):
    session[SESSION_SIDE] = side


def side_of(session):
    """The side a signed-in session belongs to (staff unless it signed in to the portal)."""
    return session.get(SESSION_SIDE, STAFF_SIDE)


def side_of_account(user):
    """The one side an account may sign in to: the portal for a person's account (one with a
    ``portal_account``), the workbench for every other (one query)."""
    from django.core.exceptions import ObjectDoesNotExist

    try:
        user.portal_account  # noqa: B018  (the reverse one-to-one is read to know the side)
    except (ObjectDoesNotExist, AttributeError):
        return STAFF_SIDE
    return PORTAL_SIDE


def mark_verified(request, device):
    """The second factor passed: a new session key, and the device recorded in the session."""
    request.session.cycle_key()
    request.session[SESSION_VERIFIED] = device.persistent_id


PROVIDER_MARK = "identity-provider:"  # the second factor passed at an identity provider


def mark_verified_by_provider(request, provider):
    """An identity provider's sign-in stands for both factors (``portal.oidc``): a new session
    key, and the provider recorded in the session instead of a device."""
    request.session.cycle_key()
    request.session[SESSION_VERIFIED] = PROVIDER_MARK + provider


def is_verified(session):
    return bool(session.get(SESSION_VERIFIED))


def session_expiry(session, now=None):
    """``"idle"`` or ``"absolute"`` when the signed-in session has run out, else None."""
    now = time.time() if now is None else now
    started, seen = session.get(SESSION_STARTED), session.get(SESSION_SEEN)
    if started is None or seen is None:
        return None
    if now - started > settings.SOCIUS_SESSION_MAX_HOURS * 3600:
        return "absolute"
    if now - seen > settings.SOCIUS_SESSION_IDLE_MINUTES * 60:
        return "idle"
    return None


def touch(session, now=None):
    """Record activity, writing the session at most once per ``SEEN_RESOLUTION`` seconds.
    Returns True when it wrote (the moment for the checks made once a minute)."""
    now = time.time() if now is None else now
    started, seen = session.get(SESSION_STARTED), session.get(SESSION_SEEN)
    if started is None or seen is None:  # a session from before these marks existed
        mark_signed_in(session, now)
        return True
    if now - seen >= SEEN_RESOLUTION:
        session[SESSION_SEEN] = now
        return True
    return False


def verified_device_gone(request):
    """Whether the device this session was verified with no longer stands (reset by an
    administrator): one query, made at most once a minute by the middleware."""
    from django_otp.models import Device

    mark = request.session.get(SESSION_VERIFIED)
    if not mark or mark.startswith(PROVIDER_MARK):
        return False
    device = Device.from_persistent_id(mark)
    return device is None or not device.confirmed or device.user_id != request.user.pk


def on_user_logged_in(sender, request, user, **kwargs):
    """Any login (the password step, the admin site, a test client) starts unverified, with fresh marks."""
    session = getattr(request, "session", None)
    if session is not None:
        session.pop(SESSION_VERIFIED, None)
        mark_signed_in(session)
