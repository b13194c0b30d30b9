"""Checkpoints sealed with the audit key and published outside the database: the four tampers
that a database holding everything passed unseen (a tail cut with the case's head rewound, a
short chain removed, an amount changed with the following hashes recomputed, checkpoints
deleted and written again) are caught, each naming the first event that differs."""

import json
import logging

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from audit import anchors
from audit.actors import Actor
from audit.apps import anchors_configured
from audit.chain import event_hash
from audit.models import AuditCheckpoint, AuditEvent
from audit.services import create_checkpoint, record_event
from audit.tasks import audit_checkpoint
from cases import services
from cases.models import Case
from tests.factories import UserFactory
from tests.support import audit_triggers_off

from .test_checkpoints import a_minute_later
from .trail import NO_SETTLE, case_chain, delete_checkpoint, delete_events, run_verify


@pytest.fixture
def sink_file(settings, tmp_path):
    path = tmp_path / "anchors.jsonl"
    settings.AUDIT_ANCHOR_SINK = str(path)
    return path


@pytest.fixture
def published(trail, sink_file):
    """The trail with its checkpoint published, as the beat leaves it after commit."""
    assert anchors.publish_pending() == 1
    return trail


def lines(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def verify_without_anchors(settings):
    """What audit_verify says when the database is all it has."""
    sink, settings.AUDIT_ANCHOR_SINK = settings.AUDIT_ANCHOR_SINK, ""
    run = run_verify()
    settings.AUDIT_ANCHOR_SINK = sink
    return run


def assert_broken_naming(expected):
    run = run_verify()
    assert run.failed, run.out
    assert run.error.removeprefix("audit trail verification failed: ") == expected
    return run


def rewind_case_head(case, event):
    with audit_triggers_off(), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Case._meta.db_table} SET audit_seq = %s, audit_hash = %s WHERE id = %s",
            [event.seq, event.hash, case.pk],
        )


def checkpoints_written_again():
    """The attacker's cover: every checkpoint removed, then the command run again over the
    trail as it now is (it writes with the right key: it is the application's own code)."""
    for pk in AuditCheckpoint.objects.order_by("-pk").values_list("pk", flat=True):
        delete_checkpoint(pk)
    call_command("audit_checkpoint", "--settle-seconds", "0", stdout=open("/dev/null", "w"))


# --- The four tampers ------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_tail_cut_with_the_case_head_rewound_and_the_checkpoints_rewritten(published, settings):
    events = case_chain(published.paid)
    delete_events(e.pk for e in events[-2:])
    rewind_case_head(published.paid, events[-3])
    checkpoints_written_again()
    assert not verify_without_anchors(settings).failed  # unseen by the database alone

    assert_broken_naming(
        f"chain case:{published.paid.pk}: event #{events[-2].seq} and the following ones up to "
        f"#{events[-1].seq} removed; checkpoint {published.checkpoint.pk}, published outside the database, "
        f"anchored #{events[-1].seq}"
    )


@pytest.mark.django_db
def test_a_short_chain_written_after_a_checkpoint_removed_with_the_next_checkpoint(published, settings):
    newcomer = UserFactory()
    for action in ("user.created", "user.role_granted"):
        record_event(subject_type="user", subject_id=newcomer.pk, action=action, actor=Actor.system("accounts"))
    second = create_checkpoint(settle=NO_SETTLE)
    assert anchors.publish_pending() == 1
    delete_events(
        AuditEvent.objects.filter(subject_type="user", subject_id=str(newcomer.pk)).values_list("pk", flat=True)
    )
    delete_checkpoint(second.pk)
    assert not verify_without_anchors(settings).failed

    assert_broken_naming(
        f"chain user:{newcomer.pk}: removed; checkpoint {second.pk}, published outside the database, "
        "anchored its events #1 to #2"
    )


@pytest.mark.django_db
def test_an_approved_amount_changed_and_the_following_hashes_recomputed(published, settings):
    events = case_chain(published.paid)
    approve = next(e for e in events if e.action == "benefit_claim.approve")
    # Without the audit key, the attacker recomputes with another one (or plain SHA-256).
    with override_settings(AUDIT_KEY="a guess at the audit key"), audit_triggers_off(), connection.cursor() as cursor:
        previous = None
        for event in events[events.index(approve) :]:
            if event is approve:
                event.payload = {**event.payload, "amount": "99999.00"}
            if previous is not None:
                event.prev_hash = previous.hash
            event.hash = event_hash(event)
            cursor.execute(
                "UPDATE audit_auditevent SET payload = %s, prev_hash = %s, hash = %s WHERE id = %s",
                [json.dumps(event.payload), event.prev_hash, event.hash, event.pk],
            )
            previous = event
    rewind_case_head(published.paid, previous)
    checkpoints_written_again()

    for run in (verify_without_anchors(settings), run_verify()):
        assert run.failed
        assert run.error.endswith(
            f"event {approve.pk} (case:{published.paid.pk} #{approve.seq}): content does not match its hash (edited)"
        )


