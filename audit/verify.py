"""Verification of every chain, every checkpoint and the chain heads other apps keep.

Everything is read as a stream (server-side cursors on PostgreSQL, inside one read-only
REPEATABLE READ transaction so that all passes see the same snapshot); memory stays flat
whatever the number of events. The number of queries does not grow with the number of
checkpoints; it grows with the number of recorded heads only by one query per batch.

Passes, each stopping at the first problem unless asked for all of them:

1. chains: every subject's events, in sequence order, link to each other and match their hash;
2. checkpoints: they chain, match their hash and their list of heads, each head still exists
   (whole chains or checkpointed tails removed), and the events they covered are all there;
3. head sources (``settings.AUDIT_HEAD_SOURCES``): callables yielding
   ``(subject_type, subject_id, seq, hash)`` for chains whose head another table records
   (a case keeps its head on its row); a tail removed after the last checkpoint shows here.

``expected_checkpoints`` names checkpoints recorded outside the database (id and hash), so
that removing the newest checkpoints is detected too.
"""

import itertools
from collections import namedtuple
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Func, IntegerField, OuterRef, Subquery
from django.utils.module_loading import import_string

from . import anchors as anchors_module
from .chain import GENESIS, HeadsDigest, checkpoint_hash, event_hash
from .models import AuditCheckpoint, AuditCheckpointHead, AuditEvent

# Attribute names are those chain.event_hash reads.
_EVENT_FIELDS = (
    "id",
    "occurred_at",
    "actor_id",
    "actor_label",
    "actor_kind",
    "actor_identity",
    "acting_for",
    "on_behalf_of_id",
    "org_unit_id",
    "subject_type",
    "subject_id",
    "seq",
    "action",
    "from_state",
    "to_state",
    "payload",
    "request_id",
    "client_ip",
    "prev_hash",
    "hash",
)
_Event = namedtuple("_Event", _EVENT_FIELDS)
_CHUNK = 5000
_EVENTS = AuditEvent._meta.db_table
_HEADS = AuditCheckpointHead._meta.db_table


@dataclass
class VerifyResult:
    events_checked: int = 0
    chains_checked: int = 0
    checkpoints_checked: int = 0
    heads_checked: int = 0
    anchors_checked: int = 0
    problems: list = field(default_factory=list)

    @property
    def ok(self):
        return not self.problems


class _Stop(Exception):
    """The first problem was found and only the first was asked for."""


class _Problems:
    def __init__(self, result, stop_at_first):
        self.result = result
        self.stop_at_first = stop_at_first

    def add(self, problem):
        self.result.problems.append(problem)
        if self.stop_at_first:
            raise _Stop()


@contextmanager
def _read_snapshot():
    """One consistent snapshot for every pass, and server-side cursors that stream.

    Outside a transaction Django declares PostgreSQL cursors WITH HOLD, which materialises
    the whole result before the first row arrives; inside one they stream.
    """
    if connection.vendor != "postgresql":
        yield
        return
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                # Plan the cursors for reading every row, not for a fast first row.
                cursor.execute("SET LOCAL cursor_tuple_fraction = 1.0")
        yield


@contextmanager
def _closing(iterator):
    """Close a stream (generators hold cursors) before its transaction ends, also on early stops."""
    try:
        yield iterator
    finally:
        close = getattr(iterator, "close", None)
        if close is not None:
            close()


def _stream(sql, params=()):
    cursor = connection.chunked_cursor()
    try:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(_CHUNK):
            yield from rows
    finally:
        cursor.close()


def _verify_chains(result, problems):
    rows = AuditEvent.objects.order_by("subject_type", "subject_id", "seq").values_list(*_EVENT_FIELDS)
    with _closing(rows.iterator(chunk_size=_CHUNK)) as stream:
        _check_chains(stream, result, problems)


