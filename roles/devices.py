"""Authenticator secrets encrypted at rest.

django-otp keeps a TOTP device's secret in clear (hex) in its ``key`` column. Here it is
encrypted with AES-GCM under ``settings.DEVICE_KEY`` (from the environment; the database never
holds it) and bound to the account, so that a copy of the database, or a row moved to another
account, gives nobody's codes. ``SealedTOTPDevice`` is the same table and rows, reading and
writing the secret so; a secret stored before (hex) is read as it is and sealed at its next save.
"""

import hashlib
import os
from base64 import urlsafe_b64decode, urlsafe_b64encode

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django_otp.plugins.otp_totp.models import TOTPDevice

_SEALED = "s1:"


def _cipher():
    return AESGCM(hashlib.sha256(f"socius-device-key:{settings.DEVICE_KEY}".encode()).digest())


def is_sealed(stored):
    return stored.startswith(_SEALED)


def seal_key(key_hex, user_id):
    """The secret ``key_hex`` encrypted for the account ``user_id`` (fits django-otp's column)."""
    nonce = os.urandom(12)
    sealed = _cipher().encrypt(nonce, bytes.fromhex(key_hex), str(user_id).encode())
    return _SEALED + urlsafe_b64encode(nonce + sealed).decode("ascii")


def unseal_key(stored, user_id):
    """The secret's bytes; a key stored before encryption (hex) is read as it is."""
    if not is_sealed(stored):
        return bytes.fromhex(stored)
    raw = urlsafe_b64decode(stored.removeprefix(_SEALED))
    return _cipher().decrypt(raw[:12], raw[12:], str(user_id).encode())


class SealedTOTPDevice(TOTPDevice):
    """A TOTP device whose secret is stored encrypted (``seal_key``); same table and rows."""

    class Meta:
        proxy = True

    @property
    def bin_key(self):
        return unseal_key(self.key, self.user_id)

    def save(self, *args, **kwargs):
        if not is_sealed(self.key):
            self.key = seal_key(self.key, self.user_id)
        super().save(*args, **kwargs)
