"""Verification of every chain and checkpoint. Reads in streams; memory stays flat."""

from dataclasses import dataclass, field

from django.db import connection

from .chain import GENESIS, checkpoint_hash, event_hash, heads_digest
from .models import AuditCheckpoint, AuditCheckpointHead, AuditEvent


@dataclass
class VerifyResult:
    events_checked: int = 0
    chains_checked: int = 0
    checkpoints_checked: int = 0
    problems: list = field(default_factory=list)

    @property
    def ok(self):
        return not self.problems


def _verify_chains(result, stop_at_first):
    current = None
    expected_seq = 1
    prev_hash = GENESIS
    rows = AuditEvent.objects.order_by("subject_type", "subject_id", "seq").iterator(chunk_size=5000)
    for event in rows:
        result.events_checked += 1
        subject = (event.subject_type, event.subject_id)
        if subject != current:
            current = subject
            result.chains_checked += 1
            expected_seq = 1
            prev_hash = GENESIS
        where = f"event {event.pk} ({event.subject_type}:{event.subject_id} #{event.seq})"
        problem = None
        if event.seq != expected_seq:
            problem = f"{where}: expected sequence #{expected_seq}; an event is missing or out of order"
        elif event.prev_hash != prev_hash:
            problem = f"{where}: link to the previous event is broken"
        elif event_hash(event) != event.hash:
            problem = f"{where}: content does not match its hash (edited)"
        if problem:
            result.problems.append(problem)
            if stop_at_first:
                return
        expected_seq = event.seq + 1
        prev_hash = event.hash


def _verify_checkpoints(result, stop_at_first):
    prev_hash = GENESIS
    prev_last = 0
    table = AuditEvent._meta.db_table
    heads_table = AuditCheckpointHead._meta.db_table
    for cp in AuditCheckpoint.objects.order_by("id").iterator(chunk_size=1000):
        result.checkpoints_checked += 1
        where = f"checkpoint {cp.pk}"
        problems = []
        if cp.prev_hash != prev_hash:
            problems.append(f"{where}: link to the previous checkpoint is broken")
        if checkpoint_hash(cp) != cp.hash:
            problems.append(f"{where}: content does not match its hash (edited)")
        if cp.first_event_id <= prev_last:
            problems.append(f"{where}: overlaps the previous checkpoint")
        heads = AuditCheckpointHead.objects.filter(checkpoint=cp).order_by("subject_type", "subject_id")
        rows = list(heads.values_list("subject_type", "subject_id", "seq", "hash").iterator(chunk_size=10000))
        if len(rows) != cp.head_count or heads_digest(rows) != cp.heads_digest:
            problems.append(f"{where}: its list of chain heads was altered")
        count = AuditEvent.objects.filter(id__gte=cp.first_event_id, id__lte=cp.last_event_id).count()
        if count != cp.event_count:
            problems.append(f"{where}: covered {cp.event_count} events, {count} remain (events removed or added)")
        with connection.cursor() as cursor:
            cursor.execute(
                f"""SELECT h.subject_type, h.subject_id, h.seq FROM {heads_table} h
                    LEFT JOIN {table} e ON e.subject_type = h.subject_type
                     AND e.subject_id = h.subject_id AND e.seq = h.seq
                    WHERE h.checkpoint_id = %s AND (e.id IS NULL OR e.hash <> h.hash)
                    ORDER BY h.subject_type, h.subject_id LIMIT 1""",
                [cp.pk],
            )
            missing = cursor.fetchone()
        if missing:
            problems.append(
                f"{where}: chain {missing[0]}:{missing[1]} lost or changed its event #{missing[2]} "
                "(chain or tail removed after the checkpoint)"
            )
        result.problems.extend(problems)
        if problems and stop_at_first:
            return
        prev_hash = cp.hash
        prev_last = cp.last_event_id


def verify_all(*, stop_at_first=True):
    result = VerifyResult()
    _verify_chains(result, stop_at_first)
    if result.problems and stop_at_first:
        return result
    _verify_checkpoints(result, stop_at_first)
    return result
