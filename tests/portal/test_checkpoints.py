"""Daily checkpoints: the signed checkpoint standing at the end of each UTC day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from portal import audit
from portal.audit.checkpoints import checkpoints_check, checkpoints_record
from portal.audit.models import AuditDailyCheckpoint, AuditLogCheckpoint
from portal.audit.notes import open_checkpoint
from tests.factories import UserFactory
from tests.helpers import recorded

pytestmark = pytest.mark.django_db


def _events_on(day: datetime, n: int, target):
    """Events written and sealed on a given day (the clock moved back, as if they were written then)."""
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


def test_each_whole_day_gets_the_signed_checkpoint_standing_at_its_end(three_days):
    start, day1, day3 = three_days
    created = checkpoints_record(today=start.date() + timedelta(days=3))
    assert [c.day for c in created] == [start.date() + timedelta(days=i) for i in range(3)]
    first, empty, third = created
    assert first.checkpoint.tree_size == day1[-1].seq
    # a day without events names the checkpoint of the day before, so a missing day is never a gap
    assert empty.checkpoint_id == first.checkpoint_id
    assert third.checkpoint.tree_size == day3[-1].seq
    opened = open_checkpoint(third.checkpoint.note)
    assert (opened.size, opened.root) == (third.checkpoint.tree_size, bytes(third.checkpoint.root_hash))


def test_recording_is_idempotent_and_never_covers_today(three_days):
    start, _day1, _day3 = three_days
    today = start.date() + timedelta(days=2)
    assert len(checkpoints_record(today=today)) == 2
    assert checkpoints_record(today=today) == []
    assert not AuditDailyCheckpoint.objects.filter(day=today).exists()
    assert len(checkpoints_record(today=today + timedelta(days=1))) == 1


def test_the_periodic_task_records_checkpoints(three_days):
    from portal.tasks import record_audit_checkpoints

    assert record_audit_checkpoints.delay().get() == (datetime.now(UTC).date() - three_days[0].date()).days
    assert AuditDailyCheckpoint.objects.count() >= 3


def test_a_daily_checkpoint_rewritten_behind_the_signature_is_detected(three_days):
    from django.db import connection

    start, _day1, _day3 = three_days
    checkpoints_record(today=start.date() + timedelta(days=3))
    assert checkpoints_check() == (3, None)
    first = AuditDailyCheckpoint.objects.order_by("day").first().checkpoint
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE portal_auditlogcheckpoint DISABLE TRIGGER USER")
        AuditLogCheckpoint.objects.filter(pk=first.pk).update(root_hash=b"\x00" * 32)
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE portal_auditlogcheckpoint ENABLE TRIGGER USER")
    held, broken = checkpoints_check()
    assert held == 0
    assert broken.day == start.date()


@pytest.mark.postgres
def test_checkpoints_and_tree_nodes_are_write_once_on_postgres(three_days):
    from django.db import DatabaseError, transaction

    from portal.audit.models import AuditTreeNode

    checkpoints_record(today=three_days[0].date() + timedelta(days=1))
    for attempt in (
        lambda: AuditLogCheckpoint.objects.update(root_hash=b"\x00" * 32),
        lambda: AuditLogCheckpoint.objects.filter(days__isnull=True).delete(),
        lambda: AuditTreeNode.objects.all().delete(),
        lambda: AuditTreeNode.objects.update(hash=b"\x00" * 32),
        lambda: AuditDailyCheckpoint.objects.update(day=three_days[0].date()),
    ):
        with pytest.raises(DatabaseError, match="write-once"), transaction.atomic():
            attempt()
    # sent to the witnesses: once, and nothing else changes
    AuditDailyCheckpoint.objects.update(witnessed_at=datetime.now(UTC))
    with pytest.raises(DatabaseError, match="write-once"), transaction.atomic():
        AuditDailyCheckpoint.objects.update(witnessed_at=datetime.now(UTC))
