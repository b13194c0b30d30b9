"""SMS backends. ``settings.SOCIUS_SMS_BACKEND`` names the class (a dotted path); empty means
no SMS gateway: SMS notifications are then recorded as skipped.

The interface a gateway adapter implements (subclass :class:`BaseSmsBackend`)::

    send(message: SmsMessage) -> str

``message.key`` is the notification's unique key. A real gateway adapter MUST hand it to the
gateway as the request's idempotency key (most SMS APIs accept one: a client reference, a
"deduplication id" or an ``Idempotency-Key`` header), so that the gateway sends one SMS however
many times the same key is submitted, and set ``idempotent = True`` on its class. ``send``
returns a short receipt text (the gateway's message id) recorded on the notification; it raises
:class:`SmsError` for a failure worth retrying (gateway down, time-out, throttling). A permanent
refusal (invalid number) also raises :class:`SmsError`: the notification fails once its
retries are spent.

Backends shipped here:

- :class:`LoggingSmsBackend` (the default when DEBUG): logs the message, sends nothing;
- :class:`LocmemSmsBackend`: keeps messages in memory (``sms.outbox``), one per key;
- :class:`FileSmsBackend`: writes one file per key into ``settings.SOCIUS_SMS_FILE_PATH``,
  for a demo machine or an external process that reads the folder.
"""

import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

# What the in-memory backend delivered (one message per key) and every request it received.
outbox = []
requests = []


@dataclass(frozen=True)
class SmsMessage:
    key: str  # the notification's key: the idempotency key for the gateway
    to: str
    body: str


class SmsError(Exception):
    """The SMS was not accepted; the notification task retries it later."""


class BaseSmsBackend:
    # True when a message submitted twice with the same key is delivered once.
    idempotent = False

    def send(self, message):
        raise NotImplementedError("an SMS backend implements send(message) and returns a receipt")


class LoggingSmsBackend(BaseSmsBackend):
    """Development: the message goes to the log, nowhere else."""

    def send(self, message):
        logger.info("SMS %s to %s: %s", message.key, message.to, message.body)
        return "logged"


class LocmemSmsBackend(BaseSmsBackend):
    """In memory, like a gateway honouring idempotency keys: a key already delivered is
    acknowledged again without a second message. Empty ``outbox`` and ``requests`` with
    :func:`reset_outbox`."""

    idempotent = True

    def send(self, message):
        requests.append(message)
        for index, delivered in enumerate(outbox):
            if delivered.key == message.key:
                return f"locmem #{index + 1} (already delivered)"
        outbox.append(message)
        return f"locmem #{len(outbox)}"


class FileSmsBackend(BaseSmsBackend):
    """One file per key in ``settings.SOCIUS_SMS_FILE_PATH``. The file is written under a
    temporary name and then linked to its final name, which fails if that name exists: a
    message appears whole or not at all, and a key is delivered once."""

    idempotent = True

    def __init__(self, path=None):
        path = path or getattr(settings, "SOCIUS_SMS_FILE_PATH", "")
        if not path:
            raise ImproperlyConfigured("FileSmsBackend needs SOCIUS_SMS_FILE_PATH.")
        self.path = Path(path)

    def file_for(self, key):
        return self.path / f"{quote(key, safe='-_.')}.sms"

    def send(self, message):
        target = self.file_for(message.key)
        if target.exists():
            return f"{target.name} (already delivered)"
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            fd, temporary = tempfile.mkstemp(dir=self.path, prefix=".partial-")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as out:
                    out.write(f"To: {message.to}\nKey: {message.key}\n\n{message.body}\n")
                    out.flush()
                    os.fsync(out.fileno())
                try:
                    os.link(temporary, target)
                except FileExistsError:
                    return f"{target.name} (already delivered)"
            finally:
                os.unlink(temporary)
        except OSError as exc:
            raise SmsError(f"cannot write {target}: {exc}") from exc
        return target.name


def reset_outbox():
    outbox.clear()
    requests.clear()


def get_backend(path=None):
    """An instance of the configured SMS backend, or None when no gateway is configured."""
    path = path if path is not None else getattr(settings, "SOCIUS_SMS_BACKEND", "")
    if not path:
        return None
    backend = import_string(path)
    if not (isinstance(backend, type) and issubclass(backend, BaseSmsBackend)):
        raise ImproperlyConfigured(f"{path} is not an SMS backend (cases.sms.BaseSmsBackend).")
    return backend()
