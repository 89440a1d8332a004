"""Append to the audit chain in one round trip on PostgreSQL.

``hallmark_audit_append`` moves the one-row chain head and inserts the event
in a single call, hashing it in the database. PL/pgSQL keeps both statements'
plans, so a call costs little more than the insert itself.

The row lock on the head serialises writers until their transactions end; a
writer that waited is handed the head its predecessor committed (PostgreSQL
re-reads a row it waited for), so every event links to the one before it.
The hash is sha256 of the canonical text documented in ``portal/audit.py``:
Python sends that text in four pieces (``p0``..``p3``) around the three
values only the head knows: the time, the previous hash and the sequence
number. An event's time is the caller's clock, but never earlier than its
predecessor's, so times never go backwards along the chain.
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
BEGIN
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

BACKWARD = "DROP FUNCTION IF EXISTS hallmark_audit_append;"


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)  # the SQL contains a literal %


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("portal", "0008_audit_chain_head")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
