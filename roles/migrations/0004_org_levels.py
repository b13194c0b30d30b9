import django.db.models.deletion
from django.db import migrations, models

# The levels every installation had when they were a fixed list: same codes, so that the units and
# authority limits already recorded keep their level.
LEVELS = [("central", "Central office", 0), ("region", "Regional office", 1), ("branch", "Branch", 2)]


def create_levels(apps, schema_editor):
    OrgLevel = apps.get_model("roles", "OrgLevel")
    for code, name, rank in LEVELS:
        OrgLevel.objects.get_or_create(code=code, defaults={"name": name, "rank": rank})


class Migration(migrations.Migration):
    dependencies = [
        ("roles", "0003_staffpreference"),
    ]

    operations = [
        migrations.CreateModel(
            name="OrgLevel",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("code", models.SlugField(max_length=30, unique=True, verbose_name="code")),
                ("name", models.CharField(max_length=100, verbose_name="name")),
                ("rank", models.PositiveSmallIntegerField(verbose_name="rank")),
            ],
            options={
                "verbose_name": "organisation level",
                "verbose_name_plural": "organisation levels",
                "ordering": ["rank", "code"],
            },
        ),
        migrations.RunPython(create_levels, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="authoritylimit",
            name="level",
            field=models.CharField(max_length=30, verbose_name="level"),
        ),
        migrations.AlterField(
            model_name="orgunit",
            name="level",
            field=models.CharField(max_length=30, verbose_name="level"),
        ),
        migrations.AddField(
            model_name="authoritylimit",
            name="org_level",
            field=models.ForeignObject(
                from_fields=["level"],
                on_delete=django.db.models.deletion.PROTECT,
                related_name="authority_limits",
                to="roles.orglevel",
                to_fields=["code"],
            ),
        ),
        migrations.AddField(
            model_name="orgunit",
            name="org_level",
            field=models.ForeignObject(
                from_fields=["level"],
                on_delete=django.db.models.deletion.PROTECT,
                related_name="units",
                to="roles.orglevel",
                to_fields=["code"],
            ),
        ),
    ]
