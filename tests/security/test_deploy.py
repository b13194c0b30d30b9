"""The production settings: `check --deploy` finds nothing with the environment the README
documents, every page carries a Content-Security-Policy, HTTPS is enforced, passwords are hashed
with Argon2 (older hashes upgraded at the next login), and the API schema needs a login."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.test import Client, override_settings

from backoffice import settings as production
from tests.browser.support import PASSWORD
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def test_check_deploy_finds_nothing_with_the_documented_production_environment():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SOCIUS_", "DJANGO_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="backoffice.settings",
        SOCIUS_SECRET_KEY=secrets.token_urlsafe(60),
        SOCIUS_AUDIT_KEY=secrets.token_urlsafe(60),
        SOCIUS_DEVICE_KEY=secrets.token_urlsafe(60),
        SOCIUS_ALLOWED_HOSTS="socius.example.org",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    readme = (ROOT / "README.md").read_text()
    assert all(
        name in readme
        for name in ("SOCIUS_SECRET_KEY", "SOCIUS_AUDIT_KEY", "SOCIUS_DEVICE_KEY", "SOCIUS_ALLOWED_HOSTS")
    )


def test_every_page_carries_a_content_security_policy(client):
    for path in ("/login/", "/portal/login/", "/receipts/verify/"):
        policy = client.get(path)["Content-Security-Policy"]
        assert "default-src 'self'" in policy and "frame-ancestors 'self'" in policy, path
        assert "unsafe-inline" not in policy


def test_plain_http_is_sent_to_https_and_told_to_stay_there():
    with override_settings(SECURE_SSL_REDIRECT=True, SECURE_HSTS_SECONDS=production.SECURE_HSTS_SECONDS):
        response = Client().get("/login/")
        assert response.status_code == 301 and response["Location"].startswith("https://")
        secure = Client().get("/login/", secure=True)
        assert secure["Strict-Transport-Security"].startswith(f"max-age={production.SECURE_HSTS_SECONDS}")


def test_passwords_are_hashed_with_argon2_and_older_hashes_upgrade_at_login():
    assert production.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    with override_settings(PASSWORD_HASHERS=production.PASSWORD_HASHERS):
        user = UserFactory(username="old_hash")
        get_user_model().objects.filter(pk=user.pk).update(password=make_password(PASSWORD, hasher="pbkdf2_sha256"))
        user.refresh_from_db()
        assert user.password.startswith("pbkdf2_sha256$")
        assert user.check_password(PASSWORD)
        user.refresh_from_db()
        assert user.password.startswith("argon2$")


def test_the_api_schema_needs_a_login(client):
    assert client.get("/api/schema/").status_code in (401, 403)
    client.force_login(UserFactory(username="api_reader"))
    assert client.get("/api/schema/").status_code == 200
