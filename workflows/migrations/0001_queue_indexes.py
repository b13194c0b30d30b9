"""Partial indexes on viewflow's task table for the queue and inbox selectors."""

from django.db import migrations

INDEXES = [
    (
        "wf_task_queue",
        "(owner_permission, owner_permission_obj_pk, created DESC, id DESC) "
        "WHERE status = 'NEW' AND flow_task_type = 'HUMAN'",
    ),
    ("wf_task_inbox", "(owner_id, created DESC, id DESC) WHERE status = 'ASSIGNED'"),
    ("wf_task_open_by_process", "(process_id) WHERE status IN ('NEW', 'ASSIGNED')"),
]


def create(apps, schema_editor):
    for name, spec in INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON viewflow_task {spec}")


def drop(apps, schema_editor):
    for name, _spec in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("viewflow", "0015_task_scheduled")]
    operations = [migrations.RunPython(create, drop)]
