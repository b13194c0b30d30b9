"""audit_verify passes a clean trail and names the first broken link of a tampered one."""

import pytest

from audit.models import AuditCheckpoint, AuditCheckpointHead, AuditEvent
from audit.services import create_checkpoint
from audit.verify import verify_all
from cases import services

from .trail import (
    NO_SETTLE,
    case_chain,
    chain,
    delete_checkpoint,
    delete_events,
    raw_payload,
    replace_in_payload,
    run_verify,
    swap_seq,
    tamper,
)


def assert_broken(expected):
    run = run_verify()
    assert run.failed
    assert expected in run.error
    assert f"BROKEN: {run.error.removeprefix('audit trail verification failed: ')}" in run.err
    return run


def one_byte_apart(before, after):
    return len(before) == len(after) and sum(a != b for a, b in zip(before.encode(), after.encode(), strict=True)) == 1


@pytest.mark.django_db
def test_a_clean_trail_passes_and_counts_what_it_checked(trail):
    run = run_verify()
    assert not run.failed, run.err
    events = AuditEvent.objects.count()
    chains = AuditEvent.objects.values("subject_type", "subject_id").distinct().count()
    assert events > 30 and chains > 10
    assert run.out.startswith(
        f"OK: checked {events} events in {chains} chains, 1 checkpoints and 3 recorded chain heads"
    )
    result = verify_all()
    assert (result.events_checked, result.chains_checked, result.checkpoints_checked, result.heads_checked) == (
        events,
        chains,
        1,
        3,
    )


@pytest.mark.django_db
def test_one_byte_edited_in_a_payload(trail):
    created = case_chain(trail.paid)[0]
    assert created.action == "benefit_claim.created" and created.payload["benefit"] == "marriage"
    before = raw_payload(created.pk)
    assert replace_in_payload(created.pk, "marriage", "marriagf") == 1
    assert one_byte_apart(before, raw_payload(created.pk))
    assert_broken(f"event {created.pk} (case:{trail.paid.pk} #1): content does not match its hash (edited)")


@pytest.mark.django_db
def test_one_byte_edited_in_an_action(trail):
    approve = next(e for e in case_chain(trail.paid) if e.action == "benefit_claim.approve")
    assert tamper("UPDATE audit_auditevent SET action = %s WHERE id = %s", ["benefit_claim.approvf", approve.pk]) == 1
    assert_broken(f"event {approve.pk} (case:{trail.paid.pk} #{approve.seq}): content does not match its hash")


@pytest.mark.django_db
def test_an_event_deleted_from_the_middle_of_a_chain(trail):
    events = case_chain(trail.paid)
    assert delete_events([events[4].pk]) == 1
    following = events[5]
    assert_broken(
        f"event {following.pk} (case:{trail.paid.pk} #{following.seq}): expected sequence #{events[4].seq}; "
        "an event is missing or out of order"
    )


@pytest.mark.django_db
def test_two_events_reordered(trail):
    events = case_chain(trail.paid)
    first, second = events[3], events[4]
    swap_seq(first, second)
    # The later event now sits at the earlier place, where its link does not fit.
    assert_broken(f"event {second.pk} (case:{trail.paid.pk} #{first.seq}): link to the previous event is broken")


@pytest.mark.django_db
def test_a_whole_chain_removed_after_a_checkpoint(trail):
    ids = [e.pk for e in case_chain(trail.filed)]
    assert delete_events(ids) == len(ids) == 3
    head = trail.filed.audit_seq
    assert_broken(
        f"checkpoint {trail.checkpoint.pk}: chain case:{trail.filed.pk} lost or changed its event #{head} "
        "(chain or tail removed after the checkpoint)"
    )


@pytest.mark.django_db
def test_a_whole_chain_without_a_recorded_head_is_caught_by_the_checkpoint(trail, team):
    """A staff member's chain has no head kept elsewhere: the checkpoint alone detects its removal."""
    events = chain("user", team["auditor"].pk)
    assert events
    delete_events(e.pk for e in events)
    assert_broken(f"chain user:{team['auditor'].pk} lost or changed its event #{events[-1].seq}")


