"""Chain heads recorded on case rows catch what checkpoints cannot see: a tail removed after
the last checkpoint."""

import inspect

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit import verify
from audit.services import create_checkpoint, record_event
from audit.verify import verify_all
from cases import services
from cases.audit_heads import case_heads
from cases.models import Case

from .trail import NO_SETTLE, case_chain, delete_events, file_claim, run_verify

SOURCE = "cases.audit_heads.case_heads"


@pytest.mark.django_db
def test_case_heads_streams_every_case_with_history(trail):
    heads = case_heads()
    assert inspect.isgenerator(heads)
    expected = [("case", str(c.pk), c.audit_seq, c.audit_hash) for c in (trail.paid, trail.reviewing, trail.filed)]
    assert sorted(heads) == sorted(expected)
    assert all(seq > 0 for _, _, seq, _ in expected)


@pytest.mark.django_db
def test_a_tail_removed_after_the_last_checkpoint(trail, team):
    services.claim_recommend(case_id=trail.reviewing.pk, actor=team["operator"], approve=True)
    events = case_chain(trail.reviewing)
    assert [e.action for e in events[-3:]] == ["task.completed", "benefit_claim.recommend", "task.created"]
    delete_events(e.pk for e in events[-2:])
    # Every remaining link and the checkpoint still hold: only the case row knows better.
    assert verify_all(head_sources=[]).ok
    run = run_verify()
    assert run.failed
    assert (
        f"chain case:{trail.reviewing.pk}: {SOURCE} records its head as #{events[-1].seq}, "
        f"but the chain ends at #{events[-3].seq} (tail removed)"
    ) in run.error


@pytest.mark.django_db
def test_a_whole_chain_removed_before_any_checkpoint(org):
    claim = file_claim(org.north_a)
    delete_events(e.pk for e in case_chain(claim))
    run = run_verify()
    assert run.failed
    assert (
        f"chain case:{claim.pk}: {SOURCE} records its head as #3, but the chain has no events (chain removed)"
        in run.error
    )


@pytest.mark.django_db
def test_a_head_replaced_after_the_last_checkpoint(trail):
    """Someone rewrites the last event and its hash: the chain is consistent, the case row is not."""
    last = case_chain(trail.filed)[-1]
    Case.objects.filter(pk=trail.filed.pk).update(audit_hash="f" * 64)
    run = run_verify()
    assert run.failed
    assert (
        f"chain case:{trail.filed.pk}: {SOURCE} records its head as #{last.seq}, but event #{last.seq} does not match"
        in run.error
    )


@pytest.mark.django_db
def test_a_case_row_behind_its_chain(trail):
    """The row names an earlier event (an event appended outside the service, or an old row restored)."""
    previous = case_chain(trail.paid)[-2]
    Case.objects.filter(pk=trail.paid.pk).update(audit_seq=previous.seq, audit_hash=previous.hash)
    run = run_verify()
    assert run.failed
    assert f"records its head as #{previous.seq}, but the chain goes on to #{trail.paid.audit_seq}" in run.error


@pytest.mark.django_db
def test_heads_are_checked_batch_after_batch(trail, org, monkeypatch):
    claims = [file_claim(org.north_a) for _ in range(3)]
    monkeypatch.setattr(verify, "_head_batch_size", lambda: 2)
    assert verify_all().heads_checked == 6
    last = claims[-1]
    delete_events([case_chain(last)[-1].pk])
    result = verify_all()
    assert not result.ok and result.heads_checked == 6
    assert result.problems == [
        f"chain case:{last.pk}: {SOURCE} records its head as #3, but the chain ends at #2 (tail removed)"
    ]


RECORDED = []


def recorded_heads():
    """A head source, named by dotted path like those in AUDIT_HEAD_SOURCES."""
    yield from RECORDED


@pytest.mark.django_db
def test_any_source_of_heads_is_compared(monkeypatch):
    event = record_event(subject_type="employer", subject_id="E-1", action="employer.registered")
    source = f"{__name__}.recorded_heads"
    monkeypatch.setattr(f"{__name__}.RECORDED", [("employer", "E-1", event.seq, event.hash)])
    result = verify_all(head_sources=[source])
    assert result.ok and result.heads_checked == 1
    monkeypatch.setattr(f"{__name__}.RECORDED", [("employer", "E-1", event.seq + 1, event.hash)])
    result = verify_all(head_sources=[source])
    assert result.problems == [
        f"chain employer:E-1: {source} records its head as #2, but the chain ends at #1 (tail removed)"
    ]


@pytest.mark.django_db
def test_the_setting_names_the_sources(trail, org, settings):
    claim = file_claim(org.north_a)
    delete_events([case_chain(claim)[-1].pk])
    settings.AUDIT_HEAD_SOURCES = []
    result = verify_all()
    assert result.ok and result.heads_checked == 0
    settings.AUDIT_HEAD_SOURCES = [SOURCE]
    result = verify_all()
    assert result.heads_checked == 4
    assert result.problems == [
        f"chain case:{claim.pk}: {SOURCE} records its head as #3, but the chain ends at #2 (tail removed)"
    ]


@pytest.mark.django_db
def test_query_count_does_not_grow_with_checkpoints_or_chains(trail, team, org):
    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert verify_all().ok
        return len(ctx.captured_queries)

    before = queries()
    services.claim_recommend(case_id=trail.reviewing.pk, actor=team["operator"], approve=True)
    create_checkpoint(settle=NO_SETTLE)
    for _ in range(3):
        file_claim(org.north_a)
        create_checkpoint(settle=NO_SETTLE)
    assert verify_all().checkpoints_checked == 5
    assert queries() == before
