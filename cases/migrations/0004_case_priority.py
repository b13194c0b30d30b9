"""Priority moves from grievances to every case (with a rank the queues sort on), and indexes
for the queue's sorts and its search by the subject's name.

A child model may not declare a field of its parent's name, so the grievance column is renamed
first, copied to the case row, then dropped.
"""

from django.db import migrations, models

RANK = models.Case(
    models.When(priority="low", then=models.Value(1)),
    models.When(priority="normal", then=models.Value(2)),
    models.When(priority="high", then=models.Value(3)),
    models.When(priority="urgent", then=models.Value(4)),
    default=models.Value(2),
    output_field=models.SmallIntegerField(),
)

COPY = (
    "UPDATE cases_case SET priority = (SELECT g.old_priority FROM cases_grievance g WHERE g.case_ptr_id = cases_case.id) "
    "WHERE id IN (SELECT case_ptr_id FROM cases_grievance)"
)
BACK = "UPDATE cases_grievance SET old_priority = (SELECT c.priority FROM cases_case c WHERE c.id = cases_grievance.case_ptr_id)"

# Prefix search by name ("Smi" finds Smith) compares upper-cased text with LIKE 'SMI%': on
# PostgreSQL only an index with a pattern operator class serves it, whatever the collation.
PREFIX_INDEXES = [
    ("person_last_name_prefix", "registry_person", "(UPPER(last_name::text) text_pattern_ops)"),
    ("employer_name_prefix", "registry_employer", "(UPPER(name::text) text_pattern_ops)"),
]


def create_prefix_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, table, spec in PREFIX_INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} {spec}")


def drop_prefix_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _spec in PREFIX_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0003_notification_pending_index"),
        ("registry", "0002_dependant_ledgerposting_payeedesignation"),
    ]

    operations = [
        migrations.RenameField(model_name="grievance", old_name="priority", new_name="old_priority"),
        migrations.AddField(
            model_name="case",
            name="priority",
            field=models.CharField(
                choices=[("low", "Low"), ("normal", "Normal"), ("high", "High"), ("urgent", "Urgent")],
                db_default="normal",
                default="normal",
                max_length=10,
                verbose_name="priority",
            ),
        ),
        migrations.RunSQL(COPY, BACK),
        migrations.RemoveField(model_name="grievance", name="old_priority"),
        migrations.AddField(
            model_name="case",
            name="priority_rank",
            field=models.GeneratedField(db_persist=True, expression=RANK, output_field=models.SmallIntegerField()),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["-priority_rank", "due_date", "id"], name="case_priority_due"),
        ),
        migrations.AddIndex(model_name="case", index=models.Index(fields=["due_date", "id"], name="case_due")),
        migrations.RunPython(create_prefix_indexes, drop_prefix_indexes),
    ]
