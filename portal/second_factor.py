"""A person's second factor by a code sent to a contact on file (SMS or e-mail), the portal's
alternative to the authenticator app (``roles.two_factor``); staff keep the app only.

The person chooses at enrolment. The choice is a ``ContactCodeDevice``; each code is a
``OneTimeCode`` (purpose ``login``: a keyed hash, 15 minutes, five attempts) sent through the
notification backends to the contact the registry holds, never to one typed in. Sending is
limited (``portal.services.CODE_RESEND_AFTER``, ``CODE_SENDS_PER_WINDOW``). The login's lockout
(``backoffice.security``) counts wrong codes as it counts wrong authenticator codes."""

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.actors import Actor
from audit.services import record_event
from roles.errors import NotAuthorized

from .models import ContactCodeDevice, OneTimeCode, PortalAccount
from .services import _code_check, _code_send


def person_of_user(user):
    return PortalAccount.objects.select_related("person").get(user=user).person


def contact_device(user):
    """The person's confirmed code-by-contact device, or None."""
    return ContactCodeDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def channels_available(person):
    """The channels a code can reach the person by: a contact on file (SMS with a gateway)."""
    found = []
    if person.phone and settings.SOCIUS_SMS_BACKEND:
        found.append(ContactCodeDevice.Channel.SMS)
    if person.email:
        found.append(ContactCodeDevice.Channel.EMAIL)
    return found


def login_code_send(*, user, channel):
    """Send a login code by ``channel`` to the person's contact on file. Returns the code's id,
    or None when it cannot be sent now (no such contact, or the resend limit)."""
    person = person_of_user(user)
    if channel not in channels_available(person):
        return None
    return _code_send(
        person=person,
        purpose=OneTimeCode.Purpose.LOGIN,
        subject=_("Your login code"),
        body=_("Your code to sign in to your e-services is %(code)s. It is valid for 15 minutes."),
        action="portal_account.login_code_sent",
        channels=[channel],
    )


def login_code_check(*, user, code_id, code):
    """Whether ``code`` is the login code ``code_id`` sent to the user's person (an attempt
    counted either way). Raises ``InvalidInput`` when the code expired or was used up."""
    code = "".join((code or "").split())
    with transaction.atomic():
        _row, matched = _code_check(
            code_id=code_id, purpose=OneTimeCode.Purpose.LOGIN, code=code, person=person_of_user(user)
        )
    return matched


def enrolment_confirm(*, user, channel):
    """Record the person's choice of codes by ``channel``, once a code sent by it came back."""
    with transaction.atomic():
        if (
            TOTPDevice.objects.filter(user=user, confirmed=True).exists()
            or ContactCodeDevice.objects.filter(user=user).exists()
        ):
            raise NotAuthorized(_("A second factor is already set up for this account."))
        device = ContactCodeDevice.objects.create(user=user, name=channel, channel=channel, confirmed=True)
        record_event(
            subject_type="user",
            subject_id=user.pk,
            action="user.second_factor_enrolled",
            actor=Actor.person(person_of_user(user), user=user),
            payload={"username": user.get_username(), "kind": "code", "channel": channel},
        )
        return device
