"""The Chair group: what a chair needs on the boards, and nothing on users or groups.

Days, rooms and slots can be added and changed, not deleted (a deletion would cascade
through a conference's slots). Cards can be changed (moved, removed, restored) but
neither added nor deleted: they are claimed by hosts and kept for the record. The
history and the flags are read-only.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CHAIR_PERMISSIONS = {
    "day": ["view", "add", "change"],
    "room": ["view", "add", "change"],
    "slot": ["view", "add", "change"],
    "card": ["view", "change"],
    "cardevent": ["view"],
    "flag": ["view"],
}


def create_chair_group(apps, schema_editor):
    # Permissions are normally created after all migrations ran; create them now.
    app_config = apps.get_app_config("boards")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, apps=apps)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Chair")
    codenames = [
        f"{action}_{model}" for model, actions in CHAIR_PERMISSIONS.items() for action in actions
    ]
    group.permissions.set(
        Permission.objects.filter(content_type__app_label="boards", codename__in=codenames)
    )


def remove_chair_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Chair").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("boards", "0002_card_history_and_flags"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_chair_group, remove_chair_group)]
