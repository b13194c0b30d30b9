"""What the tests need to pass the second factor as a person with an authenticator app would."""

import hashlib
import time

from django_otp.oath import TOTP

from roles.devices import SealedTOTPDevice as TOTPDevice


def key_for(username):
    """A fixed 20-byte key (hex) per user name, so a browser test computes codes without the database."""
    return hashlib.sha256(f"socius-test-totp:{username}".encode()).hexdigest()[:40]


def confirmed_device(user, key=None):
    return TOTPDevice.objects.create(
        user=user, name="authenticator", confirmed=True, key=key or key_for(user.get_username())
    )


def code(key_hex, *, at=None, steps=0):
    """The 6-digit code of ``key_hex`` at Unix time ``at`` (now), ``steps`` time steps later."""
    totp = TOTP(bytes.fromhex(key_hex), step=30, t0=0, digits=6)
    totp.time = (time.time() if at is None else at) + 30 * steps
    return f"{totp.token():06d}"


def step_now():
    return int(time.time()) // 30
