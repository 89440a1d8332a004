"""Three fewer index entries per audit event, with the same lookups served.

* The actor's own index goes: ``(actor, seq)`` answers every lookup by actor,
  and is now partial (events with an actor), since most events are the system's.
* The action keeps one index of Django's two: the ``varchar_pattern_ops`` one
  (``…_like``) serves equality as well as the explorer's prefix search, so it
  is renamed ``audit_action_idx`` and the plain one is dropped.

On PostgreSQL the new index is built CONCURRENTLY before the old ones are
dropped CONCURRENTLY (outside a transaction), so appends go on during the
migration; a rename is instant. The old automatic index names are looked up
in the catalogue rather than assumed.
"""

from django.db import migrations, models

ACTOR_SEQ = models.Index(fields=["actor", "seq"], name="audit_actor_seq_idx", condition=models.Q(actor__isnull=False))
ACTION = models.Index(fields=["action"], name="audit_action_idx", opclasses=["varchar_pattern_ops"])
OLD_ACTOR_SEQ = models.Index(fields=["actor", "seq"], name="audit_actor_idx")


def _indexes_on(cursor, column: str) -> list[tuple[str, str]]:
    """(name, definition) of the single-column indexes on portal_auditevent.<column>."""
    cursor.execute(
        """
        SELECT i.relname, pg_get_indexdef(i.oid)
          FROM pg_index x
          JOIN pg_class i ON i.oid = x.indexrelid
          JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = x.indkey[0]
         WHERE x.indrelid = 'portal_auditevent'::regclass AND x.indnatts = 1 AND a.attname = %s
           AND NOT x.indisunique
        """,
        [column],
    )
    return cursor.fetchall()


def forward(apps, schema_editor):
    event = apps.get_model("portal", "AuditEvent")
    if schema_editor.connection.vendor != "postgresql":
        with schema_editor.connection.cursor() as cursor:
            found = schema_editor.connection.introspection.get_constraints(cursor, event._meta.db_table)
        for name, info in found.items():
            if info["index"] and not info["unique"] and info["columns"] in (["actor_id"], ["action"]):
                schema_editor.execute(f'DROP INDEX "{name}"')
        schema_editor.add_index(event, ACTOR_SEQ)
        schema_editor.remove_index(event, OLD_ACTOR_SEQ)
        schema_editor.add_index(event, ACTION)
        return
    schema_editor.add_index(event, ACTOR_SEQ, concurrently=True)
    schema_editor.remove_index(event, OLD_ACTOR_SEQ, concurrently=True)
    with schema_editor.connection.cursor() as cursor:
        for name, _definition in _indexes_on(cursor, "actor_id"):
            cursor.execute(f'DROP INDEX CONCURRENTLY IF EXISTS "{name}"')
        action = _indexes_on(cursor, "action")
        pattern = [name for name, definition in action if "varchar_pattern_ops" in definition]
        plain = [name for name, definition in action if "varchar_pattern_ops" not in definition]
        if pattern:
            cursor.execute(f'ALTER INDEX "{pattern[0]}" RENAME TO "{ACTION.name}"')
        else:
            schema_editor.add_index(event, ACTION, concurrently=True)
        for name in plain + pattern[1:]:
            cursor.execute(f'DROP INDEX CONCURRENTLY IF EXISTS "{name}"')


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("portal", "0013_audit_append_creates_a_missing_head")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="auditevent",
                    name="actor",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_index=False,
                        editable=False,
                        null=True,
                        on_delete=models.deletion.DO_NOTHING,
                        related_name="+",
                        to="portal.user",
                    ),
                ),
                migrations.AlterField(
                    model_name="auditevent", name="action", field=models.CharField(editable=False, max_length=100)
                ),
                migrations.RemoveIndex(model_name="auditevent", name="audit_actor_idx"),
                migrations.AddIndex(model_name="auditevent", index=ACTOR_SEQ),
                migrations.AddIndex(model_name="auditevent", index=ACTION),
            ],
            database_operations=[migrations.RunPython(forward, migrations.RunPython.noop, elidable=False)],
        )
    ]
