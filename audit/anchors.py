"""Anchors: every checkpoint also published outside the database, to an append-only sink.

A checkpoint is sealed with the audit key (``audit.chain.seal``), but it lives in the same
database as the events; someone who can write there could remove checkpoints and write new
ones over a trail they changed. Each checkpoint is therefore also written, with the heads of the
chains it covered, to a sink the database cannot reach (``settings.AUDIT_ANCHOR_SINK``):

- a file path (the default, ``var/audit-anchors.jsonl``): one JSON line per checkpoint, opened
  for appending only and synced to disk; keep it on append-only storage (``chattr +a``, a
  WORM bucket mount, a log shipper);
- ``syslog:`` followed by the syslog socket or ``host:port``: the same lines to syslog, to be
  collected by the log infrastructure; ``audit_verify --anchors FILE`` then reads an export;
- empty: anchoring off (the test settings; ``manage.py check --deploy`` warns).

``audit_verify`` reads the published anchors by itself (``published()``) and fails when the
database disagrees with them (``audit.verify``). Publishing follows each checkpoint's commit
and catches up with any checkpoint not yet published, so a failed write is repeated by the next
run; the checkpoint beat runs every ``AUDIT_ANCHOR_SECONDS`` (one minute by default), which
bounds the window of events no anchor covers yet.
"""

import json
import logging
import logging.handlers
import os
from pathlib import Path

from django.conf import settings

from .chain import _ts, checkpoint_hash, heads_digest
from .models import AuditCheckpoint, AuditCheckpointHead

logger = logging.getLogger(__name__)

_FIELDS = ("first_event_id", "last_event_id", "event_count", "head_count", "heads_digest", "prev_hash", "hash")


class AnchorError(Exception):
    """The sink cannot be read or holds something that is not an anchor."""


class FileSink:
    def __init__(self, path):
        self.path = Path(path)

    def append(self, lines):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        with os.fdopen(fd, "a", encoding="utf-8") as sink:
            for line in lines:
                sink.write(line + "\n")
            sink.flush()
            os.fsync(sink.fileno())

    def lines(self):
        """The published lines, streamed (the file grows with the trail)."""
        if not self.path.exists():
            return
        with self.path.open(encoding="utf-8") as published:
            yield from published

    def last_line(self):
        if not self.path.exists():
            return None
        with self.path.open("rb") as published:
            published.seek(0, os.SEEK_END)
            end = position = published.tell()
            tail = b""
            while position > 0 and tail.count(b"\n") < 2:
                step = min(65536, position)
                position -= step
                published.seek(position)
                tail = published.read(end - position)
        lines = tail.decode("utf-8").strip().splitlines()
        return lines[-1] if lines else None


class SyslogSink:
    """Publishes to syslog; reading back goes through an export (``audit_verify --anchors``)."""

    def __init__(self, address):
        if ":" in address and not address.startswith("/"):
            host, port = address.rsplit(":", 1)
            address = (host, int(port))
        self.handler = logging.handlers.SysLogHandler(address=address)

    def append(self, lines):
        for line in lines:
            self.handler.emit(logging.makeLogRecord({"msg": f"socius-audit-anchor {line}", "levelno": logging.INFO}))

    def lines(self):
        return None

    def last_line(self):
        return None


def sink(value=None):
    value = getattr(settings, "AUDIT_ANCHOR_SINK", "") if value is None else value
    if not value:
        return None
    if str(value).startswith("syslog:"):
        return SyslogSink(str(value).removeprefix("syslog:") or "/dev/log")
    return FileSink(value)


def anchor_of(cp, heads):
    """The anchor line of checkpoint ``cp``: its sealed fields and the heads it covered."""
    record = {"checkpoint": cp.pk, "created_at": _ts(cp.created_at)}
    record.update({name: getattr(cp, name) for name in _FIELDS})
    record["heads"] = [list(head) for head in heads]
    return json.dumps(record, separators=(",", ":"), ensure_ascii=False)


def _heads_of(cp):
    return (
        AuditCheckpointHead.objects.filter(checkpoint=cp)
        .order_by("subject_type", "subject_id")
        .values_list("subject_type", "subject_id", "seq", "hash")
    )


def publish_pending(target=None):
    """Publish every checkpoint the sink does not have yet, in order. Returns how many.

    With a sink that cannot be read back (syslog), only checkpoints not yet published by this
    process's last call would be known: it publishes the newest checkpoint only."""
    target = sink() if target is None else target
    if target is None:
        return 0
    pending = AuditCheckpoint.objects.order_by("id")
    last = target.last_line()
    if isinstance(target, SyslogSink):
        pending = pending.reverse()[:1]
    elif last:
        pending = pending.filter(id__gt=json.loads(last)["checkpoint"])
    published = [anchor_of(cp, _heads_of(cp)) for cp in pending]
    if published:
        target.append(published)
    return len(published)


def publish_quietly():
    """After a checkpoint commits: publish, and log (never raise) if the sink fails; the next
    checkpoint run publishes what is missing."""
    try:
        publish_pending()
    except Exception:  # noqa: BLE001 - the checkpoint is committed; the next run retries
        logger.exception("audit anchors could not be published; the next checkpoint run retries")


class _Checkpoint:
    """An anchor read back, with the attributes ``checkpoint_hash`` reads."""

    def __init__(self, record):
        import datetime as dt

        self.pk = record["checkpoint"]
        self.created_at = dt.datetime.fromisoformat(record["created_at"])
        for name in _FIELDS:
            setattr(self, name, record[name])
        self.heads = [tuple(head) for head in record["heads"]]


def read(lines):
    """Parse anchor lines (a file sink's, or an export of a syslog sink) into checkpoints whose
    seal and list of heads are checked, streamed; AnchorError names the first line that is not
    right."""
    for number, line in enumerate(lines, start=1):
        line = line.strip()
        if not line:
            continue
        if not line.startswith("{"):
            # A syslog export: the JSON follows the marker.
            _, marker, rest = line.partition("socius-audit-anchor ")
            if not marker:
                continue
            line = rest
        try:
            anchor = _Checkpoint(json.loads(line))
        except (ValueError, KeyError, TypeError) as exc:
            raise AnchorError(f"anchor line {number}: not an anchor ({exc})") from exc
        if checkpoint_hash(anchor) != anchor.hash:
            raise AnchorError(f"anchor line {number} (checkpoint {anchor.pk}): not sealed by the audit key")
        if len(anchor.heads) != anchor.head_count or heads_digest(anchor.heads) != anchor.heads_digest:
            raise AnchorError(f"anchor line {number} (checkpoint {anchor.pk}): its heads do not match its digest")
        yield anchor


def published():
    """The anchors of the configured sink, or None when it is off or cannot be read back."""
    target = sink()
    lines = None if target is None else target.lines()
    return None if lines is None else read(lines)
