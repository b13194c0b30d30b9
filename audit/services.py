"""Writing the audit trail. Events are only ever inserted.

The caller serialises the events of one subject (cases do so with their row lock); the
unique (subject, seq) constraint turns any lapse into an error instead of a fork.
"""

import datetime as dt
import itertools
import time
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.utils import timezone

from . import anchors
from .actors import as_actor
from .chain import GENESIS, HeadsDigest, checkpoint_hash, event_hash, jsonable
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
    """An unsaved, hashed event following ``head``. For bulk paths; others use record_event.
    ``actor``: an ``audit.actors.Actor``, a staff member's account, or None for an unnamed
    system step of the audit and role machinery itself."""
    who = as_actor(actor) if actor is not None else None
    event = AuditEvent(
        occurred_at=occurred_at or timezone.now(),
        actor=who.user if who is not None else None,
        actor_label=who.label if who is not None else SYSTEM_LABEL,
        actor_kind=who.kind if who is not None else None,
        actor_identity=(who.identity or None) if who is not None else None,
        acting_for=(who.acting_for or None) if who is not None else None,
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


class CheckpointDeferred(Exception):
    """Transactions writing audit events did not end in time; the checkpoint is left for a later run."""


# A checkpoint covers only events older than this margin (their chains have settled).
CHECKPOINT_SETTLE = dt.timedelta(seconds=30)
# How long a checkpoint waits for transactions that are still writing events.
WRITERS_WAIT = dt.timedelta(seconds=10)
_CHECKPOINT_LOCK = 7202611
_BATCH = 5000


def _final_upto(wait):
    """PostgreSQL: an event id below which no event can appear any more.

    Ids come from a sequence, so a transaction may still commit an event whose id is lower
    than that of an event already visible. Read the highest visible id, then wait until every
    transaction that was writing to the table at that moment has ended: any lower id was
    allocated before, by one of those transactions or by one already finished. The wait only
    concerns transactions that hold a write lock on the events table, in this database.
    """
    table = AuditEvent._meta.db_table
    writers_sql = (
        "SELECT virtualtransaction FROM pg_locks WHERE locktype = 'relation' AND granted"
        " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        " AND relation = %s::regclass AND mode = 'RowExclusiveLock' AND pid <> pg_backend_pid()"
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MAX(id) FROM {table}")
        upto = cursor.fetchone()[0]
        cursor.execute(writers_sql, [table])
        pending = {row[0] for row in cursor.fetchall()}
        deadline = time.monotonic() + wait.total_seconds()
        while pending:
            if time.monotonic() >= deadline:
                raise CheckpointDeferred(f"{len(pending)} transaction(s) still writing audit events")
            time.sleep(0.05)
            cursor.execute(writers_sql, [table])
            pending &= {row[0] for row in cursor.fetchall()}
    return upto


def _heads(in_range, tally=None):
    """The head (highest seq) of every chain with events in ``in_range``, sorted by subject.

    Streams; ``tally`` (a dict) receives the number of events and the lowest id seen."""
    rows = (
        in_range.order_by("subject_type", "subject_id", "-seq")
        .values_list("id", "subject_type", "subject_id", "seq", "hash")
        .iterator(chunk_size=10000)
    )
    current = None
    for event_id, subject_type, subject_id, seq, head_hash in rows:
        if tally is not None:
            tally["events"] += 1
            tally["first"] = event_id if tally["first"] is None else min(tally["first"], event_id)
        if (subject_type, subject_id) != current:
            current = (subject_type, subject_id)
            yield subject_type, subject_id, seq, head_hash


def create_checkpoint(*, now=None, settle=None, wait=None):
    """Chain the heads of every chain changed since the last checkpoint. None if nothing new.

    Idempotent: a second run with no new settled event writes nothing. Memory stays flat: the
    changed range is read twice as a stream (digest, then head rows in batches). On PostgreSQL
    it raises CheckpointDeferred when writers do not finish within ``wait``. ``settle`` and
    ``wait`` default to CHECKPOINT_SETTLE and WRITERS_WAIT.
    """
    now = now or timezone.now()
    settle = CHECKPOINT_SETTLE if settle is None else settle
    wait = WRITERS_WAIT if wait is None else wait
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # One checkpoint writer at a time.
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_advisory_xact_lock(%s), current_setting('transaction_isolation')", [_CHECKPOINT_LOCK]
                )
                isolation = cursor.fetchone()[1]
            if isolation != "read committed":
                # Waiting for writers is pointless if this transaction cannot see what they commit.
                raise ImproperlyConfigured(f"create_checkpoint needs READ COMMITTED, not {isolation.upper()}")
        previous = AuditCheckpoint.objects.order_by("-id").first()
        start = previous.last_event_id if previous else 0
        settled = AuditEvent.objects.filter(id__gt=start, occurred_at__lte=now - settle)
        if not settled.exists():
            return None
        if connection.vendor == "postgresql":
            settled = settled.filter(id__lte=_final_upto(wait))
        # On SQLite writers are serialised: none is in progress while this transaction runs.
        last = settled.order_by("-id").values_list("id", flat=True).first()
        if last is None:
            return None
        in_range = AuditEvent.objects.filter(id__gt=start, id__lte=last)
        tally = {"events": 0, "first": None}
        digest = HeadsDigest()
        for head in _heads(in_range, tally):
            digest.add(*head)
        cp = AuditCheckpoint(
            created_at=now,
            first_event_id=tally["first"],
            last_event_id=last,
            event_count=tally["events"],
            head_count=digest.count,
            heads_digest=digest.hexdigest(),
            prev_hash=previous.hash if previous else GENESIS,
        )
        cp.hash = checkpoint_hash(cp)
        cp.save(force_insert=True)
        heads = _heads(in_range)
        while batch := list(itertools.islice(heads, _BATCH)):
            AuditCheckpointHead.objects.bulk_create(
                [
                    AuditCheckpointHead(checkpoint=cp, subject_type=t, subject_id=i, seq=q, hash=h)
                    for t, i, q, h in batch
                ]
            )
        # Also published outside the database once committed (audit.anchors).
        transaction.on_commit(anchors.publish_quietly)
        return cp
