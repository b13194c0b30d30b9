"""Opening a person's portal account (by registration, or the demo loader's), and the one-time
codes that prove a registration or a password reset, each recorded in the audit trail. The codes
of the second factor by SMS or e-mail are in ``portal.second_factor``."""

import datetime as dt
import hashlib
import hmac
import secrets
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.actors import Actor, as_actor
from audit.services import record_event
from roles.errors import InvalidInput

from .models import OneTimeCode, PortalAccount

CODE_DIGITS = 6
CODE_LIFETIME = dt.timedelta(minutes=15)
CODE_ATTEMPTS = 5
CODE_RESEND_AFTER = dt.timedelta(seconds=60)  # a new code at most once a minute
CODE_SEND_WINDOW = dt.timedelta(hours=1)
CODE_SENDS_PER_WINDOW = 5  # codes of one purpose a person receives in the window


def portal_account_open(*, person, password, actor):
    """Open ``person``'s portal account, signed in with their social security number and
    ``password``. ``actor``: who opens it (the registration step, or the demo loader as a job)."""
    User = get_user_model()
    validate_password(password)
    with transaction.atomic():
        if PortalAccount.objects.filter(person=person).exists() or User.objects.filter(username=person.ssn).exists():
            raise InvalidInput(_("This person already has a portal account."), field="person")
        user = User.objects.create_user(
            username=person.ssn, password=password, first_name=person.first_name, last_name=person.last_name
        )
        now = timezone.now()
        account = PortalAccount.objects.create(user=user, person=person, created_at=now)
        acting = as_actor(actor)
        record_event(
            subject_type="portal_account",
            subject_id=account.pk,
            action="portal_account.opened",
            actor=acting,
            payload={"person": person.pk, "login": user.get_username()},
        )
        return account


def _hash(code):
    return hmac.new(settings.SECRET_KEY.encode(), code.encode(), hashlib.sha256).hexdigest()


def _contacts(person, channels=None):
    """(channel, recipient) of the contacts on file to send a code to: ``channels`` limits them
    (a login code goes by the channel the person chose). SMS only with a gateway configured."""
    from cases.models import Notification

    found = [
        (Notification.Channel.EMAIL, person.email),
        (Notification.Channel.SMS, person.phone if settings.SOCIUS_SMS_BACKEND else ""),
    ]
    return [(c, r) for c, r in found if r and (channels is None or c in channels)]


def _may_send(person, purpose, now):
    """Resend limits: one code a minute, ``CODE_SENDS_PER_WINDOW`` in ``CODE_SEND_WINDOW``."""
    recent = OneTimeCode.objects.filter(person=person, purpose=purpose, created_at__gte=now - CODE_SEND_WINDOW)
    if recent.filter(created_at__gte=now - CODE_RESEND_AFTER).exists():
        return False
    return recent.count() < CODE_SENDS_PER_WINDOW


def _code_send(*, person, purpose, subject, body, action, channels=None, payload=None):
    """Make a code for ``person``, send it to their contacts on file and record ``action``.
    Returns the code's id, or None when nothing can be sent (no contact, resend limit)."""
    from cases.models import Notification
    from cases.notifications import sms_text
    from cases.tasks import send_notification

    now = timezone.now()
    contacts = _contacts(person, channels)
    if not contacts or not _may_send(person, purpose, now):
        return None
    code = "".join(secrets.choice("0123456789") for _ in range(CODE_DIGITS))
    with transaction.atomic():
        row = OneTimeCode.objects.create(
            person=person, purpose=purpose, code_hash=_hash(code), created_at=now, expires_at=now + CODE_LIFETIME
        )
        text = body % {"code": code}
        sent = [
            Notification.objects.create(
                key=f"code:{row.pk}:{channel}",
                person=person,
                channel=channel,
                recipient=recipient,
                subject=str(subject),
                body=text if channel == Notification.Channel.EMAIL else sms_text(subject, text),
                created_at=now,
            )
            for channel, recipient in contacts
        ]
        record_event(
            subject_type="portal_account",
            subject_id=f"person:{person.pk}",
            action=action,
            actor=Actor.person(person),
            payload={"code": row.pk, "channels": [n.channel for n in sent], **(payload or {})},
        )
        for notification in sent:
            transaction.on_commit(partial(send_notification.delay, notification.pk), robust=True)
    return row.pk


def _code_check(*, code_id, purpose, code, person=None):
    """Lock the unused code ``code_id`` and count an attempt with ``code`` (committed by the
    caller's transaction even when wrong). Returns (row, matched); raises when it expired."""
    rows = OneTimeCode.objects.select_for_update().filter(pk=code_id, purpose=purpose, used_at__isnull=True)
    if person is not None:
        rows = rows.filter(person=person)
    row = rows.first()
    now = timezone.now()
    if row is None or row.expires_at < now or row.attempts >= CODE_ATTEMPTS:
        raise InvalidInput(_("This code has expired. Start again to receive a new one."), field="code")
    row.attempts += 1
    matched = hmac.compare_digest(row.code_hash, _hash((code or "").strip()))
    row.used_at = now if matched else None
    row.save(update_fields=["attempts", "used_at"])
    return row, matched


