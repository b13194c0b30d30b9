"""The second factor of staff logins: one TOTP device per account (RFC 6238, 30 s, 6 digits,
one step either side), kept by django-otp's TOTPDevice.

A device is made unconfirmed when its holder first signs in with a password; its secret is
shown only while it is unconfirmed, and the first valid code confirms it. Verification locks the
device row, and a code is accepted only at a later time step than the last one accepted, so a
code cannot be used twice. An administrator can reset an account's device; the holder then
enrols a new one at their next login.

The device's secret is kept encrypted (AES-GCM under ``settings.DEVICE_KEY``, a key from the
environment that the database never holds, bound to the account): a copy of the database
does not give the codes of anyone's authenticator. ``SealedTOTPDevice`` is django-otp's device
(``roles.devices``) reading and writing it so; every use of a device goes through this module.
"""

from base64 import b32encode

from django.db import transaction
from django.utils.translation import gettext as _

from .devices import SealedTOTPDevice
from .errors import InvalidInput, NotAuthorized
from .services import _account_authority, _audit

DEVICE_NAME = "authenticator"
DIGITS = 6


def confirmed_device(user):
    """The user's confirmed device, or None."""
    return SealedTOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def enrolment_device(user):
    """The unconfirmed device the user is enrolling (made on first call). Refused once a
    confirmed device exists: its secret is never shown again."""
    with transaction.atomic():
        if SealedTOTPDevice.objects.filter(user=user, confirmed=True).exists():
            raise NotAuthorized(_("A second factor is already set up for this account."))
        device = SealedTOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
        if device is None:
            device = SealedTOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False, digits=DIGITS)
        return device


def secret_base32(device):
    return b32encode(device.bin_key).decode("ascii")


def _clean_token(token):
    token = "".join((token or "").split())
    if len(token) != DIGITS or not token.isdigit():
        return None
    return token


def _verify(device_id, token):
    """Check ``token`` against the locked device row; True when accepted (and then spent)."""
    device = SealedTOTPDevice.objects.select_for_update().filter(pk=device_id).first()
    if device is None:
        return None
    return device if device.verify_token(token) else None


def code_verify(*, user, token):
    """The device that accepted ``token`` from the user's confirmed device, or None."""
    token = _clean_token(token)
    device = confirmed_device(user)
    if token is None or device is None:
        return None
    with transaction.atomic():
        return _verify(device.pk, token)


def enrolment_confirm(*, user, device_id, token):
    """Confirm the enrolling device with a first valid code; returns the device, or None."""
    token = _clean_token(token)
    if token is None:
        return None
    with transaction.atomic():
        if SealedTOTPDevice.objects.filter(user=user, confirmed=True).exists():
            raise NotAuthorized(_("A second factor is already set up for this account."))
        if not SealedTOTPDevice.objects.filter(pk=device_id, user=user, confirmed=False).exists():
            return None
        device = _verify(device_id, token)
        if device is None:
            return None
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        _audit("user", user.pk, "user.second_factor_enrolled", actor=user, payload={"username": user.get_username()})
        return device


def second_factor_reset(*, actor, user):
    """Remove the account's devices; the holder enrols again at their next login. The actor
    manages staff at every unit where the person holds a role, of a rank no higher than theirs;
    nobody resets their own."""
    with transaction.atomic():
        if actor is not None and actor.pk == user.pk:
            raise NotAuthorized(_("You cannot reset your own second factor; another administrator must."))
        held = _account_authority(actor, user)
        deleted, _detail = SealedTOTPDevice.objects.filter(user=user).delete()
        if not deleted:
            raise InvalidInput(_("This account has no second factor to reset."))
        _audit(
            "user",
            user.pk,
            "user.second_factor_reset",
            actor=actor,
            unit=held[0][1] if held else None,
            payload={"username": user.get_username()},
        )
        return deleted
