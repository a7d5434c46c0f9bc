"""The "Criteria curators" group: edits trials, criteria and test patients; never users.

Kept self-contained (no imports from the app) so it runs the same on any later code.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Criteria curators"
PERMISSIONS = [
    "view_trial",
    "add_trial",
    "change_trial",
    "view_criterion",
    "add_criterion",
    "change_criterion",
    "view_testpatient",
    "add_testpatient",
    "change_testpatient",
    # Test patients belong to the curators who write them; criteria and trials come from the
    # registry and are never deleted by hand.
    "delete_testpatient",
]


def create_curators_group(apps, schema_editor) -> None:
    # Permissions are normally created after all migrations ran; a fresh database needs them now.
    # (create_permissions skips an app without a models module, which migration states lack.)
    app_config = apps.get_app_config("trials")
    models_module = getattr(app_config, "models_module", None)
    app_config.models_module = models_module or True
    try:
        create_permissions(app_config, apps=apps, verbosity=0)
    finally:
        app_config.models_module = models_module

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="trials", codename__in=PERMISSIONS)
    )


def remove_curators_group(apps, schema_editor) -> None:
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("trials", "0002_criterion_version_test_patients"),
    ]

    operations = [migrations.RunPython(create_curators_group, remove_curators_group)]