def registration_start(*, ssn, birth_date):
    """Send a registration code to the contacts on file of the person with ``ssn`` and
    ``birth_date`` (alive, without an account, with an e-mail or a phone on file). Returns the
    code's id, or None when no such person may register: the caller answers the same either way,
    so that the form tells nobody who is in the registry."""
    from registry.models import Person

    person = (
        Person.objects.filter(ssn=(ssn or "").strip(), birth_date=birth_date, death_date__isnull=True)
        .exclude(portal_account__isnull=False)
        .first()
    )
    if person is None:
        return None
    return _code_send(
        person=person,
        purpose=OneTimeCode.Purpose.REGISTER,
        subject=_("Your registration code"),
        body=_("Your code to open your e-services account is %(code)s. It is valid for 15 minutes."),
        action="portal_account.code_sent",
    )


def registration_finish(*, code_id, code, password):
    """Open the account of the person the code ``code_id`` was sent to, once ``code`` matches
    (within its lifetime and attempts). Returns the account."""
    validate_password(password)
    with transaction.atomic():
        # A wrong attempt counts: it is committed.
        row, matched = _code_check(code_id=code_id, purpose=OneTimeCode.Purpose.REGISTER, code=code)
        account = (
            portal_account_open(person=row.person, password=password, actor=Actor.person(row.person))
            if matched
            else None
        )
    if account is None:
        raise InvalidInput(_("This code is not the one we sent."), field="code")
    return account


def password_reset_start(*, ssn, birth_date):
    """Send a reset code to the contacts on file of the person with ``ssn`` and ``birth_date``
    who has a portal account. Returns the code's id, or None (the caller answers the same)."""
    from registry.models import Person

    person = Person.objects.filter(
        ssn=(ssn or "").strip(), birth_date=birth_date, death_date__isnull=True, portal_account__isnull=False
    ).first()
    if person is None:
        return None
    return _code_send(
        person=person,
        purpose=OneTimeCode.Purpose.RESET,
        subject=_("Your password reset code"),
        body=_("Your code to choose a new e-services password is %(code)s. It is valid for 15 minutes."),
        action="portal_account.reset_code_sent",
    )


def password_reset_finish(*, code_id, code, password):
    """Set the new ``password`` of the account the reset code ``code_id`` was sent for, once
    ``code`` matches; a right code also clears the login lockout of the account (a wrong one
    counts an attempt, recorded). Never signs anyone in. Returns the account."""
    from backoffice.security import clear_failures

    # The password is checked (against the account's names too) before the code: a refusal
    # after the attempt is counted would roll the count back.
    pending = OneTimeCode.objects.filter(pk=code_id, purpose=OneTimeCode.Purpose.RESET).first()
    holder = PortalAccount.objects.select_related("user").filter(person_id=pending and pending.person_id).first()
    validate_password(password, holder.user if holder else None)
    with transaction.atomic():
        row, matched = _code_check(code_id=code_id, purpose=OneTimeCode.Purpose.RESET, code=code)
        account = PortalAccount.objects.select_related("user").get(person=row.person)
        if matched:
            account.user.set_password(password)
            account.user.save(update_fields=["password"])
            clear_failures(account.user.get_username())
        record_event(
            subject_type="portal_account",
            subject_id=account.pk,
            action="portal_account.password_reset" if matched else "portal_account.reset_code_refused",
            actor=Actor.person(row.person),
            payload={"code": row.pk, "attempts": row.attempts},
        )
    if not matched:
        raise InvalidInput(_("This code is not the one we sent."), field="code")
    return account


def portal_account_open_by_identity(*, person, issuer):
    """Open the portal account of ``person`` who signed in through the identity provider
    ``issuer``: no password (they may set one later with a password reset)."""
    User = get_user_model()
    with transaction.atomic():
        if PortalAccount.objects.filter(person=person).exists() or User.objects.filter(username=person.ssn).exists():
            raise InvalidInput(_("This person already has a portal account."), field="person")
        user = User(username=person.ssn, first_name=person.first_name, last_name=person.last_name)
        user.set_unusable_password()
        user.save()
        account = PortalAccount.objects.create(user=user, person=person, created_at=timezone.now())
        record_event(
            subject_type="portal_account",
            subject_id=account.pk,
            action="portal_account.opened",
            actor=Actor.person(person),
            payload={"person": person.pk, "login": user.get_username(), "identity_provider": issuer},
        )
        return account
