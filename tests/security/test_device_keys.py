"""Authenticator secrets are kept encrypted: the database alone gives nobody's codes."""

import importlib

import pytest
from cryptography.exceptions import InvalidTag
from django.apps import apps
from django.db import connection

from roles import two_factor
from roles.devices import SealedTOTPDevice, is_sealed
from tests.factories import UserFactory
from tests.security import totp

pytestmark = pytest.mark.django_db


def stored_key(device):
    with connection.cursor() as cursor:
        cursor.execute("SELECT key FROM otp_totp_totpdevice WHERE id = %s", [device.pk])
        return cursor.fetchone()[0]


def test_an_enrolled_secret_is_stored_encrypted_and_codes_still_work():
    user = UserFactory()
    device = two_factor.enrolment_device(user)
    secret = device.bin_key
    stored = stored_key(device)
    assert is_sealed(stored) and secret.hex() not in stored and len(stored) <= 80
    assert SealedTOTPDevice.objects.get(pk=device.pk).bin_key == secret
    assert two_factor.enrolment_confirm(user=user, device_id=device.pk, token=totp.code(secret.hex())) is not None
    assert two_factor.code_verify(user=user, token=totp.code(secret.hex(), steps=1)) is not None


def test_the_secret_needs_the_key_from_the_environment_and_the_account_it_was_sealed_for(settings):
    user, other = UserFactory(), UserFactory()
    device = totp.confirmed_device(user)
    original = settings.DEVICE_KEY
    settings.DEVICE_KEY = "another key"
    with pytest.raises(InvalidTag):
        _ = SealedTOTPDevice.objects.get(pk=device.pk).bin_key
    settings.DEVICE_KEY = original
    assert SealedTOTPDevice.objects.get(pk=device.pk).bin_key.hex() == totp.key_for(user.get_username())
    moved = SealedTOTPDevice(user=other, key=stored_key(device), name="moved")
    with pytest.raises(InvalidTag):
        _ = moved.bin_key


def test_secrets_stored_in_clear_before_are_sealed_by_the_migration():
    user = UserFactory()
    clear = totp.key_for(user.get_username())
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO otp_totp_totpdevice (user_id, name, confirmed, key, step, t0, digits, tolerance, drift, "
            "last_t, throttling_failure_timestamp, throttling_failure_count) "
            "VALUES (%s, 'old', %s, %s, 30, 0, 6, 1, 0, -1, NULL, 0)",
            [user.pk, True, clear],
        )
    migration = importlib.import_module("roles.migrations.0006_sealed_totp_device")
    migration.seal_existing_keys(apps, None)
    device = SealedTOTPDevice.objects.get(user=user)
    assert is_sealed(stored_key(device)) and device.bin_key.hex() == clear