def _check_chains(stream, result, problems):
    current = None
    expected_seq = 1
    prev_hash = GENESIS
    for values in stream:
        event = _Event(*values)
        result.events_checked += 1
        subject = (event.subject_type, event.subject_id)
        if subject != current:
            current = subject
            result.chains_checked += 1
            expected_seq = 1
            prev_hash = GENESIS
        where = f"event {event.id} ({event.subject_type}:{event.subject_id} #{event.seq})"
        if event.seq != expected_seq:
            problems.add(f"{where}: expected sequence #{expected_seq}; an event is missing or out of order")
        elif event.prev_hash != prev_hash:
            problems.add(f"{where}: link to the previous event is broken")
        elif event_hash(event) != event.hash:
            problems.add(f"{where}: content does not match its hash (edited)")
        expected_seq = event.seq + 1
        prev_hash = event.hash


def _checkpoint_heads():
    """Every checkpoint head with the event it names (if it still exists), by checkpoint."""
    return _stream(
        f"""SELECT h.checkpoint_id, h.subject_type, h.subject_id, h.seq, h.hash, e.id, e.hash
            FROM {_HEADS} h
            LEFT JOIN {_EVENTS} e
              ON e.subject_type = h.subject_type AND e.subject_id = h.subject_id AND e.seq = h.seq
            ORDER BY h.checkpoint_id, h.subject_type, h.subject_id"""
    )


def _verify_checkpoints(result, problems):
    # The events each checkpoint covered that remain, counted in the same query.
    remaining = Subquery(
        AuditEvent.objects.filter(id__gte=OuterRef("first_event_id"), id__lte=OuterRef("last_event_id"))
        .order_by()
        .annotate(n=Func(F("id"), function="COUNT", output_field=IntegerField()))
        .values("n")
    )
    checkpoints = AuditCheckpoint.objects.annotate(remaining=remaining).order_by("id")
    # Closed before the transaction ends, also when stopping early: PostgreSQL cursors die with it.
    with _closing(checkpoints.iterator(chunk_size=1000)) as stream, _closing(_checkpoint_heads()) as heads:
        _check_checkpoints(stream, heads, result, problems)


def _check_checkpoints(checkpoints, heads, result, problems):
    prev_hash = GENESIS
    prev_last = 0
    head = next(heads, None)
    for cp in checkpoints:
        result.checkpoints_checked += 1
        where = f"checkpoint {cp.pk}"
        while head is not None and head[0] < cp.pk:
            problems.add(f"checkpoint {head[0]}: its row is missing but its chain heads remain (removed)")
            head = next(heads, None)
        digest = HeadsDigest()
        lost = None
        while head is not None and head[0] == cp.pk:
            _, subject_type, subject_id, seq, head_hash, event_id, event_hash_now = head
            digest.add(subject_type, subject_id, seq, head_hash)
            if lost is None and (
                event_id is None or event_hash_now != head_hash or not cp.first_event_id <= event_id <= cp.last_event_id
            ):
                lost = (subject_type, subject_id, seq)
            head = next(heads, None)
        if checkpoint_hash(cp) != cp.hash:
            problems.add(f"{where}: content does not match its hash (edited)")
        if cp.prev_hash != prev_hash:
            problems.add(f"{where}: link to the previous checkpoint is broken (a checkpoint was removed or replaced)")
        if cp.first_event_id <= prev_last:
            problems.add(f"{where}: overlaps the previous checkpoint")
        if lost is not None:
            problems.add(
                f"{where}: chain {lost[0]}:{lost[1]} lost or changed its event #{lost[2]} "
                "(chain or tail removed after the checkpoint)"
            )
        if digest.count != cp.head_count or digest.hexdigest() != cp.heads_digest:
            problems.add(f"{where}: its list of chain heads was altered")
        if cp.remaining != cp.event_count:
            problems.add(f"{where}: covered {cp.event_count} events, {cp.remaining} remain (events removed or added)")
        prev_hash = cp.hash
        prev_last = cp.last_event_id
    while head is not None:
        problems.add(f"checkpoint {head[0]}: its row is missing but its chain heads remain (removed)")
        head = next(heads, None)


