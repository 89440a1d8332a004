"""``hallmark_audit_append`` creates a missing chain head instead of returning no row.

Since ``portal.db_backend`` an append travels with the transaction's next
statement, whose result is the caller's: nobody sees the append's row, so an
append that silently did nothing would lose the event. The function now
stands a missing head on the newest event (as ``portal.audit.ensure_head``
does) and appends; it always returns the new event's row.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION hallmark_audit_append(
    p0 text, p1 text, p2 text, p3 text, at timestamptz,
    a_actor_id bigint, a_actor_display text, a_actor_role text, a_action text,
    a_target_type text, a_target_id text, a_target_display text, a_changes jsonb,
    a_reason text, a_request_id text, a_ip inet, a_payload_digest text
) RETURNS TABLE (event_id bigint, event_seq bigint, event_prev_hash text, event_created_at timestamptz,
                 event_hash text)
LANGUAGE plpgsql AS $fn$
DECLARE
    head portal_auditchainhead%ROWTYPE;
    newest record;
BEGIN
    LOOP
        UPDATE portal_auditchainhead AS h
           SET (seq, prev_hash, created_at, hash) = (
               SELECT n.seq, n.prev_hash, n.created_at,
                      encode(sha256(convert_to(
                          p0 || to_char(n.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
                          || p1 || n.prev_hash || p2 || n.seq::text || p3, 'UTF8')), 'hex')
                 FROM (SELECT h.seq + 1 AS seq, h.hash AS prev_hash, GREATEST(at, h.created_at) AS created_at) AS n)
         WHERE h.id = 1
        RETURNING h.* INTO head;
        IF NOT FOUND THEN
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
        END IF;
        SELECT e.seq, e.prev_hash, e.hash, e.created_at INTO newest
          FROM portal_auditevent AS e ORDER BY e.seq DESC LIMIT 1;
        EXIT WHEN NOT FOUND OR newest.seq < head.seq;
        -- behind: stand on the newest event and compute the new link again
        UPDATE portal_auditchainhead
           SET seq = newest.seq, prev_hash = newest.prev_hash, hash = newest.hash, created_at = newest.created_at
         WHERE id = 1;
    END LOOP;
    RETURN QUERY
    INSERT INTO portal_auditevent AS e (
        seq, prev_hash, created_at, hash, actor_id, actor_display, actor_role, action, target_type,
        target_id, target_display, changes, reason, request_id, ip, payload_digest)
    VALUES (
        head.seq, head.prev_hash, head.created_at, head.hash, a_actor_id, a_actor_display, a_actor_role,
        a_action, a_target_type, a_target_id, a_target_display, a_changes, a_reason, a_request_id, a_ip,
        a_payload_digest)
    RETURNING e.id, e.seq, e.prev_hash::text, e.created_at, e.hash::text;
END
$fn$;
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)  # the SQL contains a literal %


def backward(apps, schema_editor):
    """Back to 0011's function (returns no row without a head)."""
    if schema_editor.connection.vendor == "postgresql":
        from importlib import import_module

        previous = import_module("portal.migrations.0011_audit_append_keeps_the_head_in_step")
        schema_editor.execute(previous.FORWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("portal", "0012_audit_hash_not_indexed")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
