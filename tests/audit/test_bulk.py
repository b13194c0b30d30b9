"""Bulk paths write their history in bulk: chains built with build_event and inserted with
record_events_bulk are chains like any other."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import GENESIS_HEAD, ChainHead, build_event, create_checkpoint, record_event, record_events_bulk
from audit.verify import verify_all

from .trail import NO_SETTLE, chain, run_verify

CHAINS = {"E-100": 4, "E-200": 2, "E-300": 5}


def build_chains(lengths, *, occurred_at):
    """Events of several employers' chains, interleaved as an import would produce them."""
    heads = dict.fromkeys(lengths, GENESIS_HEAD)
    events = []
    for step in range(max(lengths.values())):
        for subject_id, length in lengths.items():
            if step >= length:
                continue
            event = build_event(
                subject_type="employer",
                subject_id=subject_id,
                action="contribution_list.imported",
                head=heads[subject_id],
                occurred_at=occurred_at + dt.timedelta(seconds=step),
                payload={"period": dt.date(2025, step + 1, 1), "total": Decimal("1234.50") + step, "rows": 40 + step},
                request_id="import-7",
            )
            heads[subject_id] = ChainHead(event.seq, event.hash)
            events.append(event)
    return events, heads


@pytest.mark.django_db
def test_three_chains_built_in_bulk_pass_verification(django_assert_num_queries):
    events, heads = build_chains(CHAINS, occurred_at=timezone.now() - dt.timedelta(hours=1))
    assert len(events) == sum(CHAINS.values())
    with django_assert_num_queries(1):
        record_events_bulk(events)

    for subject_id, length in CHAINS.items():
        stored = chain("employer", subject_id)
        assert [e.seq for e in stored] == list(range(1, length + 1))
        assert ChainHead(stored[-1].seq, stored[-1].hash) == heads[subject_id]
        assert stored[0].payload == {"period": "2025-01-01", "total": "1234.50", "rows": 40}
    run = run_verify()
    assert not run.failed, run.err
    assert run.out.startswith(f"OK: checked {len(events)} events in 3 chains")

    cp = create_checkpoint(settle=NO_SETTLE)
    assert (cp.event_count, cp.head_count) == (len(events), 3)
    # A chain continues normally after its bulk start.
    record_event(subject_type="employer", subject_id="E-200", action="employer.suspended")
    result = verify_all()
    assert result.ok and result.events_checked == len(events) + 1


@pytest.mark.django_db
def test_a_bulk_chain_with_a_gap_is_refused_by_verification():
    events, _ = build_chains({"E-400": 1}, occurred_at=timezone.now())
    first = events[0]
    skipping = build_event(
        subject_type="employer",
        subject_id="E-400",
        action="contribution_list.imported",
        head=ChainHead(first.seq + 1, first.hash),
    )
    record_events_bulk([first, skipping])
    stored = AuditEvent.objects.get(subject_id="E-400", seq=3)
    run = run_verify()
    assert run.failed
    assert f"event {stored.pk} (employer:E-400 #3): expected sequence #2" in run.error
