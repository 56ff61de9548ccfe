"""Issue 21: the chair reads the task worker's results (what was sent, what waits, what
failed and why) in the admin; a card's history says when its host got a new manage link.

The Chair group gets view permission on django-tasks-db's task results only: the backend's
admin allows no adding, changing or deleting anyway.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations, models

TASKS_APP = "django_tasks_database"  # django-tasks-db's app label


def let_the_chair_read_tasks(apps, schema_editor):
    # Permissions are normally created after all migrations ran; create them now.
    app_config = apps.get_app_config(TASKS_APP)
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, apps=apps)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Chair")
    group.permissions.add(
        Permission.objects.get(content_type__app_label=TASKS_APP, codename="view_dbtaskresult")
    )


def forget_tasks(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    chair = apps.get_model("auth", "Group").objects.filter(name="Chair").first()
    if chair is not None:
        chair.permissions.remove(
            *Permission.objects.filter(content_type__app_label=TASKS_APP)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("boards", "0008_issue14_verbose_names"),
        (TASKS_APP, "0021_conditional_partial_index_ordering"),
    ]

    operations = [
        migrations.AlterField(
            model_name="cardevent",
            name="action",
            field=models.CharField(
                choices=[
                    ("claimed", "Claimed"),
                    ("edited", "Edited"),
                    ("moved", "Moved"),
                    ("released", "Released"),
                    ("removed", "Removed"),
                    ("restored", "Restored"),
                    ("flagged", "Flagged"),
                    ("hidden", "Hidden pending review"),
                    ("flags_cleared", "Flags cleared"),
                    ("link_renewed", "New manage link (the host lost theirs)"),
                ],
                max_length=20,
                verbose_name="action",
            ),
        ),
        migrations.RunPython(let_the_chair_read_tasks, forget_tasks),
    ]
