"""Daily checkpoints of the audit chain: the head hash at the end of each UTC day.

A checkpoint is recorded only after the events it covers have been verified
(from the previous checkpoint on), so a checkpoint never vouches for a chain
that was already broken. Exports list the checkpoints; an auditor who kept an
older export proves that nothing up to one of its checkpoints changed since by
finding the same hash at the same ``seq`` in a new export.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from portal import audit
from portal.models import AuditCheckpoint, AuditEvent

logger = logging.getLogger(__name__)

MAX_DAYS_PER_RUN = 400


class ChainBroken(Exception):
    def __init__(self, seq: int, problem: str):
        super().__init__(f"audit chain broken at seq {seq}: {problem}")
        self.seq = seq
        self.problem = problem


def day_end(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=UTC)


def _rows_between(after_seq: int, upto_seq: int, chunk_size: int = 5000) -> Iterator[tuple]:
    last = after_seq
    while last < upto_seq:
        chunk = list(
            AuditEvent.objects.filter(seq__gt=last, seq__lte=upto_seq)
            .order_by("seq")
            .values_list(*audit._VERIFY_COLUMNS)[:chunk_size]
        )
        if not chunk:
            return
        yield from chunk
        last = chunk[-1][1]


def verify_segment(*, after_seq: int, after_hash: str, upto_seq: int) -> str:
    """Check the events after a trusted point up to ``upto_seq``; return the head hash."""
    expected_seq, expected_prev = after_seq + 1, after_hash
    for row in _rows_between(after_seq, upto_seq):
        rec = dict(zip(audit._VERIFY_COLUMNS, row, strict=True))
        problem = audit._check_event(rec, expected_seq=expected_seq, expected_prev=expected_prev)
        if problem:
            raise ChainBroken(rec["seq"], problem)
        expected_seq += 1
        expected_prev = rec["hash"]
    if expected_seq - 1 != upto_seq:
        raise ChainBroken(expected_seq, f"events {expected_seq} to {upto_seq} are missing")
    return expected_prev


def checkpoints_record(*, today: date | None = None) -> list[AuditCheckpoint]:
    """Record a checkpoint for every whole UTC day not yet covered. Idempotent.

    Days without events get a checkpoint too (same head as the day before), so
    a missing day is never mistaken for a gap.
    """
    today = today or timezone.now().astimezone(UTC).date()
    last = AuditCheckpoint.objects.order_by("-day").first()
    if last is not None:
        start, prev_seq, prev_hash = last.day + timedelta(days=1), last.seq, last.hash
    else:
        first = AuditEvent.objects.order_by("seq").values_list("created_at", flat=True).first()
        if first is None:
            return []
        start, prev_seq, prev_hash = first.astimezone(UTC).date(), 0, audit.GENESIS_HASH
    created = []
    day = start
    while day < today and len(created) < MAX_DAYS_PER_RUN:
        head = (
            AuditEvent.objects.filter(created_at__lt=day_end(day)).order_by("-seq").values_list("seq", "hash").first()
        )
        head_seq = head[0] if head else 0
        head_hash = verify_segment(after_seq=prev_seq, after_hash=prev_hash, upto_seq=head_seq)
        try:
            with transaction.atomic():
                checkpoint, _ = AuditCheckpoint.objects.get_or_create(
                    day=day, defaults={"seq": head_seq, "hash": head_hash, "events_that_day": head_seq - prev_seq}
                )
        except IntegrityError:  # another run recorded the same day a moment ago
            checkpoint = AuditCheckpoint.objects.get(day=day)
        created.append(checkpoint)
        prev_seq, prev_hash = checkpoint.seq, checkpoint.hash
        day += timedelta(days=1)
    return created


def checkpoints_check() -> tuple[int, AuditCheckpoint | None]:
    """Compare every checkpoint with the chain: (how many hold, the first that does not)."""
    held = 0
    hashes = {}
    checkpoints = list(AuditCheckpoint.objects.order_by("day"))
    seqs = [c.seq for c in checkpoints if c.seq]
    for start in range(0, len(seqs), 1000):
        hashes.update(AuditEvent.objects.filter(seq__in=seqs[start : start + 1000]).values_list("seq", "hash"))
    for checkpoint in checkpoints:
        expected = hashes.get(checkpoint.seq) if checkpoint.seq else audit.GENESIS_HASH
        if expected != checkpoint.hash:
            return held, checkpoint
        held += 1
    return held, None