def _anchor_batches(anchors, size=500):
    iterator = iter(anchors)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def _verify_anchors(result, problems, anchors):
    """The checkpoints published outside the database (``audit.anchors``) must be in it as they
    were published. Where one is missing or differs, the heads it anchored are checked against
    the events, so that the problem names the first event that differs (a tail or a whole chain
    removed, then the checkpoints rewritten) before the checkpoint itself."""
    for batch in _anchor_batches(anchors):
        held = dict(AuditCheckpoint.objects.filter(pk__in=[a.pk for a in batch]).values_list("pk", "hash"))
        for anchor in batch:
            result.anchors_checked += 1
            if held.get(anchor.pk) == anchor.hash:
                continue
            _check_anchored_heads(anchor, problems)
            if anchor.pk not in held:
                problems.add(f"checkpoint {anchor.pk}: published outside the database but missing from it (removed)")
            else:
                problems.add(f"checkpoint {anchor.pk}: differs from the one published outside the database (replaced)")


def _check_anchored_heads(anchor, problems):
    """Each head the anchor names must still be in its chain with its hash."""
    size = _head_batch_size()
    for start in range(0, len(anchor.heads), size):
        rows = _against_events(anchor.heads[start : start + size])
        for subject_type, subject_id, seq, anchored_hash, event_id, event_hash_now, last_seq in rows:
            if event_hash_now == anchored_hash:
                continue
            where = f"chain {subject_type}:{subject_id}"
            if last_seq is None:
                problems.add(
                    f"{where}: removed; checkpoint {anchor.pk}, published outside the database, "
                    f"anchored its events #1 to #{seq}"
                )
            elif event_id is None:
                problems.add(
                    f"{where}: event #{last_seq + 1} and the following ones up to #{seq} removed; "
                    f"checkpoint {anchor.pk}, published outside the database, anchored #{seq}"
                )
            else:
                problems.add(
                    f"event {event_id} ({subject_type}:{subject_id} #{seq}): differs from the hash checkpoint "
                    f"{anchor.pk} published outside the database"
                )


def _verify_expected(result, problems, expected):
    for cp_id, cp_hash in expected:
        found = AuditCheckpoint.objects.filter(pk=cp_id).values_list("hash", flat=True).first()
        if found is None:
            problems.add(f"checkpoint {cp_id}: recorded outside the database but missing (removed)")
        elif found != cp_hash:
            problems.add(f"checkpoint {cp_id}: its hash differs from the one recorded outside the database")


