from django.db import migrations


def install(apps, schema_editor):
    from rules.parameters import install_defaults

    install_defaults()


class Migration(migrations.Migration):
    dependencies = [("rules", "0002_default_parameters")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
