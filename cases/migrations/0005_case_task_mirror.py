"""A copy of each case's open human task on the case row (cases.models.base.Case.task_*), filled
from viewflow's task table in one statement, then the partial indexes of the filtered queue and
inbox pages."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

OPEN = "('NEW', 'ASSIGNED')"

POSTGRES = f"""
UPDATE cases_case AS c
SET task_status = t.status, task_pk = t.id, task_owner_id = t.owner_id, task_queue = t.owner_permission,
    task_unit_id = CAST(NULLIF(t.owner_permission_obj_pk, '') AS integer), task_created = t.created
FROM viewflow_task AS t
WHERE t.process_id = c.process_id AND t.status IN {OPEN} AND t.flow_task_type = 'HUMAN'
"""

SQLITE = [
    f"""
UPDATE cases_case SET task_pk = (
    SELECT t.id FROM viewflow_task AS t
    WHERE t.process_id = cases_case.process_id AND t.status IN {OPEN} AND t.flow_task_type = 'HUMAN'
    ORDER BY t.id DESC LIMIT 1
) WHERE process_id IS NOT NULL
""",
    """
UPDATE cases_case SET
    task_status = (SELECT t.status FROM viewflow_task AS t WHERE t.id = cases_case.task_pk),
    task_owner_id = (SELECT t.owner_id FROM viewflow_task AS t WHERE t.id = cases_case.task_pk),
    task_queue = (SELECT t.owner_permission FROM viewflow_task AS t WHERE t.id = cases_case.task_pk),
    task_unit_id = (
        SELECT CAST(NULLIF(t.owner_permission_obj_pk, '') AS integer) FROM viewflow_task AS t
        WHERE t.id = cases_case.task_pk
    ),
    task_created = (SELECT t.created FROM viewflow_task AS t WHERE t.id = cases_case.task_pk)
WHERE task_pk IS NOT NULL
""",
]


def backfill(apps, schema_editor):
    statements = [POSTGRES] if schema_editor.connection.vendor == "postgresql" else SQLITE
    with schema_editor.connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0004_case_priority"),
        ("registry", "0002_dependant_ledgerposting_payeedesignation"),
        ("roles", "0003_staffpreference"),
        ("viewflow", "0015_task_scheduled"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="task_created",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="case",
            name="task_owner",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="case",
            name="task_pk",
            field=models.BigIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="case",
            name="task_queue",
            field=models.CharField(blank=True, db_default="", default="", editable=False, max_length=255),
        ),
        migrations.AddField(
            model_name="case",
            name="task_status",
            field=models.CharField(blank=True, db_default="", default="", editable=False, max_length=50),
        ),
        migrations.AddField(
            model_name="case",
            name="task_unit",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="roles.orgunit",
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                condition=models.Q(("task_status", "NEW")),
                fields=["task_unit", "task_queue", "state", "-task_created", "-task_pk"],
                name="case_queue_state_new",
            ),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                condition=models.Q(("task_status", "NEW")),
                fields=["task_unit", "task_queue", "-task_created", "-task_pk"],
                include=["due_date", "owning_unit", "id"],
                name="case_queue_new",
            ),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                condition=models.Q(("task_status", "NEW")),
                fields=["task_unit", "task_queue", "state", "due_date", "id"],
                name="case_queue_state_due",
            ),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                condition=models.Q(("task_status", "NEW")),
                fields=["task_unit", "task_queue", "due_date", "id"],
                name="case_queue_due",
            ),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                condition=models.Q(("task_status", "ASSIGNED")),
                fields=["task_owner", "due_date", "id"],
                name="case_inbox_due",
            ),
        ),
    ]
