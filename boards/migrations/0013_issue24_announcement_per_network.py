"""Issue 24: announcements per network (Mastodon, Bluesky): each card is posted once to each.
The existing rows were Mastodon's (the default fills them); a Bluesky post's id is its
at:// URI, longer than a Mastodon status id; when a post was first claimed (its Bluesky
record key's time). The Chair group may read them."""

from django.contrib.auth.management import create_permissions
import django.utils.timezone
from django.db import migrations, models


def let_the_chair_read_announcements(apps, schema_editor):
    # Permissions are normally created after all migrations ran; create them now.
    app_config = apps.get_app_config("boards")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, apps=apps)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Chair")
    group.permissions.add(
        Permission.objects.get(content_type__app_label="boards", codename="view_announcement")
    )


def forget_it(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for group in apps.get_model("auth", "Group").objects.filter(name="Chair"):
        group.permissions.remove(*Permission.objects.filter(codename="view_announcement"))


class Migration(migrations.Migration):

    dependencies = [
        ('boards', '0012_issue24_card_guid'),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='announcement',
            name='announcement_card_posted_once',
        ),
        migrations.RemoveConstraint(
            model_name='announcement',
            name='announcement_once_per_slot',
        ),
        migrations.AddField(
            model_name="announcement",
            name="created_at",
            field=models.DateTimeField(
                default=django.utils.timezone.now, editable=False, verbose_name="created at"
            ),
        ),
        migrations.AddField(
            model_name='announcement',
            name='network',
            field=models.CharField(choices=[('mastodon', 'Mastodon'), ('bluesky', 'Bluesky')], default='mastodon', max_length=10, verbose_name='network'),
        ),
        migrations.AlterField(
            model_name='announcement',
            name='status_id',
            field=models.CharField(blank=True, max_length=300, verbose_name='post id'),
        ),
        migrations.AddConstraint(
            model_name='announcement',
            constraint=models.UniqueConstraint(condition=models.Q(('kind', 'posted')), fields=('card', 'network'), name='announcement_card_posted_once_per_network'),
        ),
        migrations.AddConstraint(
            model_name='announcement',
            constraint=models.UniqueConstraint(fields=('card', 'slot', 'kind', 'network'), name='announcement_once_per_slot_per_network'),
        ),
        migrations.AddConstraint(
            model_name='announcement',
            constraint=models.CheckConstraint(condition=models.Q(('network__in', ['mastodon', 'bluesky'])), name='announcement_network_valid'),
        ),
        migrations.RunPython(let_the_chair_read_announcements, forget_it),
    ]
