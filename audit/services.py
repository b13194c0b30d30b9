"""Writing the audit trail. Events are only ever inserted.

The caller serialises the events of one subject (cases do so with their row lock); the
unique (subject, seq) constraint turns any lapse into an error instead of a fork.
"""

import datetime as dt
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from .chain import GENESIS, checkpoint_hash, event_hash, heads_digest, jsonable
from .context import current_client_ip, current_request_id
from .models import AuditCheckpoint, AuditCheckpointHead, AuditEvent

SYSTEM_LABEL = "system"


@dataclass(frozen=True)
class ChainHead:
    seq: int
    hash: str


GENESIS_HEAD = ChainHead(seq=0, hash=GENESIS)


def chain_head(subject_type, subject_id):
    last = (
        AuditEvent.objects.filter(subject_type=subject_type, subject_id=str(subject_id))
        .order_by("-seq")
        .values_list("seq", "hash")
        .first()
    )
    return ChainHead(*last) if last else GENESIS_HEAD


def build_event(
    *,
    subject_type,
    subject_id,
    action,
    head,
    actor=None,
    on_behalf_of=None,
    on_behalf_of_id=None,
    org_unit_id=None,
    from_state="",
    to_state="",
    payload=None,
    occurred_at=None,
    request_id=None,
    client_ip=None,
):
    """An unsaved, hashed event following ``head``. For bulk paths; others use record_event."""
    event = AuditEvent(
        occurred_at=occurred_at or timezone.now(),
        actor=actor,
        actor_label=actor.get_username() if actor is not None else SYSTEM_LABEL,
        on_behalf_of_id=on_behalf_of.pk if on_behalf_of is not None else on_behalf_of_id,
        org_unit_id=org_unit_id,
        subject_type=subject_type,
        subject_id=str(subject_id),
        seq=head.seq + 1,
        action=action,
        from_state=from_state or "",
        to_state=to_state or "",
        payload=jsonable(payload),
        request_id=current_request_id() if request_id is None else request_id,
        client_ip=current_client_ip() if client_ip is None else client_ip,
        prev_hash=head.hash,
    )
    event.hash = event_hash(event)
    return event


def record_event(*, subject_type, subject_id, action, head=None, **fields):
    """Append one event to the subject's chain, inside the caller's transaction.

    ``head`` is the chain head the caller already holds (a case keeps it on its locked row);
    without it the head is read from the table.
    """
    if head is None:
        head = chain_head(subject_type, subject_id)
    event = build_event(subject_type=subject_type, subject_id=subject_id, action=action, head=head, **fields)
    event.save(force_insert=True)
    return event


def record_events_bulk(events, batch_size=5000):
    """Insert events made by build_event in bulk (seeding, imports)."""
    return AuditEvent.objects.bulk_create(events, batch_size=batch_size)


# A transaction that inserted an event with a lower id may commit after one with a higher
# id. A checkpoint therefore stops at events older than this margin, so that the events it
# covers have all committed.
CHECKPOINT_SETTLE = dt.timedelta(seconds=30)


def create_checkpoint(*, now=None, settle=CHECKPOINT_SETTLE):
    """Chain the heads of every chain changed since the last checkpoint. None if nothing new."""
    now = now or timezone.now()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # One checkpoint writer at a time.
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(7202611)")
        previous = AuditCheckpoint.objects.order_by("-id").first()
        start = previous.last_event_id if previous else 0
        events = AuditEvent.objects.filter(id__gt=start, occurred_at__lte=now - settle)
        last = events.order_by("-id").values_list("id", flat=True).first()
        if last is None:
            return None
        in_range = AuditEvent.objects.filter(id__gt=start, id__lte=last)
        first = in_range.order_by("id").values_list("id", flat=True).first()
        # The head of each changed chain is its highest seq within the range.
        rows = (
            in_range.order_by("subject_type", "subject_id", "-seq")
            .values_list("subject_type", "subject_id", "seq", "hash")
            .iterator(chunk_size=10000)
        )
        heads = []
        current = None
        for subject_type, subject_id, seq, head_hash in rows:
            if (subject_type, subject_id) != current:
                current = (subject_type, subject_id)
                heads.append((subject_type, subject_id, seq, head_hash))
        cp = AuditCheckpoint(
            created_at=now,
            first_event_id=first,
            last_event_id=last,
            event_count=in_range.count(),
            head_count=len(heads),
            heads_digest=heads_digest(heads),
            prev_hash=previous.hash if previous else GENESIS,
        )
        cp.hash = checkpoint_hash(cp)
        cp.save(force_insert=True)
        AuditCheckpointHead.objects.bulk_create(
            [AuditCheckpointHead(checkpoint=cp, subject_type=t, subject_id=i, seq=s, hash=h) for t, i, s, h in heads],
            batch_size=10000,
        )
        return cp
