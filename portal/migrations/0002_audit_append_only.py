"""Make the audit table append-only on PostgreSQL.

UPDATE, DELETE and TRUNCATE are refused by triggers, with one exception:
retention may clear the redactable payload (``changes``, ``target_display``)
and set ``redacted_at`` once, leaving every hashed column untouched, so the
chain still verifies. SQLite has no such triggers; there the admin and the
service layer are the only guards, which is acceptable for the embedded mode.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION hallmark_audit_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND OLD.redacted_at IS NULL
       AND NEW.redacted_at IS NOT NULL
       AND NEW.changes IS NULL
       AND NEW.target_display = ''
       AND (NEW.id, NEW.seq, NEW.created_at, NEW.actor_id, NEW.actor_display, NEW.actor_role, NEW.action,
            NEW.target_type, NEW.target_id, NEW.reason, NEW.request_id, NEW.ip, NEW.payload_digest,
            NEW.prev_hash, NEW.hash)
           IS NOT DISTINCT FROM
           (OLD.id, OLD.seq, OLD.created_at, OLD.actor_id, OLD.actor_display, OLD.actor_role, OLD.action,
            OLD.target_type, OLD.target_id, OLD.reason, OLD.request_id, OLD.ip, OLD.payload_digest,
            OLD.prev_hash, OLD.hash)
    THEN
        RETURN NEW;  -- retention redaction: payload erased, chain intact
    END IF;
    RAISE EXCEPTION 'portal_auditevent is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER hallmark_audit_no_update_delete
    BEFORE UPDATE OR DELETE ON portal_auditevent
    FOR EACH ROW EXECUTE FUNCTION hallmark_audit_guard();

CREATE TRIGGER hallmark_audit_no_truncate
    BEFORE TRUNCATE ON portal_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION hallmark_audit_guard();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS hallmark_audit_no_truncate ON portal_auditevent;
DROP TRIGGER IF EXISTS hallmark_audit_no_update_delete ON portal_auditevent;
DROP FUNCTION IF EXISTS hallmark_audit_guard();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)  # the SQL contains a literal %


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("portal", "0001_initial")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
