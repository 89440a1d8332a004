"""The append-only guarantees that only PostgreSQL can give."""

from __future__ import annotations

import threading

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, connections, transaction

from portal import audit
from portal.audit.models import AuditEvent
from tests.factories import UserFactory
from tests.helpers import recorded

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _event():
    return recorded(
        action=audit.PortalAction.USER_CHANGED, actor=None, target=UserFactory(), changes={"x": 1}, reason="r"
    )


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE portal_auditevent SET reason = 'edited' WHERE id = %s",
        # looks like a redaction but also rewrites the hash
        "UPDATE portal_auditevent SET changes = NULL, target_display = '', redacted_at = now(), hash = 'f' "
        "WHERE id = %s",
        "DELETE FROM portal_auditevent WHERE id = %s",
    ],
)
def test_raw_update_and_delete_are_refused(sql):
    event = _event()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [event.pk])
    event.refresh_from_db()
    assert event.reason == "r"


def test_truncate_is_refused():
    _event()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE portal_auditevent")
    assert AuditEvent.objects.exists()


def test_redaction_is_the_one_update_the_trigger_allows():
    event = _event()
    assert audit.redact_payload(event_ids=[event.pk]) == 1
    assert audit.verify_chain().ok


def test_row_altered_with_the_trigger_disabled_is_detected():
    events = [_event() for _ in range(3)]
    with connection.cursor() as cursor:
        # What a superuser with direct database access could do.
        cursor.execute("ALTER TABLE portal_auditevent DISABLE TRIGGER USER")
        try:
            cursor.execute("UPDATE portal_auditevent SET action = 'portal.user.created' WHERE id = %s", [events[1].pk])
        finally:
            cursor.execute("ALTER TABLE portal_auditevent ENABLE TRIGGER USER")
    with pytest.raises(CommandError, match=f"seq={events[1].seq}"):
        call_command("verify_audit")


def test_eight_concurrent_writers_produce_one_unbroken_chain():
    target = UserFactory()
    per_writer = 25
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def writer(n: int) -> None:
        try:
            barrier.wait()
            for i in range(per_writer):
                with transaction.atomic():
                    audit.record(
                        action=audit.PortalAction.USER_CHANGED,
                        actor=None,
                        target=target,
                        changes={"writer": n, "i": i},
                    )
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            connections.close_all()

    before = AuditEvent.objects.count()
    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert AuditEvent.objects.count() == before + 8 * per_writer
    audit.seal_pending()
    result = audit.verify_chain()
    assert result.ok, result.problem
    assert AuditEvent.objects.values("prev_hash").distinct().count() == AuditEvent.objects.count()


HOSTILE_TEXT = 'quote " backslash \\ newline \n tab \t nul-ish \x01 line-sep \u2028 emoji \U0001f9fe ünïcødé'


def test_the_hash_the_sealer_computes_is_the_documented_one():
    """The sealer hashes what PostgreSQL stored and reads back; the documented rule must agree byte for byte."""
    from portal import context

    token = context.set_current(context.RequestContext(request_id="req-1", ip="2001:db8::1"))
    try:
        event = recorded(
            action=audit.PortalAction.USER_CHANGED,
            actor=UserFactory(username="o'brien\"x"),
            target=UserFactory(),
            target_display=HOSTILE_TEXT,
            changes={"note": HOSTILE_TEXT, "n": 1.5, "nested": {"b": [1, None, True]}},
            reason=HOSTILE_TEXT,
        )
    finally:
        context.reset(token)
    stored = AuditEvent.objects.get(pk=event.pk)
    fields = {name: getattr(stored, name) for name in audit.HASHED_FIELDS}
    fields["created_at"] = audit.format_time(stored.created_at)
    assert stored.hash == event.hash == audit.event_hash(fields)
    assert (stored.seq, stored.prev_hash, stored.created_at) == (event.seq, event.prev_hash, event.created_at)
    assert audit.verify_chain().ok


def test_a_rolled_back_change_leaves_no_event_and_no_gap():
    first = _event()
    with pytest.raises(RuntimeError), transaction.atomic():
        _event()
        raise RuntimeError("the change failed after its event was written")
    third = _event()
    assert third.seq == first.seq + 1
    assert audit.verify_chain().ok


@pytest.mark.parametrize(
    ("client_address", "recorded"),
    [
        ("::ffff:10.1.2.3", "10.1.2.3"),  # IPv4-mapped: dual-stack servers see IPv4 clients like this
        ("::102:304", "::1.2.3.4"),
        ("::ffff:0", "::255.255.0.0"),
        ("::2", "::2"),
        ("::1", "::1"),
        ("2001:DB8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
        ("fe80::1%eth0", "fe80::1"),
        ("192.0.2.7", "192.0.2.7"),
    ],
)
def test_every_client_address_reads_back_as_it_was_hashed(client_address, recorded):
    from portal import context

    token = context.set_current(context.RequestContext(request_id="r", ip=client_address))
    try:
        event = _event()
    finally:
        context.reset(token)
    assert AuditEvent.objects.get(pk=event.pk).ip == event.ip == recorded
    assert audit.verify_chain().ok


def test_clean_ip_prints_any_address_as_postgresql_does():
    """The rule above, over many addresses: PostgreSQL's own output is the oracle."""
    import random

    from portal.context import clean_ip

    rng = random.Random(7)
    samples = [rng.getrandbits(128) for _ in range(200)]
    samples += [rng.getrandbits(32) for _ in range(200)]  # ::/96, where the two differ
    samples += [rng.getrandbits(20) for _ in range(50)] + [0xFFFF << 32 | rng.getrandbits(32) for _ in range(50)]
    import ipaddress

    texts = [str(ipaddress.IPv6Address(n)) for n in samples]
    with connection.cursor() as cursor:
        cursor.execute("SELECT host(x::inet) FROM unnest(%s::text[]) AS x", [[clean_ip(t) for t in texts]])
        stored = [row[0] for row in cursor.fetchall()]
    assert stored == [clean_ip(t) for t in texts]