@pytest.mark.django_db
def test_the_tail_of_a_chain_removed_after_a_checkpoint(trail):
    events = case_chain(trail.paid)
    delete_events(e.pk for e in events[-2:])
    assert_broken(
        f"checkpoint {trail.checkpoint.pk}: chain case:{trail.paid.pk} lost or changed its event #{events[-1].seq}"
    )


@pytest.mark.django_db
def test_a_checkpoint_row_edited(trail):
    assert tamper("UPDATE audit_auditcheckpoint SET event_count = event_count - 1 WHERE id = %s", [trail.checkpoint.pk])
    assert_broken(f"checkpoint {trail.checkpoint.pk}: content does not match its hash (edited)")


@pytest.mark.django_db
def test_a_checkpoint_head_row_edited(trail):
    head = AuditCheckpointHead.objects.filter(checkpoint=trail.checkpoint, subject_type="case").order_by("id").first()
    forged = ("0" if head.hash[0] != "0" else "1") + head.hash[1:]
    assert tamper("UPDATE audit_auditcheckpointhead SET hash = %s WHERE id = %s", [forged, head.pk]) == 1
    assert_broken(
        f"checkpoint {trail.checkpoint.pk}: chain case:{head.subject_id} lost or changed its event #{head.seq}"
    )


@pytest.mark.django_db
def test_a_checkpoint_deleted(trail, team):
    services.claim_recommend(case_id=trail.reviewing.pk, actor=team["operator"], approve=True)
    second = create_checkpoint(settle=NO_SETTLE)
    services.task_take(case_id=trail.filed.pk, actor=team["operator"])
    third = create_checkpoint(settle=NO_SETTLE)
    assert third.prev_hash == second.hash and second.prev_hash == trail.checkpoint.hash
    assert not run_verify().failed

    delete_checkpoint(second.pk)
    assert AuditCheckpoint.objects.count() == 2
    assert_broken(f"checkpoint {third.pk}: link to the previous checkpoint is broken")


@pytest.mark.django_db
def test_the_first_checkpoint_deleted(trail, team):
    services.task_take(case_id=trail.filed.pk, actor=team["operator"])
    second = create_checkpoint(settle=NO_SETTLE)
    delete_checkpoint(trail.checkpoint.pk)
    assert_broken(f"checkpoint {second.pk}: link to the previous checkpoint is broken")


@pytest.mark.django_db
def test_the_newest_checkpoint_deleted_is_caught_against_its_recorded_hash(trail, team):
    services.task_take(case_id=trail.filed.pk, actor=team["operator"])
    newest = create_checkpoint(settle=NO_SETTLE)
    anchor = f"{newest.pk}:{newest.hash}"
    assert not run_verify("--expect-checkpoint", anchor).failed
    wrong = f"{newest.pk}:{trail.checkpoint.hash}"
    run = run_verify("--expect-checkpoint", wrong)
    assert run.failed and f"checkpoint {newest.pk}: its hash differs" in run.error

    delete_checkpoint(newest.pk)
    run = run_verify("--expect-checkpoint", anchor)
    assert run.failed
    assert f"checkpoint {newest.pk}: recorded outside the database but missing (removed)" in run.error


@pytest.mark.django_db
def test_all_lists_every_problem(trail):
    paid = case_chain(trail.paid)
    reviewing = case_chain(trail.reviewing)
    tamper("UPDATE audit_auditevent SET action = %s WHERE id = %s", ["edited", paid[2].pk])
    delete_events([reviewing[-1].pk])
    first = run_verify()
    every = run_verify("--all")
    assert first.failed and every.failed
    assert first.err.count("BROKEN:") == 1
    broken = every.err.splitlines()
    assert any(f"event {paid[2].pk} (case:{trail.paid.pk} #3): content does not match" in line for line in broken)
    assert any(
        f"chain case:{trail.reviewing.pk} lost or changed its event #{reviewing[-1].seq}" in line for line in broken
    )
    assert any(f"covered {trail.checkpoint.event_count} events" in line for line in broken)
    assert any(
        f"chain case:{trail.reviewing.pk}: cases.audit_heads.case_heads records its head" in line for line in broken
    )


@pytest.mark.django_db
def test_bad_expect_checkpoint_argument(trail):
    run = run_verify("--expect-checkpoint", "12")
    assert run.failed and "ID:HASH" in run.error
