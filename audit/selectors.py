"""Reading the audit trail: search, export stream, subject scope, verification runs.

Every read takes ``units``: the org units whose events the reader may see (a set of ids), or
None for the whole trail (an auditor at the central office). Events carry the unit they
happened in; an event without one is seen only with the whole trail. Results come newest
first, by (occurred_at, id), one keyset page at a time; each filter has an index that gives
that order (see the model's indexes), so no query grows with the size of the trail.
"""

import base64
import binascii
import datetime as dt
import json
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Q

from .models import AuditEvent, VerificationRun

PAGE_SIZE = 50
EXPORT_CHUNK = 2000


class InvalidCursor(ValueError):
    pass


@dataclass(frozen=True)
class EventFilters:
    """What the auditor searches for. Usernames are resolved to ids by ``search_events``."""

    subject_type: str = ""
    subject_id: str = ""
    actor: str = ""  # username
    on_behalf_of: str = ""  # username
    action: str = ""
    since: dt.datetime | None = None  # inclusive
    before: dt.datetime | None = None  # exclusive

    def as_dict(self):
        return {
            "subject_type": self.subject_type,
            "subject_id": self.subject_id,
            "actor": self.actor,
            "on_behalf_of": self.on_behalf_of,
            "action": self.action,
            "since": self.since.isoformat() if self.since else "",
            "before": self.before.isoformat() if self.before else "",
        }


@dataclass
class Page:
    rows: list
    next_cursor: str | None


def encode_cursor(event):
    raw = json.dumps([event.occurred_at.isoformat(), event.pk], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor):
    """(occurred_at, id) from ``encode_cursor``; InvalidCursor if it is not one."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        at, pk = json.loads(base64.urlsafe_b64decode(padded.encode()))
        at = dt.datetime.fromisoformat(at)
        if at.tzinfo is None or not isinstance(pk, int):
            raise ValueError(cursor)
    except (ValueError, TypeError, binascii.Error, UnicodeError):
        raise InvalidCursor(cursor) from None
    return at, pk


def _after(at, pk):
    return Q(occurred_at__lte=at) & (Q(occurred_at__lt=at) | Q(id__lt=pk))


def in_scope(units):
    """The events a reader with ``units`` may see."""
    return Q() if units is None else Q(org_unit_id__in=units)


def _user_ids(filters):
    """{field: user id} for the usernames the filters name, in one query; None if one is unknown."""
    wanted = {field: getattr(filters, field) for field in ("actor", "on_behalf_of") if getattr(filters, field)}
    if not wanted:
        return {}
    found = dict(get_user_model().objects.filter(username__in=set(wanted.values())).values_list("username", "pk"))
    if any(name not in found for name in wanted.values()):
        return None
    return {f"{field}_id": found[name] for field, name in wanted.items()}


def _events(filters, units):
    """The matching events in scope (a queryset), or None when a named user does not exist."""
    users = _user_ids(filters)
    if users is None:
        return None
    q = in_scope(units) & Q(**users)
    if filters.subject_type:
        q &= Q(subject_type=filters.subject_type)
    if filters.subject_id:
        q &= Q(subject_id=str(filters.subject_id))
    if filters.action:
        q &= Q(action=filters.action)
    if filters.since:
        q &= Q(occurred_at__gte=filters.since)
    if filters.before:
        q &= Q(occurred_at__lt=filters.before)
    return AuditEvent.objects.filter(q).order_by("-occurred_at", "-id")


def search_events(filters, *, units, after=None, limit=None):
    """One page of matching events in scope, newest first, with who acted on whose behalf.

    One query for the usernames the filters name (when they name some), one for the page.
    ``after``: a cursor from the previous page (InvalidCursor if it is not one)."""
    limit = limit or PAGE_SIZE
    cursor = decode_cursor(after) if after else None
    events = _events(filters, units)
    if events is None:
        return Page(rows=[], next_cursor=None)
    if cursor is not None:
        events = events.filter(_after(*cursor))
    rows = list(events.select_related("on_behalf_of")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows=rows, next_cursor=encode_cursor(rows[-1]) if more and rows else None)


def iter_events(filters, *, units, chunk=None):
    """Every matching event in scope, newest first, read in keyset chunks of ``chunk`` rows
    (each chunk one query, with no cursor held open between them): memory stays flat."""
    chunk = chunk or EXPORT_CHUNK
    events = _events(filters, units)
    if events is None:
        return
    events = events.select_related("on_behalf_of")
    position = None
    while True:
        batch = events.filter(_after(*position)) if position else events
        rows = list(batch[:chunk])
        yield from rows
        if len(rows) < chunk:
            return
        position = (rows[-1].occurred_at, rows[-1].pk)


def subject_in_scope(subject_type, subject_id, units):
    """Whether the subject has events and the reader may see all of them (two queries at most)."""
    events = AuditEvent.objects.filter(subject_type=subject_type, subject_id=str(subject_id))
    if not events.exists():
        return False
    if units is None:
        return True
    return not events.filter(Q(org_unit_id__isnull=True) | ~Q(org_unit_id__in=units)).exists()


def chain_summary(subject_type, subject_id):
    """(number of events, head seq, head hash, first and last time) of one subject's chain."""
    events = AuditEvent.objects.filter(subject_type=subject_type, subject_id=str(subject_id))
    head = events.order_by("-seq").values("seq", "hash", "occurred_at").first()
    first = events.order_by("seq").values_list("occurred_at", flat=True).first()
    if head is None:
        return None
    return {
        "length": head["seq"],
        "head_seq": head["seq"],
        "head_hash": head["hash"],
        "first_at": first,
        "last_at": head["occurred_at"],
    }


def recent_runs(limit=20):
    return list(VerificationRun.objects.select_related("requested_by").order_by("-requested_at", "-id")[:limit])


def verification_run(run_id):
    return VerificationRun.objects.select_related("requested_by").filter(pk=run_id).first()


def run_in_progress():
    return VerificationRun.objects.filter(in_progress=True).first()
