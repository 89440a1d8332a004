"""Daily checkpoints: the chain's head at the end of each UTC day, verified before it is recorded."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.urls import reverse

from portal import audit
from portal.checkpoints import ChainBroken, checkpoints_check, checkpoints_record
from portal.models import AuditCheckpoint, AuditEvent
from tests.factories import UserFactory
from tests.helpers import login_staff, recorded
from tests.portal.audit_seed import auditor, tamper

pytestmark = pytest.mark.django_db

SCRIPT = Path(__file__).resolve().parents[2] / "tools" / "verify_audit_export.py"


def _events_on(day: datetime, n: int, target) -> list[AuditEvent]:
    """Events stamped on a given day (the clock moved back, as if they were written then)."""
    from unittest import mock

    from django.utils import timezone

    events = []
    for i in range(n):
        with mock.patch.object(timezone, "now", return_value=day + timedelta(hours=1, minutes=i)):
            events.append(recorded(action=audit.PortalAction.USER_CHANGED, actor=None, target=target, reason=str(i)))
    return events


@pytest.fixture
def three_days():
    target = UserFactory()
    start = datetime(2026, 11, 1, tzinfo=UTC)
    day1 = _events_on(start, 3, target)
    day3 = _events_on(start + timedelta(days=2), 2, target)
    return start, day1, day3


def test_each_whole_day_gets_the_head_at_its_end(three_days):
    start, day1, day3 = three_days
    created = checkpoints_record(today=start.date() + timedelta(days=3))
    assert [c.day for c in created] == [start.date() + timedelta(days=i) for i in range(3)]
    first, empty, third = created
    assert (first.seq, first.hash, first.events_that_day) == (day1[-1].seq, day1[-1].hash, day1[-1].seq)
    # a day without events repeats the head, so a missing day is never mistaken for a gap
    assert (empty.seq, empty.hash, empty.events_that_day) == (first.seq, first.hash, 0)
    assert (third.seq, third.hash, third.events_that_day) == (day3[-1].seq, day3[-1].hash, 2)


def test_recording_is_idempotent_and_never_covers_today(three_days):
    start, _day1, _day3 = three_days
    today = start.date() + timedelta(days=2)
    assert len(checkpoints_record(today=today)) == 2
    assert checkpoints_record(today=today) == []
    assert not AuditCheckpoint.objects.filter(day=today).exists()
    assert len(checkpoints_record(today=today + timedelta(days=1))) == 1


def test_a_broken_chain_gets_no_checkpoint(three_days):
    start, day1, _day3 = three_days
    tamper(day1[1], reason="rewritten")
    with pytest.raises(ChainBroken) as caught:
        checkpoints_record(today=start.date() + timedelta(days=3))
    assert caught.value.seq == day1[1].seq
    assert not AuditCheckpoint.objects.exists()


def test_the_periodic_task_records_checkpoints(three_days):
    from portal.tasks import record_audit_checkpoints

    assert record_audit_checkpoints.delay().get() == (datetime.now(UTC).date() - three_days[0].date()).days
    assert AuditCheckpoint.objects.count() >= 3


def test_rewriting_history_after_a_checkpoint_is_detected(three_days):
    start, day1, _day3 = three_days
    checkpoints_record(today=start.date() + timedelta(days=3))
    assert checkpoints_check() == (3, None)
    # an attacker recomputes the hash of the last event of day one
    tamper(day1[-1], hash="f" * 64)
    held, broken = checkpoints_check()
    assert held == 0
    assert broken.day == start.date()


def test_exports_list_checkpoints_and_an_older_export_proves_nothing_changed(client, tmp_path, three_days):
    start, day1, _day3 = three_days
    checkpoints_record(today=start.date() + timedelta(days=3))
    login_staff(client, auditor())

    def download(name):
        response = client.get(reverse("admin:audit_export"), {"format": "jsonl"})
        path = tmp_path / name
        path.write_bytes(b"".join(response.streaming_content))
        return path

    old = download("old.jsonl")
    kept = [json.loads(line) for line in old.read_text().splitlines()]
    assert [r["day"] for r in kept if r["record"] == "checkpoint"] == ["2026-11-01", "2026-11-02", "2026-11-03"]
    new = download("new.jsonl")
    ok = subprocess.run([sys.executable, "-I", str(SCRIPT), str(new), "--against", str(old)], capture_output=True)
    assert ok.returncode == 0, ok.stderr
    # now history up to the first checkpoint is rewritten consistently: every hash recomputed
    _rewrite_from(day1[0])
    new = download("rewritten.jsonl")
    alone = subprocess.run([sys.executable, "-I", str(SCRIPT), str(new)], capture_output=True, text=True)
    against = subprocess.run(
        [sys.executable, "-I", str(SCRIPT), str(new), "--against", str(old)], capture_output=True, text=True
    )
    # the stored checkpoints (write-once) already disagree; the older export proves it independently
    assert alone.returncode == 1
    assert against.returncode == 1
    assert "2026-11-01" in against.stderr or f"seq={day1[-1].seq}" in against.stderr


def _rewrite_from(event: AuditEvent) -> None:
    """Change one event's reason and recompute every later hash, as a careful forger would."""
    rows = list(AuditEvent.objects.filter(seq__gte=event.seq).order_by("seq"))
    prev = AuditEvent.objects.filter(seq=event.seq - 1).values_list("hash", flat=True).first() or audit.GENESIS_HASH
    for row in rows:
        reason = "forged" if row.pk == event.pk else row.reason
        fields = {
            "seq": row.seq,
            "created_at": audit.format_time(row.created_at),
            "actor_id": row.actor_id,
            "actor_display": row.actor_display,
            "actor_role": row.actor_role,
            "action": row.action,
            "target_type": row.target_type,
            "target_id": row.target_id,
            "reason": reason,
            "request_id": row.request_id,
            "ip": row.ip or None,
            "payload_digest": row.payload_digest,
            "prev_hash": prev,
        }
        digest = audit.event_hash(fields)
        tamper(row, reason=reason, prev_hash=prev, hash=digest)
        prev = digest


