from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("boards", "0005_issue10_shared_cache")]

    operations = [
        migrations.AddField(
            model_name="flag",
            name="reason",
            field=models.CharField(
                default="", help_text="What the reporter said is wrong.", max_length=200
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="flag",
            name="reporter",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AddConstraint(
            model_name="flag",
            constraint=models.UniqueConstraint(
                condition=models.Q(("cleared_at__isnull", True), models.Q(("reporter", ""), _negated=True)),
                fields=("card", "reporter"),
                name="flag_one_open_per_reporter",
            ),
        ),
    ]
