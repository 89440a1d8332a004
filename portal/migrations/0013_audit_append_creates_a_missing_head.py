"""``hallmark_audit_append`` creates a missing chain head instead of returning no row.

Since ``portal.db_backend`` an append travels with the transaction's next
statement, whose result is the caller's: nobody sees the append's row, so an
append that silently did nothing would lose the event. The function now
stands a missing head on the newest event (as ``portal.audit.ensure_head``
does) and appends; it always returns the new event's row.
"""

from importlib import import_module

from django.db import migrations

# 0011's function with one branch changed (migrations are snapshots: 0011's text never changes).
_PREVIOUS = import_module("portal.migrations.0011_audit_append_keeps_the_head_in_step").FORWARD
_NO_HEAD_BEFORE = """        IF NOT FOUND THEN
            RETURN;  -- no head row: the caller creates it and calls again
        END IF;"""
_NO_HEAD_NOW = """        IF NOT FOUND THEN
            -- No head row (a fresh or truncated database): stand one on the newest event, or
            -- on the genesis, and go round again. A concurrent append creating it too waits
            -- for ours and then does nothing.
            INSERT INTO portal_auditchainhead (id, seq, prev_hash, hash, created_at)
            SELECT 1, coalesce(e.seq, 0), coalesce(e.prev_hash, ''), coalesce(e.hash, repeat('0', 64)), e.created_at
              FROM (SELECT 1) AS one
              LEFT JOIN LATERAL (SELECT seq, prev_hash, hash, created_at FROM portal_auditevent
                                  ORDER BY seq DESC LIMIT 1) AS e ON true
            ON CONFLICT (id) DO NOTHING;
            CONTINUE;
        END IF;"""
assert _PREVIOUS.count(_NO_HEAD_BEFORE) == 1
FORWARD = _PREVIOUS.replace(_NO_HEAD_BEFORE, _NO_HEAD_NOW)


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)  # the SQL contains a literal %


def backward(apps, schema_editor):
    """Back to 0011's function (returns no row without a head)."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(_PREVIOUS, params=None)


class Migration(migrations.Migration):
    dependencies = [("portal", "0012_audit_hash_not_indexed")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
