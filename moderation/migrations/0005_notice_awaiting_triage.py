"""A partial index of the notices waiting for triage (no case yet), oldest first.

Built CONCURRENTLY on PostgreSQL (the migration runs outside a transaction), so
notices keep arriving while it builds.
"""

from django.db import migrations, models

INDEX = models.Index(fields=["id"], name="notice_awaiting_triage", condition=models.Q(case__isnull=True))


def forward(apps, schema_editor):
    notice = apps.get_model("moderation", "Notice")
    concurrently = {"concurrently": True} if schema_editor.connection.vendor == "postgresql" else {}
    schema_editor.add_index(notice, INDEX, **concurrently)


def backward(apps, schema_editor):
    notice = apps.get_model("moderation", "Notice")
    concurrently = {"concurrently": True} if schema_editor.connection.vendor == "postgresql" else {}
    schema_editor.remove_index(notice, INDEX, **concurrently)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("moderation", "0004_listing_image_preview")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AddIndex(model_name="notice", index=INDEX)],
            database_operations=[migrations.RunPython(forward, backward, elidable=False)],
        )
    ]
