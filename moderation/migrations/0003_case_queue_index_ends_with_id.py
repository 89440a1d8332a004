"""The queue index ends with the case id, matching the claim and queue ordering exactly.

Built under a new name before the old index is dropped, both CONCURRENTLY on
PostgreSQL, so a live queue keeps working while the index builds (the
migration runs outside a transaction for that).
"""

from django.db import migrations, models

OLD = models.Index(fields=["status", "-priority", "due_at"], name="case_queue_idx")
NEW = models.Index(fields=["status", "-priority", "due_at", "id"], name="case_queue_order_idx")


def _swap(apps, schema_editor, add, drop):
    case = apps.get_model("moderation", "Case")
    concurrently = {"concurrently": True} if schema_editor.connection.vendor == "postgresql" else {}
    schema_editor.add_index(case, add, **concurrently)
    schema_editor.remove_index(case, drop, **concurrently)


def forward(apps, schema_editor):
    _swap(apps, schema_editor, NEW, OLD)


def backward(apps, schema_editor):
    _swap(apps, schema_editor, OLD, NEW)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("moderation", "0002_case_opened_index")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveIndex(model_name="case", name="case_queue_idx"),
                migrations.AddIndex(model_name="case", index=NEW),
            ],
            database_operations=[migrations.RunPython(forward, backward, elidable=False)],
        )
    ]
