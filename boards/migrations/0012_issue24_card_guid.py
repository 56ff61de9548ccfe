"""Issue 24: each card gets a stable UUID, its event guid in /schedule.xml.

Three steps, as a unique field with a callable default needs: the column added without
its constraint, every existing card given its own UUID, then the constraint.
"""

import uuid

from django.db import migrations, models


def give_each_card_its_guid(apps, schema_editor):
    Card = apps.get_model("boards", "Card")
    for card in Card.objects.filter(guid__isnull=True).only("pk").iterator():
        Card.objects.filter(pk=card.pk).update(guid=uuid.uuid4())


class Migration(migrations.Migration):
    dependencies = [("boards", "0011_issue21_notices_and_mine")]

    operations = [
        migrations.AddField(
            model_name="card",
            name="guid",
            field=models.UUIDField(editable=False, null=True, verbose_name="GUID"),
        ),
        migrations.RunPython(give_each_card_its_guid, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="card",
            name="guid",
            field=models.UUIDField(
                default=uuid.uuid4, editable=False, unique=True, verbose_name="GUID"
            ),
        ),
    ]