def _head_batch_size():
    limit = connection.features.max_query_params
    return 2000 if limit is None else max(1, min(2000, limit // 5))


def _against_events(heads):
    """Each of ``heads`` ((subject_type, subject_id, seq, hash), at most ``_head_batch_size()``)
    beside the event at that place of its chain and the chain's last sequence number, in one
    query: (subject_type, subject_id, seq, hash, event id, event hash, last seq), in the heads'
    order; the event's id and hash are None where it is missing."""
    values = ", ".join(["(%s, %s, %s, %s, %s)"] * len(heads))
    params = [value for position, head in enumerate(heads) for value in (position, *head)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT s.column2, s.column3, s.column4, s.column5, e.id, e.hash,
                       (SELECT MAX(m.seq) FROM {_EVENTS} m
                         WHERE m.subject_type = s.column2 AND m.subject_id = s.column3)
                FROM (VALUES {values}) AS s
                LEFT JOIN {_EVENTS} e
                  ON e.subject_type = s.column2 AND e.subject_id = s.column3 AND e.seq = s.column4
                ORDER BY s.column1""",
            params,
        )
        return cursor.fetchall()


def _check_heads(batch, source, problems):
    """Compare recorded heads with the chains in one query: the recorded event must exist with
    the recorded hash and be the chain's last."""
    rows = _against_events(batch)
    for subject_type, subject_id, seq, recorded_hash, _event_id, actual_hash, last_seq in rows:
        if actual_hash == recorded_hash and last_seq == seq:
            continue
        where = f"chain {subject_type}:{subject_id}: {source} records its head as #{seq}"
        if last_seq is None:
            problems.add(f"{where}, but the chain has no events (chain removed)")
        elif last_seq < seq:
            problems.add(f"{where}, but the chain ends at #{last_seq} (tail removed)")
        elif last_seq > seq:
            problems.add(
                f"{where}, but the chain goes on to #{last_seq} (written outside the service, or the record was changed)"
            )
        else:
            problems.add(f"{where}, but event #{seq} does not match the recorded hash (edited)")


def _verify_head_sources(result, problems, sources):
    size = _head_batch_size()
    for path in sources:
        source = import_string(path)
        with _closing(iter(source())) as heads:
            while batch := [
                (subject_type, str(subject_id), seq, head_hash)
                for subject_type, subject_id, seq, head_hash in itertools.islice(heads, size)
            ]:
                result.heads_checked += len(batch)
                _check_heads(batch, path, problems)


def verify_all(*, stop_at_first=True, head_sources=None, expected_checkpoints=(), anchors=None):
    """Verify the whole trail. ``head_sources`` defaults to ``settings.AUDIT_HEAD_SOURCES``;
    ``expected_checkpoints``: (id, hash) pairs recorded outside the database; ``anchors``:
    the published checkpoints (``audit.anchors.read``), by default those of the configured sink.
    An anchor that cannot be read is itself a problem."""
    if head_sources is None:
        head_sources = getattr(settings, "AUDIT_HEAD_SOURCES", ())
    result = VerifyResult()
    problems = _Problems(result, stop_at_first)
    try:
        with _read_snapshot():
            _verify_chains(result, problems)
            try:
                published = anchors_module.published() if anchors is None else anchors
                _verify_anchors(result, problems, published or ())
            except anchors_module.AnchorError as exc:
                problems.add(str(exc))
            _verify_checkpoints(result, problems)
            _verify_expected(result, problems, expected_checkpoints)
            _verify_head_sources(result, problems, head_sources)
    except _Stop:
        pass
    return result


def _verify_subject_checkpoints(subject_type, subject_id, problems):
    """Every head a checkpoint recorded for the subject must still be in its chain, unchanged."""
    recorded = (
        AuditCheckpointHead.objects.filter(subject_type=subject_type, subject_id=subject_id)
        .order_by("seq", "checkpoint_id")
        .values_list("checkpoint_id", "seq", "hash")
    )
    heads = list(recorded)
    if not heads:
        return 0
    found = dict(
        AuditEvent.objects.filter(
            subject_type=subject_type, subject_id=subject_id, seq__in={seq for _, seq, _ in heads}
        ).values_list("seq", "hash")
    )
    for checkpoint_id, seq, head_hash in heads:
        if found.get(seq) != head_hash:
            problems.add(
                f"checkpoint {checkpoint_id}: chain {subject_type}:{subject_id} lost or changed its event #{seq} "
                "(chain or tail removed after the checkpoint)"
            )
    return len(heads)


def verify_subject(subject_type, subject_id, *, recorded_heads=(), stop_at_first=True):
    """Verify one subject's chain: its events in sequence order link to each other and match
    their hash, the heads checkpoints recorded for it are still there, and ``recorded_heads``
    ((source, seq, hash) kept elsewhere, such as a case row's head) name the chain's last event.

    The subject's own queries only (its events by the chain constraint, its checkpoint heads by
    their subject index): cheap enough to answer a page.
    """
    subject_id = str(subject_id)
    result = VerifyResult()
    problems = _Problems(result, stop_at_first)
    try:
        with _read_snapshot():
            rows = (
                AuditEvent.objects.filter(subject_type=subject_type, subject_id=subject_id)
                .order_by("seq")
                .values_list(*_EVENT_FIELDS)
            )
            with _closing(rows.iterator(chunk_size=_CHUNK)) as stream:
                _check_chains(stream, result, problems)
            result.checkpoints_checked += _verify_subject_checkpoints(subject_type, subject_id, problems)
            for source, seq, head_hash in recorded_heads:
                result.heads_checked += 1
                _check_heads([(subject_type, subject_id, seq, head_hash)], source, problems)
    except _Stop:
        pass
    return result
