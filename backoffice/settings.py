"""Socius settings. Everything that differs between machines comes from the environment.

SOCIUS_DEBUG=1            development mode (the only mode with a built-in secret key)
SOCIUS_SECRET_KEY         required outside development
SOCIUS_AUDIT_KEY          required outside development: seals the audit trail (never stored in the database)
SOCIUS_DEVICE_KEY         required outside development: encrypts the authenticator secrets at rest
SOCIUS_AUDIT_ANCHORS      where checkpoints are published outside the database (default: var/audit-anchors.jsonl)
SOCIUS_AUDIT_ANCHOR_SECONDS  how often (default 60)
SOCIUS_ALLOWED_HOSTS      comma-separated host names
DATABASE_URL              e.g. postgres://socius@db/socius; default: SQLite in var/
CELERY_BROKER_URL         e.g. redis://127.0.0.1:6379/0; unset = tasks run eagerly in-process
SOCIUS_EMAIL_BACKEND      Django e-mail backend path (default: console in development, SMTP otherwise)
SOCIUS_EMAIL_FILE_PATH    folder for django.core.mail.backends.filebased.EmailBackend
SOCIUS_SMS_BACKEND        SMS backend path (default: cases.sms.LoggingSmsBackend in development, none otherwise)
SOCIUS_SMS_FILE_PATH      folder for cases.sms.FileSmsBackend
SOCIUS_SESSION_IDLE_MINUTES / SOCIUS_SESSION_MAX_HOURS   staff sessions end when idle (30) / after (10 h)
SOCIUS_LOGIN_FAILURES_PER_USERNAME / _PER_ADDRESS / SOCIUS_LOGIN_FAILURE_WINDOW_MINUTES   lockout (5 / 20 / 15)
SOCIUS_TRUSTED_PROXY_COUNT   reverse proxies in front that set X-Forwarded-For (default 0: REMOTE_ADDR)
SOCIUS_HSTS_SECONDS       Strict-Transport-Security max-age (default one year; 0 in development); SOCIUS_HSTS_PRELOAD=0 leaves the preload list
SOCIUS_SSL_REDIRECT       redirect plain HTTP to HTTPS (default on; off in development)
SOCIUS_PROXY_SSL_HEADER   1 when a reverse proxy terminates TLS and sets X-Forwarded-Proto
SOCIUS_PORTAL_HOST        a host name serving the portal at its root (default: none)
SOCIUS_OIDC_*             sign-in through a national identity provider (off unless SOCIUS_OIDC_CLIENT_ID is set)
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("SOCIUS_DEBUG")


def secret_from_environment(name, dev_file):
    """A secret from the environment; in development only, a random one kept in var/."""
    value = os.environ.get(name, "")
    if value:
        return value
    if not DEBUG:
        raise ImproperlyConfigured(f"{name} must be set (or SOCIUS_DEBUG=1 for development).")
    key_file = BASE_DIR / "var" / dev_file
    if not key_file.exists():
        import secrets

        key_file.parent.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(50))
    return key_file.read_text().strip()


SECRET_KEY = secret_from_environment("SOCIUS_SECRET_KEY", ".dev-secret-key")
# The audit trail's sealing key (audit.chain): kept out of the database, so that someone who can
# write to it cannot recompute the hashes of what they change.
AUDIT_KEY = secret_from_environment("SOCIUS_AUDIT_KEY", ".dev-audit-key")
# The key encrypting authenticator secrets at rest (roles.two_factor).
DEVICE_KEY = secret_from_environment("SOCIUS_DEVICE_KEY", ".dev-device-key")

ALLOWED_HOSTS = [h for h in os.environ.get("SOCIUS_ALLOWED_HOSTS", "localhost,127.0.0.1").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "guardian",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "rest_framework",
    "drf_spectacular",
    "viewflow",
    "viewflow.workflow",
    "audit",
    "rules",
    "roles",
    "registry",
    "cases",
    "workflows",
    "backoffice",
    "api",
    "portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "portal.hosts.PortalHostMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "backoffice.language.UserLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "backoffice.middleware.StaffSessionMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "audit.middleware.RequestContextMiddleware",
]

ROOT_URLCONF = "backoffice.urls"
WSGI_APPLICATION = "backoffice.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "backoffice.navigation.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default=f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("SOCIUS_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A waiting writer instead of "database is locked" on the embedded database.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Short indexed queries only: JIT compilation costs seconds on wide joins and gains nothing here.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "roles.backends.UnitPermissionBackend",  # guardian's, with a unit's permission reaching its subtree
]
# guardian looks for its own backend by name; ours is a subclass of it (roles/backends.py).
SILENCED_SYSTEM_CHECKS = ["guardian.W001"]
# Argon2id first; a password stored with an older hasher is re-hashed with it at its next login.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "inbox"
LOGOUT_REDIRECT_URL = "login"
GUARDIAN_RAISE_403 = True
ANONYMOUS_USER_NAME = None

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French")), ("fa", _("Persian"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["backoffice.formats"]
# The installation's zone: "today", due dates and midnight are this zone's (an IANA name).
TIME_ZONE = os.environ.get("SOCIUS_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_ROOT = Path(os.environ.get("SOCIUS_MEDIA_ROOT", BASE_DIR / "var" / "media"))
MEDIA_URL = "media/"

SESSION_COOKIE_HTTPONLY = True
# Staff logins (backoffice/views_account.py, backoffice/security.py, backoffice/middleware.py):
# a password and a TOTP code; lockout on failures per user name and per client address
# (counted in the database, shared by every web process); idle and absolute session limits.
SOCIUS_SESSION_IDLE_MINUTES = int(os.environ.get("SOCIUS_SESSION_IDLE_MINUTES", "30"))
SOCIUS_SESSION_MAX_HOURS = int(os.environ.get("SOCIUS_SESSION_MAX_HOURS", "10"))
SESSION_COOKIE_AGE = SOCIUS_SESSION_MAX_HOURS * 3600
SOCIUS_LOGIN_FAILURES_PER_USERNAME = int(os.environ.get("SOCIUS_LOGIN_FAILURES_PER_USERNAME", "5"))
SOCIUS_LOGIN_FAILURES_PER_ADDRESS = int(os.environ.get("SOCIUS_LOGIN_FAILURES_PER_ADDRESS", "20"))
SOCIUS_LOGIN_FAILURE_WINDOW_MINUTES = int(os.environ.get("SOCIUS_LOGIN_FAILURE_WINDOW_MINUTES", "15"))
SOCIUS_LOGIN_FAILURE_RETENTION_DAYS = int(os.environ.get("SOCIUS_LOGIN_FAILURE_RETENTION_DAYS", "90"))
SOCIUS_TRUSTED_PROXY_COUNT = int(os.environ.get("SOCIUS_TRUSTED_PROXY_COUNT", "0"))
OTP_TOTP_ISSUER = "Socius"
OTP_TOTP_SYNC = False  # accept exactly one step either side of the server's clock
OTP_TOTP_THROTTLE_FACTOR = 0  # the lockout above limits guessing
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
# HTTPS only outside development: HSTS and the redirect (behind a TLS-terminating proxy, trust its
# X-Forwarded-Proto with SOCIUS_PROXY_SSL_HEADER=1).
SECURE_HSTS_SECONDS = int(os.environ.get("SOCIUS_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = env_bool("SOCIUS_HSTS_PRELOAD", SECURE_HSTS_SECONDS >= 31536000)
SECURE_SSL_REDIRECT = env_bool("SOCIUS_SSL_REDIRECT", not DEBUG)
if env_bool("SOCIUS_PROXY_SSL_HEADER"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"  # a document preview allows its own page to frame it (backoffice.views)
# Content-Security-Policy on every page (django-csp): the pages load scripts, styles and images
# only from the site itself, inline code never runs, and no other site may frame them.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'self'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'self'"],
    }
}

# The portal on its own host name (portal/hosts.py): requests to this host are served the portal
# at the root (portal/host_urls.py), and no staff page. Empty: the portal is only under /portal/.
SOCIUS_PORTAL_HOST = os.environ.get("SOCIUS_PORTAL_HOST", "").strip().lower()

# Portal sign-in through a national identity provider (OpenID Connect, portal/oidc.py), off
# unless a client id is set. Endpoints one by one, or a discovery document for the empty ones.
OIDC_RP_CLIENT_ID = os.environ.get("SOCIUS_OIDC_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = os.environ.get("SOCIUS_OIDC_CLIENT_SECRET", "")
if OIDC_RP_CLIENT_ID and not OIDC_RP_CLIENT_SECRET:
    raise ImproperlyConfigured("SOCIUS_OIDC_CLIENT_SECRET must be set with SOCIUS_OIDC_CLIENT_ID.")
SOCIUS_OIDC_DISCOVERY_URL = os.environ.get("SOCIUS_OIDC_DISCOVERY_URL", "")
OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ.get("SOCIUS_OIDC_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = os.environ.get("SOCIUS_OIDC_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = os.environ.get("SOCIUS_OIDC_USERINFO_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = os.environ.get("SOCIUS_OIDC_JWKS_ENDPOINT", "")
SOCIUS_OIDC_ISSUER = os.environ.get("SOCIUS_OIDC_ISSUER", "")
OIDC_RP_SIGN_ALGO = os.environ.get("SOCIUS_OIDC_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = os.environ.get("SOCIUS_OIDC_SCOPES", "openid")
SOCIUS_OIDC_SSN_CLAIM = os.environ.get("SOCIUS_OIDC_SSN_CLAIM", "national_id")
SOCIUS_OIDC_PROVIDER_NAME = os.environ.get("SOCIUS_OIDC_PROVIDER_NAME", "")
OIDC_AUTHENTICATION_CALLBACK_URL = "portal:oidc_callback"
OIDC_USE_PKCE = True
OIDC_TIMEOUT = 10

# viewflow: lock the process row while a task moves (the default is no lock).
VIEWFLOW = {}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
}
# The schema is for signed-in staff only, like the API it describes.
SPECTACULAR_SETTINGS = {
    "TITLE": "Socius API",
    "VERSION": "0.1.0",
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
}

# Celery. With no broker configured, tasks run eagerly in-process (first run, tests on SQLite).
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
# A worker killed mid-task must not lose it: acknowledge only after the task ran (late
# acknowledgement), and when the pool process running it dies (killed, out of memory) reject
# the message so the broker delivers it again; late acknowledgement alone would acknowledge
# it as failed. Every task is therefore written to be run twice safely.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# Each worker process reserves one message at a time: messages queued behind a long task stay
# in the broker for an idle worker instead of waiting, unacknowledged, in a busy worker's
# buffer (where the visibility timeout below would run for them too).
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Redis re-delivers a message not acknowledged within the visibility timeout, even to a
# second worker while the first still holds it. A task published with a countdown/ETA is
# held unacknowledged until its time, so the timeout must exceed the longest countdown/ETA
# we ever schedule (notification retries wait at most 1 hour: cases.tasks.RETRY_DELAYS) and
# the longest task run, or delayed tasks would run twice.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 6 * 3600}
# Every checkpoint is also published outside the database (audit.anchors): a file path (on
# append-only storage), "syslog:/dev/log" or "syslog:host:port"; the beat writes one every
# AUDIT_ANCHOR_SECONDS, which bounds the window of events no published anchor covers yet.
AUDIT_ANCHOR_SINK = os.environ.get("SOCIUS_AUDIT_ANCHORS", str(BASE_DIR / "var" / "audit-anchors.jsonl"))
AUDIT_ANCHOR_SECONDS = float(os.environ.get("SOCIUS_AUDIT_ANCHOR_SECONDS", "60"))
CELERY_BEAT_SCHEDULE = {
    "audit-checkpoint": {"task": "audit.tasks.audit_checkpoint", "schedule": AUDIT_ANCHOR_SECONDS},
    "payment-run": {"task": "cases.tasks.pay_due_claims_task", "schedule": 24 * 3600.0},
    "deadlines": {"task": "cases.tasks.mark_overdue_task", "schedule": 24 * 3600.0},
    # Every minute: a dated role or delegation takes effect within a minute of local midnight.
    "object-permissions": {"task": "roles.tasks.refresh_object_permissions", "schedule": 60.0},
    "notification-sweep": {"task": "cases.tasks.resend_stale_notifications", "schedule": 3600.0},
    "payee-activation": {"task": "cases.tasks.activate_due_payees_task", "schedule": 24 * 3600.0},
    "medical-finality": {"task": "cases.tasks.finalise_medical_decisions_task", "schedule": 24 * 3600.0},
    # Hourly so that every day gets its row even after a restart; only the day's first run writes.
    "queue-snapshot": {"task": "workflows.tasks.queue_snapshot_task", "schedule": 3600.0},
    "login-failures-purge": {"task": "backoffice.tasks.purge_login_failures", "schedule": 24 * 3600.0},
}
AUDIT_HEAD_SOURCES = ["cases.audit_heads.case_heads"]  # chain heads that audit_verify compares

EMAIL_BACKEND = os.environ.get(
    "SOCIUS_EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
DEFAULT_FROM_EMAIL = os.environ.get("SOCIUS_FROM_EMAIL", "no-reply@socius.invalid")
if os.environ.get("SOCIUS_EMAIL_FILE_PATH"):
    EMAIL_FILE_PATH = os.environ["SOCIUS_EMAIL_FILE_PATH"]
# Notifications (cases/notifications.py): e-mail goes through EMAIL_BACKEND above, SMS through
# this backend (a dotted path: cases/sms.py documents the interface a gateway adapter follows).
# Development logs SMS instead of sending them; with no backend configured, SMS notifications
# are recorded as skipped ("no SMS gateway configured") rather than pretending to be sent.
SOCIUS_SMS_BACKEND = os.environ.get("SOCIUS_SMS_BACKEND", "cases.sms.LoggingSmsBackend" if DEBUG else "")
SOCIUS_SMS_FILE_PATH = os.environ.get("SOCIUS_SMS_FILE_PATH", "")  # folder of cases.sms.FileSmsBackend

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("SOCIUS_LOG_LEVEL", "WARNING")},
}