@pytest.mark.django_db
def test_checkpoints_deleted_and_written_again(published, settings):
    checkpoints_written_again()
    assert AuditCheckpoint.objects.count() == 1
    assert not verify_without_anchors(settings).failed

    assert_broken_naming(
        f"checkpoint {published.checkpoint.pk}: published outside the database but missing from it (removed)"
    )


# --- Publishing and reading --------------------------------------------------------------------


@pytest.mark.django_db
def test_a_clean_trail_passes_against_its_anchors(published, sink_file):
    [anchor] = lines(sink_file)
    cp = published.checkpoint
    assert (anchor["checkpoint"], anchor["hash"], anchor["event_count"]) == (cp.pk, cp.hash, cp.event_count)
    assert len(anchor["heads"]) == cp.head_count
    run = run_verify()
    assert not run.failed, run.err
    assert run.out.rstrip().endswith("against 1 checkpoints published outside the database")


@pytest.mark.django_db
def test_publishing_catches_up_in_order_and_never_twice(trail, team, sink_file):
    services.task_take(case_id=trail.filed.pk, actor=team["operator"])
    second = create_checkpoint(settle=NO_SETTLE)
    assert anchors.publish_pending() == 2
    assert anchors.publish_pending() == 0
    assert [a["checkpoint"] for a in lines(sink_file)] == [trail.checkpoint.pk, second.pk]
    assert lines(sink_file)[1]["prev_hash"] == trail.checkpoint.hash


@pytest.mark.django_db
def test_the_beat_publishes_each_checkpoint_once_committed(org, team, sink_file, django_capture_on_commit_callbacks):
    with a_minute_later(), django_capture_on_commit_callbacks(execute=True):
        checkpoint_id = audit_checkpoint.apply().get()
    assert [a["checkpoint"] for a in lines(sink_file)] == [checkpoint_id]


@pytest.mark.django_db
def test_a_sink_that_fails_leaves_the_checkpoint_and_the_next_run_publishes_it(
    trail, settings, tmp_path, caplog, django_capture_on_commit_callbacks
):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")
    settings.AUDIT_ANCHOR_SINK = str(blocked / "anchors.jsonl")
    with caplog.at_level(logging.ERROR, logger="audit.anchors"):
        anchors.publish_quietly()
    assert "could not be published" in caplog.text
    assert AuditCheckpoint.objects.filter(pk=trail.checkpoint.pk).exists()
    settings.AUDIT_ANCHOR_SINK = str(tmp_path / "anchors.jsonl")
    assert anchors.publish_pending() == 1


@pytest.mark.django_db
def test_a_forged_anchor_line_is_itself_a_problem(published, sink_file):
    [anchor] = lines(sink_file)
    anchor["event_count"] -= 1
    sink_file.write_text(json.dumps(anchor) + "\n")
    assert_broken_naming(f"anchor line 1 (checkpoint {anchor['checkpoint']}): not sealed by the audit key")

    anchor["event_count"] += 1
    anchor["heads"] = anchor["heads"][1:]
    sink_file.write_text(json.dumps(anchor) + "\n")
    assert_broken_naming(f"anchor line 1 (checkpoint {anchor['checkpoint']}): its heads do not match its digest")


@pytest.mark.django_db
def test_a_syslog_sink_is_verified_from_an_export(trail, settings, tmp_path):
    settings.AUDIT_ANCHOR_SINK = "syslog:127.0.0.1:5514"
    run = run_verify()
    assert run.failed and "--anchors FILE" in run.error

    export = tmp_path / "syslog-export.log"
    line = anchors.anchor_of(trail.checkpoint, anchors._heads_of(trail.checkpoint))
    export.write_text(f"Dec  6 03:00:00 web1 socius: socius-audit-anchor {line}\nDec  6 03:00:01 web1 cron: other\n")
    run = run_verify("--anchors", str(export))
    assert not run.failed, run.err
    assert "against 1 checkpoints" in run.out
    assert "no such file" in run_verify("--anchors", str(tmp_path / "missing")).error


def test_the_deploy_check_warns_when_checkpoints_stay_in_the_database(settings):
    settings.AUDIT_ANCHOR_SINK = ""
    assert [w.id for w in anchors_configured(None)] == ["audit.W001"]
    settings.AUDIT_ANCHOR_SINK = "/var/lib/socius/anchors.jsonl"
    assert anchors_configured(None) == []


def test_the_last_line_of_a_long_anchor_file(tmp_path):
    sink = anchors.FileSink(tmp_path / "anchors.jsonl")
    assert sink.last_line() is None
    sink.append([json.dumps({"checkpoint": n, "pad": "x" * 5000}) for n in range(1, 60)])
    assert json.loads(sink.last_line())["checkpoint"] == 59
