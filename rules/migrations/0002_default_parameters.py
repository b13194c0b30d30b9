from django.db import migrations


def install(apps, schema_editor):
    from rules.parameters import install_defaults

    install_defaults()


class Migration(migrations.Migration):
    dependencies = [("rules", "0001_initial")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
