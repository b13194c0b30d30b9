"""The database itself refuses to change or remove audit records; save()/delete() refuse too."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models import F, ProtectedError

from audit.models import AppendOnlyError, AuditCheckpoint, AuditCheckpointHead, AuditEvent
from audit.services import create_checkpoint, record_event

from .trail import NO_SETTLE

TABLES = {
    "audit_auditevent": "action = 'tampered'",
    "audit_auditcheckpoint": "event_count = event_count + 1",
    "audit_auditcheckpointhead": "seq = seq + 1",
}


@pytest.fixture
def records(db):
    first = record_event(subject_type="user", subject_id=7, action="user.created", payload={"username": "ann"})
    record_event(subject_type="user", subject_id=7, action="user.renamed", payload={"username": "anne"})
    checkpoint = create_checkpoint(settle=NO_SETTLE)
    return first, checkpoint


def snapshot():
    return (
        list(AuditEvent.objects.order_by("id").values_list("id", "seq", "action", "hash")),
        list(AuditCheckpoint.objects.order_by("id").values_list("id", "event_count", "hash")),
        list(AuditCheckpointHead.objects.order_by("id").values_list("id", "seq", "hash")),
    )


def refused(sql, op, table):
    with pytest.raises(DatabaseError, match=rf"append-only \({op} on {table}\)"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(sql)


@pytest.mark.parametrize("table", sorted(TABLES))
def test_raw_update_is_refused(records, table):
    before = snapshot()
    refused(f"UPDATE {table} SET {TABLES[table]}", "UPDATE", table)
    assert snapshot() == before


@pytest.mark.parametrize("table", sorted(TABLES))
def test_raw_delete_is_refused(records, table):
    before = snapshot()
    refused(f"DELETE FROM {table} WHERE id = (SELECT MIN(id) FROM {table})", "DELETE", table)
    refused(f"DELETE FROM {table}", "DELETE", table)
    assert snapshot() == before


@pytest.mark.postgres
@pytest.mark.parametrize(
    "tables",
    [("audit_auditevent",), ("audit_auditcheckpointhead",), ("audit_auditcheckpoint", "audit_auditcheckpointhead")],
)
def test_truncate_is_refused_on_postgresql(records, tables):
    before = snapshot()
    with connection.cursor() as cursor:
        # Run the foreign-key checks of the rows inserted in this test's transaction now, as if
        # committed; PostgreSQL refuses TRUNCATE earlier while such checks are pending.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    with pytest.raises(DatabaseError, match=r"append-only \(TRUNCATE on audit_"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {', '.join(tables)}")
    assert snapshot() == before


def test_records_refuse_save_and_delete(records):
    first, checkpoint = records
    head = AuditCheckpointHead.objects.get(checkpoint=checkpoint)
    before = snapshot()
    for record in (first, checkpoint, head):
        with pytest.raises(AppendOnlyError):
            record.save()
        with pytest.raises(AppendOnlyError):
            record.delete()
    first.action = "user.deleted"
    with pytest.raises(AppendOnlyError):
        first.save(update_fields=["action"])
    assert snapshot() == before


@pytest.mark.parametrize("model", [AuditEvent, AuditCheckpoint, AuditCheckpointHead])
def test_queryset_update_is_refused_by_the_database(records, model):
    before = snapshot()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        model.objects.update(id=F("id"))
    assert snapshot() == before


@pytest.mark.parametrize("model", [AuditEvent, AuditCheckpointHead])
def test_queryset_delete_is_refused_by_the_database(records, model):
    before = snapshot()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        model.objects.all().delete()
    assert snapshot() == before


def test_checkpoint_delete_is_refused_through_its_heads(records):
    before = snapshot()
    with pytest.raises(ProtectedError), transaction.atomic():
        AuditCheckpoint.objects.all().delete()
    assert snapshot() == before
