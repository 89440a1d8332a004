"""``hallmark_audit_append`` brings a head that fell behind the events back in step.

The head falls behind when events are written without moving it: a bulk load
that forgot to, or (during a rolling deploy onto 0008/0009) a process still
running the older code, which appended under an advisory lock. Before this,
every later append then failed on the unique sequence number. Now, with the
head locked, the function looks at the newest event (one index probe), and if
it is at or past the new sequence number it moves the head onto that event
and appends after it. Stop every older writer before migrating anyway: the
older code and this one do not exclude each other.
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
            RETURN;  -- no head row: the caller creates it and calls again
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
    """Back to 0009's function (without the catch-up)."""
    if schema_editor.connection.vendor == "postgresql":
        from importlib import import_module

        previous = import_module("portal.migrations.0009_audit_append_function")
        schema_editor.execute(previous.FORWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("portal", "0010_audit_verification")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
