"""Daily checkpoints: the signed checkpoint that stood at the end of each UTC day.

The sealer signs a checkpoint with every batch; once a day is over, the one
standing at its end becomes that day's (``AuditDailyCheckpoint``), the one
witnesses receive (``portal.audit.witness``) and exports list. A quiet day
names the checkpoint of the day before, so a missing day is never mistaken
for a gap.

Before the log was a tree, a daily checkpoint was the chain's head hash at a
``seq`` (``AuditCheckpoint``); those stay on record and keep being checked.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from portal.audit.canonical import GENESIS_HASH
from portal.audit.models import AuditCheckpoint, AuditDailyCheckpoint, AuditEvent, AuditLogCheckpoint
from portal.audit.verify import check_checkpoint

MAX_DAYS_PER_RUN = 400


def day_end(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=UTC)


def checkpoints_record(*, today: date | None = None) -> list[AuditDailyCheckpoint]:
    """Name the checkpoint of every whole UTC day not yet covered. Idempotent.

    A day ends before the first signed checkpoint only while the log is empty:
    such days are skipped.
    """
    today = today or timezone.now().astimezone(UTC).date()
    last = AuditDailyCheckpoint.objects.order_by("-day").first()
    if last is not None:
        day = last.day + timedelta(days=1)
    else:
        first = AuditLogCheckpoint.objects.order_by("tree_size").values_list("created_at", flat=True).first()
        if first is None:
            return []
        day = first.astimezone(UTC).date()
    created = []
    while day < today and len(created) < MAX_DAYS_PER_RUN:
        standing = AuditLogCheckpoint.objects.filter(created_at__lt=day_end(day)).order_by("-tree_size").first()
        if standing is not None:
            try:
                with transaction.atomic():
                    daily, _ = AuditDailyCheckpoint.objects.get_or_create(day=day, defaults={"checkpoint": standing})
            except IntegrityError:  # another run named the same day a moment ago
                daily = AuditDailyCheckpoint.objects.get(day=day)
            created.append(daily)
        day += timedelta(days=1)
    return created


def checkpoints_check() -> tuple[int, object | None]:
    """Check every daily checkpoint, (how many hold, the first that does not).

    A signed one must carry a valid signature of the root and size its row
    names; a legacy head hash must still be the hash of the event at its ``seq``.
    """
    held = 0
    legacy = list(AuditCheckpoint.objects.order_by("day"))
    seqs = [c.seq for c in legacy if c.seq]
    hashes = {}
    for start in range(0, len(seqs), 1000):
        hashes.update(AuditEvent.objects.filter(seq__in=seqs[start : start + 1000]).values_list("seq", "hash"))
    for checkpoint in legacy:
        expected = hashes.get(checkpoint.seq) if checkpoint.seq else GENESIS_HASH
        if expected != checkpoint.hash:
            return held, checkpoint
        held += 1
    for daily in AuditDailyCheckpoint.objects.select_related("checkpoint").order_by("day").iterator(chunk_size=500):
        cp = daily.checkpoint
        if check_checkpoint(cp.tree_size, bytes(cp.root_hash), cp.note):
            return held, daily
        held += 1
    return held, None
