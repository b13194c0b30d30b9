"""Daily queue snapshots, and partial indexes on viewflow's task table for the supervisor pages:
open tasks by queue unit (workload per caseworker, live open counts) and finished tasks by queue
unit and time (throughput)."""

import django.db.models.deletion
from django.db import migrations, models

INDEXES = [
    (
        "wf_task_open_by_unit",
        "(owner_permission_obj_pk, status, owner_permission, owner_id) "
        "WHERE status IN ('NEW', 'ASSIGNED') AND flow_task_type = 'HUMAN'",
    ),
    ("wf_task_done_by_unit", "(owner_permission_obj_pk, finished) WHERE status = 'DONE' AND flow_task_type = 'HUMAN'"),
]


def create(apps, schema_editor):
    for name, spec in INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON viewflow_task {spec}")


def drop(apps, schema_editor):
    for name, _spec in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("workflows", "0001_queue_indexes"),
        ("roles", "0002_alter_orgunit_options"),
    ]

    operations = [
        migrations.CreateModel(
            name="QueueSnapshot",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("day", models.DateField(verbose_name="day")),
                ("case_type", models.CharField(max_length=30, verbose_name="type")),
                ("open_tasks", models.PositiveIntegerField(verbose_name="open tasks")),
                ("unassigned", models.PositiveIntegerField(verbose_name="unassigned tasks")),
                ("taken_at", models.DateTimeField(verbose_name="taken")),
                (
                    "unit",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="roles.orgunit",
                        verbose_name="unit",
                    ),
                ),
            ],
            options={
                "verbose_name": "queue snapshot",
                "verbose_name_plural": "queue snapshots",
                "indexes": [models.Index(fields=["unit", "day"], name="queue_snapshot_unit_day")],
                "constraints": [
                    models.UniqueConstraint(fields=("day", "unit", "case_type"), name="queue_snapshot_once_a_day")
                ],
            },
        ),
        migrations.RunPython(create, drop),
    ]
