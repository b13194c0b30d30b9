"""Settings for the test suite: the production settings with test-only secrets and fast hashing."""

import os
import tempfile

os.environ.setdefault("SOCIUS_SECRET_KEY", "test-only-secret-key-not-for-any-deployment")
os.environ.setdefault("SOCIUS_AUDIT_KEY", "test-only-audit-key-not-for-any-deployment")
os.environ.setdefault("SOCIUS_DEVICE_KEY", "test-only-device-key-not-for-any-deployment")

from .settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = os.environ.get("SOCIUS_EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
MEDIA_ROOT = os.environ.get("SOCIUS_MEDIA_ROOT") or tempfile.mkdtemp(prefix="socius-media-")
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
ALLOWED_HOSTS = ["*"]
# Tests run tasks in-process; the integration tests that start a real worker switch this off
# for themselves (tests/integration/worker.py).
CELERY_TASK_ALWAYS_EAGER = True
# Anchoring off: the anchors' own tests point it to a file of their own (tests/audit/test_anchors.py).
AUDIT_ANCHOR_SINK = os.environ.get("SOCIUS_AUDIT_ANCHORS", "")
