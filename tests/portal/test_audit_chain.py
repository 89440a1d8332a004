from __future__ import annotations

import itertools
from datetime import UTC

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from hypothesis import given
from hypothesis import strategies as st

from portal import audit
from portal.audit.canonical import hashed_text
from portal.audit.models import AuditEvent
from tests.factories import UserFactory
from tests.helpers import recorded

pytestmark = pytest.mark.django_db


def _record(n: int, actor=None):
    target = UserFactory()
    return [
        recorded(
            action=audit.PortalAction.USER_CHANGED,
            actor=actor,
            target=target,
            changes={"email": {"before": f"a{i}@x.test", "after": f"b{i}@x.test"}},
            reason=f"change {i}",
        )
        for i in range(n)
    ]


def test_events_link_into_one_chain_and_verify():
    # given
    start = AuditEvent.objects.count()
    events = _record(5)
    # then
    assert [e.seq for e in events] == list(range(start + 1, start + 6))
    for earlier, later in itertools.pairwise(events):
        assert later.prev_hash == earlier.hash
    result = audit.verify_chain()
    assert result.ok, result.problem
    assert result.count == start + 5
    assert result.head_hash == events[-1].hash


def test_event_stamps_actor_role_request_and_target():
    from portal import context
    from portal.roles import Role
    from tests.factories import staff

    officer = staff(Role.VETTING_OFFICER)
    token = context.set_current(context.RequestContext(request_id="req-123", ip="203.0.113.9"))
    try:
        event = recorded(action=audit.PortalAction.USER_CHANGED, actor=officer, target=officer, reason="why")
    finally:
        context.reset(token)
    event.refresh_from_db()
    assert event.actor_id == officer.pk
    assert event.actor_role == "vetting_officer"
    assert event.actor_display == officer.username
    assert (event.request_id, event.ip) == ("req-123", "203.0.113.9")
    assert (event.target_type, event.target_id) == ("portal.user", str(officer.pk))


def test_system_actor_is_named_system():
    event = _record(1)[0]
    assert event.actor_id is None
    assert (event.actor_display, event.actor_role) == ("system", "system")


def test_unknown_action_is_refused():
    with pytest.raises(ValueError, match="unknown audit action"):
        audit.record(action="made.up", actor=None, target_type="x.y", target_id=1)


def test_target_is_required():
    with pytest.raises(ValueError, match="needs a target"):
        audit.record(action=audit.PortalAction.USER_CHANGED, actor=None)


def test_event_rolls_back_with_the_change_it_records():
    before = AuditEvent.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        _record(1)
        raise RuntimeError("the change failed")
    assert AuditEvent.objects.count() == before


def test_floats_and_decimals_are_stored_as_text_so_hashes_survive_the_database():
    from decimal import Decimal

    target = UserFactory()
    event = recorded(
        action=audit.PortalAction.USER_CHANGED,
        actor=None,
        target=target,
        changes={"price": {"before": 1.10, "after": Decimal("2.50")}},
    )
    event.refresh_from_db()
    assert event.changes == {"price": {"before": "1.1", "after": "2.50"}}
    assert audit.verify_chain().ok


def _tamper(sql: str, params) -> None:
    """A database administrator editing rows behind the application's back
    (on PostgreSQL with the append-only trigger switched off first)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE portal_auditevent DISABLE TRIGGER USER")
        try:
            cursor.execute(sql, params)
        finally:
            if connection.vendor == "postgresql":
                cursor.execute("ALTER TABLE portal_auditevent ENABLE TRIGGER USER")


@pytest.mark.parametrize(
    ("sql", "problem", "offset"),
    [
        ("UPDATE portal_auditevent SET reason = 'nothing to see' WHERE seq = %s", "do not match its hash", 0),
        ("UPDATE portal_auditevent SET changes = '{}' WHERE seq = %s", "payload digest", 0),
        ("UPDATE portal_auditevent SET target_display = 'someone else' WHERE seq = %s", "payload digest", 0),
        # A deleted event shows as the gap right after it.
        ("DELETE FROM portal_auditevent WHERE seq = %s", "sequence jumps", 1),
    ],
)
def test_verify_names_the_first_altered_or_missing_event(sql, problem, offset):
    events = _record(4)
    victim = events[1]
    _tamper(sql, [victim.seq])
    result = audit.verify_chain()
    assert not result.ok
    assert result.broken_seq == victim.seq + offset
    assert result.count == victim.seq - 1
    assert problem in result.problem
    with pytest.raises(CommandError, match=f"seq={victim.seq + offset}"):
        call_command("verify_audit")


def test_verify_detects_an_event_inserted_out_of_order():
    events = _record(3)
    # Re-number the last event as if it had been slipped in before the middle one.
    _tamper("UPDATE portal_auditevent SET seq = %s WHERE seq = %s", [events[-1].seq + 10, events[-1].seq])
    _tamper("UPDATE portal_auditevent SET seq = %s WHERE seq = %s", [events[-1].seq, events[1].seq])
    _tamper("UPDATE portal_auditevent SET seq = %s WHERE seq = %s", [events[1].seq, events[-1].seq + 10])
    result = audit.verify_chain()
    assert not result.ok
    assert result.broken_seq == events[1].seq
    assert "prev_hash" in result.problem


def test_redaction_erases_the_payload_and_the_chain_still_verifies():
    events = _record(3)
    assert audit.redact_payload(event_ids=[events[1].pk]) == 1
    events[1].refresh_from_db()
    assert events[1].changes is None and events[1].target_display == ""
    result = audit.verify_chain()
    assert result.ok, result.problem
    assert result.redacted == 1


def test_verify_audit_command_reports_count_and_head(capsys):
    events = _record(2)
    call_command("verify_audit")
    out = capsys.readouterr().out
    assert "audit chain OK" in out
    assert events[-1].hash in out


def test_diff_lists_only_changed_fields():
    assert audit.diff({"a": 1, "b": 2}, {"a": 1, "b": 3, "c": None}) == {"b": {"before": 2, "after": 3}}


@given(
    st.fixed_dictionaries(
        {
            name: st.one_of(st.none(), st.booleans(), st.integers(), st.text(), st.floats(allow_nan=False))
            for name in audit.HASHED_FIELDS
            if name not in {"created_at", "ip"}
        }
    ),
    st.datetimes(timezones=st.just(UTC)),
    st.one_of(st.none(), st.just(""), st.ip_addresses().map(str)),
)
def test_the_walk_writes_a_stored_event_s_hashed_text_as_canonical_does(fields, when, ip):
    """verify_chain writes the text key by key for speed; it must be canonical()'s, byte for byte."""
    stored = {**fields, "created_at": when, "ip": ip}
    expected = {**fields, "created_at": audit.format_time(when), "ip": ip or None}
    assert hashed_text(stored).encode() == audit.canonical(expected)
