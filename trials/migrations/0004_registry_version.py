"""The registry version: one row, moved on by every write to the trials or their criteria.

Kept self-contained (no imports from the app) so it runs the same on any later code.
"""

import uuid

from django.db import migrations, models


def create_version_row(apps, schema_editor) -> None:
    # The catalogue reads it on every request; every registry write moves it on from here.
    RegistryVersion = apps.get_model("trials", "RegistryVersion")
    RegistryVersion.objects.using(schema_editor.connection.alias).create(id=1)


class Migration(migrations.Migration):
    dependencies = [
        ("trials", "0003_criteria_curators_group"),
    ]

    operations = [
        migrations.CreateModel(
            name="RegistryVersion",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("number", models.PositiveBigIntegerField(default=0)),
                ("stamp", models.UUIDField(default=uuid.uuid4)),
            ],
            options={
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("id", 1)), name="registry_version_one_row"
                    )
                ],
            },
        ),
        migrations.RunPython(create_version_row, migrations.RunPython.noop),
    ]
