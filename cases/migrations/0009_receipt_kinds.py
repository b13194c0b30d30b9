from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0008_power_of_attorney"),
    ]

    operations = [
        migrations.AlterField(
            model_name="receipt",
            name="kind",
            field=models.CharField(
                choices=[
                    ("filed", "Request filed"),
                    ("answered", "Answer sent"),
                    ("withdrawn", "Request withdrawn"),
                    ("document", "Document sent"),
                    ("appealed", "Appeal filed"),
                    ("reopened", "Reopening asked"),
                    ("delivered", "Delivered to you"),
                ],
                max_length=12,
                verbose_name="kind",
            ),
        ),
        migrations.AddField(
            model_name="receipt",
            name="concerns",
            field=models.CharField(blank=True, default="", max_length=40, verbose_name="concerns"),
        ),
        migrations.AddConstraint(
            model_name="receipt",
            constraint=models.UniqueConstraint(
                condition=models.Q(("concerns", ""), _negated=True),
                fields=("case", "concerns"),
                name="receipt_delivered_once",
            ),
        ),
    ]
