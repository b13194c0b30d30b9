"""Opening a person's portal account (by registration, or the demo loader's), and the one-time
codes that prove a registration, each recorded in the audit trail."""

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


def registration_start(*, ssn, birth_date):
    """Send a registration code to the contacts on file of the person with ``ssn`` and
    ``birth_date`` (alive, without an account, with an e-mail or a phone on file). Returns the
    code's id, or None when no such person may register: the caller answers the same either way,
    so that the form tells nobody who is in the registry."""
    from cases.models import Notification
    from cases.notifications import sms_text
    from cases.tasks import send_notification
    from registry.models import Person

    person = (
        Person.objects.filter(ssn=(ssn or "").strip(), birth_date=birth_date, death_date__isnull=True)
        .exclude(portal_account__isnull=False)
        .first()
    )
    if person is None or not (person.email or person.phone):
        return None
    code = "".join(secrets.choice("0123456789") for _ in range(CODE_DIGITS))
    now = timezone.now()
    with transaction.atomic():
        row = OneTimeCode.objects.create(
            person=person,
            purpose=OneTimeCode.Purpose.REGISTER,
            code_hash=_hash(code),
            created_at=now,
            expires_at=now + CODE_LIFETIME,
        )
        subject = _("Your registration code")
        body = _("Your code to open your e-services account is %(code)s. It is valid for 15 minutes.") % {"code": code}
        sent = []
        for channel, recipient, text in (
            (Notification.Channel.EMAIL, person.email, body),
            (Notification.Channel.SMS, person.phone if settings.SOCIUS_SMS_BACKEND else "", sms_text(subject, body)),
        ):
            if recipient:
                sent.append(
                    Notification.objects.create(
                        key=f"code:{row.pk}:{channel}",
                        person=person,
                        channel=channel,
                        recipient=recipient,
                        subject=str(subject),
                        body=text,
                        created_at=now,
                    )
                )
        record_event(
            subject_type="portal_account",
            subject_id=f"person:{person.pk}",
            action="portal_account.code_sent",
            actor=Actor.person(person),
            payload={"code": row.pk, "channels": [n.channel for n in sent]},
        )
        for notification in sent:
            transaction.on_commit(partial(send_notification.delay, notification.pk), robust=True)
    return row.pk


def registration_finish(*, code_id, code, password):
    """Open the account of the person the code ``code_id`` was sent to, once ``code`` matches
    (within its lifetime and attempts). Returns the account."""
    validate_password(password)
    with transaction.atomic():
        row = OneTimeCode.objects.select_for_update().filter(pk=code_id, used_at__isnull=True).first()
        now = timezone.now()
        if row is None or row.expires_at < now or row.attempts >= CODE_ATTEMPTS:
            raise InvalidInput(_("This code has expired. Start again to receive a new one."), field="code")
        row.attempts += 1
        matched = hmac.compare_digest(row.code_hash, _hash((code or "").strip()))
        row.used_at = now if matched else None
        row.save(update_fields=["attempts", "used_at"])  # a wrong attempt counts: it is committed
        account = (
            portal_account_open(person=row.person, password=password, actor=Actor.person(row.person))
            if matched
            else None
        )
    if account is None:
        raise InvalidInput(_("This code is not the one we sent."), field="code")
    return account
