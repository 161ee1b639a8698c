"""Create the "network managers" group with the permissions to run the directory."""

from django.conf import settings
from django.contrib.auth.management import create_permissions
from django.db import migrations

DIRECTORY_PERMISSIONS = [
    "add_organization",
    "change_organization",
    "delete_organization",
    "view_organization",
    "add_sector",
    "change_sector",
    "delete_sector",
    "view_sector",
]


def create_group(apps, schema_editor):
    # Permissions are normally created after all migrations ran; make sure they exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=settings.NETWORK_MANAGERS_GROUP)
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="directory", codename__in=DIRECTORY_PERMISSIONS
        )
    )


def delete_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=settings.NETWORK_MANAGERS_GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_group, delete_group)]
