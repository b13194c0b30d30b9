"""Canonical encoding and hashing of audit events and checkpoints.

Events and checkpoints are sealed with HMAC-SHA256 under the audit key (``settings.AUDIT_KEY``,
from the environment; the database never holds it): someone who can write to the database but
does not have the key cannot recompute the hashes after changing a record."""

import datetime as dt
import hashlib
import hmac
import json
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

GENESIS = "0" * 64


def audit_key():
    key = getattr(settings, "AUDIT_KEY", "")
    if not key:
        raise ImproperlyConfigured("AUDIT_KEY (SOCIUS_AUDIT_KEY) must be set to seal the audit trail.")
    return key.encode() if isinstance(key, str) else key


def seal(data):
    """HMAC-SHA256 under the audit key of ``data``'s canonical JSON encoding."""
    return hmac.new(audit_key(), _canonical(data).encode(), hashlib.sha256).hexdigest()


def _default(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    raise TypeError(f"not JSON-encodable in an audit record: {type(value).__name__}")


def jsonable(payload):
    """Payload as stored: JSON-native values only (Decimal and dates become strings)."""
    return json.loads(json.dumps(payload or {}, default=_default))


def _canonical(data):
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_default)


def _ts(value):
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def event_hash(event):
    data = {
        "occurred_at": _ts(event.occurred_at),
        "actor": event.actor_id,
        "actor_label": event.actor_label,
        "on_behalf_of": event.on_behalf_of_id,
        "org_unit": event.org_unit_id,
        "subject_type": event.subject_type,
        "subject_id": str(event.subject_id),
        "seq": event.seq,
        "action": event.action,
        "from_state": event.from_state,
        "to_state": event.to_state,
        "payload": event.payload,
        "request_id": event.request_id,
        "client_ip": event.client_ip,
        "prev_hash": event.prev_hash,
    }
    # The actor's kind, identity and whom it acted for are hashed when recorded (events written
    # before they existed have none, and keep their hashes).
    for key in ("actor_kind", "actor_identity", "acting_for"):
        value = getattr(event, key, None)
        if value:
            data[key] = value
    return seal(data)


class HeadsDigest:
    """sha256 over chain heads fed one at a time, in the order of (subject_type, subject_id)."""

    def __init__(self):
        self._sha = hashlib.sha256()
        self.count = 0

    def add(self, subject_type, subject_id, seq, head_hash):
        self._sha.update(f"{subject_type}|{subject_id}|{seq}|{head_hash}\n".encode())
        self.count += 1

    def hexdigest(self):
        return self._sha.hexdigest()


def heads_digest(heads):
    """heads: iterable of (subject_type, subject_id, seq, hash), already sorted."""
    digest = HeadsDigest()
    for head in heads:
        digest.add(*head)
    return digest.hexdigest()


def checkpoint_hash(cp):
    data = {
        "created_at": _ts(cp.created_at),
        "first_event_id": cp.first_event_id,
        "last_event_id": cp.last_event_id,
        "event_count": cp.event_count,
        "head_count": cp.head_count,
        "heads_digest": cp.heads_digest,
        "prev_hash": cp.prev_hash,
    }
    return seal(data)