@pytest.mark.postgres
def test_checkpoints_are_write_once_on_postgres(three_days):
    from django.db import DatabaseError, transaction

    checkpoints_record(today=three_days[0].date() + timedelta(days=1))
    for attempt in (
        lambda: AuditCheckpoint.objects.update(hash="0" * 64),
        lambda: AuditCheckpoint.objects.all().delete(),
    ):
        with pytest.raises(DatabaseError, match="write-once"), transaction.atomic():
            attempt()
    assert AuditCheckpoint.objects.get().hash == three_days[1][-1].hash


def test_csv_exports_carry_checkpoints_the_script_checks(client, tmp_path, three_days):
    import csv
    import io

    start, _day1, day3 = three_days
    checkpoints_record(today=start.date() + timedelta(days=3))
    login_staff(client, auditor())
    response = client.get(reverse("admin:audit_export"), {"format": "csv"})
    text = b"".join(response.streaming_content).decode()
    rows = [r for r in csv.DictReader(io.StringIO(text, newline="")) if r["record"] == "checkpoint"]
    assert [(r["day"], r["seq"], r["hash"]) for r in rows][-1] == ("2026-11-03", str(day3[-1].seq), day3[-1].hash)
    path = tmp_path / "export.csv"
    path.write_text(text, newline="")
    ok = subprocess.run([sys.executable, "-I", str(SCRIPT), str(path)], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert "3 checkpoint(s) consistent" in ok.stdout
    forged = text.replace(day3[-1].hash, "0" * 64, 1)  # the first occurrence is the event's own hash
    path.write_text(forged, newline="")
    broken = subprocess.run([sys.executable, "-I", str(SCRIPT), str(path)], capture_output=True, text=True)
    assert broken.returncode == 1
    assert f"event seq={day3[-1].seq} " in broken.stderr
