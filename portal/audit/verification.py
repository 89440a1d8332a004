"""Whole-chain verification in the background, and the quick check the verification page makes.

Walking millions of events takes longer than a web request may, so full walks
run as tasks (on a schedule, ``CELERY_BEAT_SCHEDULE["audit-verify"]``) and
store their result as an ``AuditVerification``. A walk goes in pieces of
``PIECE`` events, one task run each, so no run meets the task time limits and
a lost run is picked up where the walk stood. The page shows the newest
finished walk and verifies live only the events written after it, linking
them to the head that walk found; while the chain is short (up to
``LIVE_LIMIT`` events to check) it simply walks all of it itself.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import audit
from portal.audit import checkpoints
from portal.audit.models import AuditLogCheckpoint, AuditVerification
from portal.audit.verify import rows as log_rows

LIVE_LIMIT = 200_000  # events the page checks itself (a few seconds)
PIECE = 1_000_000  # events per task run at most (20 to 80 seconds)
PIECE_SECONDS = 120.0  # and no longer than this, well inside the tasks' 240-second soft limit
STALE_AFTER = timedelta(minutes=30)  # a walk with no progress for this long is presumed lost
MAX_RESENDS = 3

S = AuditVerification.Status


@dataclass
class PageCheck:
    """What the verification page shows: the whole chain's state as far as it is known now."""

    result: audit.VerifyResult | None  # None: too much to check live, a background walk is on its way
    how: str  # which part was checked how and when, in words
    full_walk: AuditVerification | None  # the finished walk the page builds on
    pending: AuditVerification | None  # a walk queued or running now


def _record(result: audit.VerifyResult, *, actor, held: int, broken, how: str) -> None:
    audit.record(
        action=audit.PortalAction.AUDIT_VERIFIED,
        actor=actor,
        target_type="portal.auditevent",
        target_id=f"{result.first_seq or 0}-{result.last_seq or 0}",
        target_display="audit chain",
        changes={
            "ok": result.ok,
            "count": result.count,
            "head_hash": result.head_hash,
            "broken_seq": result.broken_seq,
            "checkpoints_held": held,
            "checkpoint_broken": broken.day if broken else None,
            "how": how,
        },
    )


def _as_result(walk: AuditVerification) -> audit.VerifyResult:
    return audit.VerifyResult(
        ok=bool(walk.ok),
        count=walk.count,
        head_hash=walk.head_hash or audit.GENESIS_HASH,
        first_seq=walk.first_seq,
        last_seq=walk.last_seq,
        broken_seq=walk.broken_seq,
        broken_id=walk.broken_id,
        problem=walk.problem,
        redacted=walk.redacted,
        tree_edge=list(walk.tree_edge or []),
    )


def _send(walk_id: int) -> None:
    from portal.tasks import verify_audit_chain
    from portal.tasks_util import enqueue_on_commit

    enqueue_on_commit(verify_audit_chain, verification_id=walk_id)


def verification_request(*, requested_by=None, enqueue: bool = True) -> AuditVerification:
    """Queue a whole-chain walk, or return the one under way.

    A walk that stopped making progress (its next piece was lost with a worker
    or the broker) is sent again from where it stood, up to ``MAX_RESENDS``
    times, then marked failed and superseded. ``enqueue=False`` is for the
    task itself, which runs the walk it gets.
    """
    now = timezone.now()
    with transaction.atomic():
        # skip_locked: a piece being saved right now is not stalled
        stalled = list(
            AuditVerification.objects.select_for_update(skip_locked=True).filter(
                status__in=[S.QUEUED, S.RUNNING], progressed_at__lt=now - STALE_AFTER
            )
        )
        for walk in stalled:
            if walk.resends < MAX_RESENDS:
                walk.resends += 1
                walk.progressed_at = now
                walk.save(update_fields=["resends", "progressed_at"])
                _send(walk.pk)
            else:
                walk.status, walk.finished_at = S.FAILED, now
                walk.error = _("Stopped making progress %(n)s times (its worker or broker was lost); superseded.") % {
                    "n": walk.resends + 1
                }
                walk.save(update_fields=["status", "finished_at", "error"])
        pending = AuditVerification.objects.filter(status__in=[S.QUEUED, S.RUNNING]).order_by("-requested_at").first()
        if pending is not None:
            return pending
        verification = AuditVerification.objects.create(requested_by=requested_by, progressed_at=now)
        if enqueue:
            _send(verification.pk)
    return verification


def _edge(walk: AuditVerification | None) -> list[bytes] | None:
    return [bytes.fromhex(h) for h in walk.tree_edge] if walk is not None and walk.last_seq else None


def _piece(
    after_seq: int, after_hash: str, edge: list[bytes] | None, *, limit: int, seconds: float
) -> tuple[audit.VerifyResult, bool]:
    """Verify up to ``limit`` events after a trusted point, for at most ``seconds``; (result, whether more remain)."""
    deadline = time.monotonic() + seconds
    cut = False

    def rows():
        nonlocal cut
        for n, row in enumerate(log_rows(after_seq=after_seq)):
            if n >= limit or (n % 1000 == 0 and time.monotonic() > deadline):
                cut = True
                return
            yield row

    result = audit.verify_chain(rows(), after_seq=after_seq, after_hash=after_hash, edge=edge)
    return result, cut and result.ok


def verification_run(*, verification_id: int, piece: int | None = None) -> AuditVerification | None:
    """Walk the next piece of a verification, then send the piece after it or finish. Safe to run twice.

    The walk itself runs outside any transaction (no lock is held while it
    reads); a run that finds the walk moved on meanwhile discards its piece.
    A piece that fails marks the walk failed with the error, and raises.
    """
    walk = AuditVerification.objects.filter(pk=verification_id).first()
    if walk is None or walk.status in (S.DONE, S.FAILED):
        return walk
    start_seq, start_hash = walk.last_seq or 0, walk.head_hash or audit.GENESIS_HASH
    try:
        part, more = _piece(start_seq, start_hash, _edge(walk), limit=piece or PIECE, seconds=PIECE_SECONDS)
        held, broken = checkpoints.checkpoints_check() if not more else (0, None)
    except Exception as exc:
        AuditVerification.objects.filter(pk=verification_id, status__in=[S.QUEUED, S.RUNNING]).update(
            status=S.FAILED, finished_at=timezone.now(), error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        raise
    with transaction.atomic():
        walk = AuditVerification.objects.select_for_update().get(pk=verification_id)
        if walk.status in (S.DONE, S.FAILED) or (walk.last_seq or 0) != start_seq:
            return walk  # another run walked this piece first
        now = timezone.now()
        walk.status = S.RUNNING
        walk.started_at = walk.started_at or now
        walk.count += part.count
        walk.redacted += part.redacted
        walk.first_seq = walk.first_seq or part.first_seq
        if part.count:
            walk.last_seq, walk.head_hash, walk.tree_edge = part.last_seq, part.head_hash, part.tree_edge
        walk.progressed_at = now
        if more:  # the next piece in its own task run
            walk.save()
            _send(walk.pk)
            return walk
        walk.ok = part.ok
        walk.broken_seq, walk.broken_id, walk.problem = part.broken_seq, part.broken_id, part.problem
        walk.checkpoints_held = held
        walk.checkpoint_broken_day = broken.day if broken else None
        walk.status, walk.finished_at = S.DONE, now
        walk.save()
        _record(_as_result(walk), actor=walk.requested_by, held=held, broken=broken, how="background walk")
    return walk


def page_check(*, actor) -> tuple[PageCheck, int, object]:
    """The page's view of the chain: the newest finished walk plus a live check of what came after it.

    Returns the check, and the checkpoints' state (how many hold, the first that does not).
    """
    walk = AuditVerification.objects.filter(status=S.DONE).order_by("-finished_at").first()
    pending = AuditVerification.objects.filter(status__in=[S.QUEUED, S.RUNNING]).order_by("-requested_at").first()
    held, broken = checkpoints.checkpoints_check()
    when = walk.finished_at.strftime("%Y-%m-%d %H:%M") if walk else ""
    if walk is not None and not walk.ok:
        # The page reports the break the newest walk found, and has a new walk check again
        # (after a restore from backup, say): the page shows it once it finishes.
        if pending is None:
            pending = verification_request(requested_by=None)
        result = _as_result(walk)
        how = _("found by the background walk that finished %(when)s UTC") % {"when": when}
        _record(result, actor=actor, held=held, broken=broken, how="page, from the newest walk")
        return PageCheck(result=result, how=how, full_walk=walk, pending=pending), held, broken
    after_seq = (walk.last_seq or 0) if walk else 0
    head = AuditLogCheckpoint.objects.order_by("-tree_size").values_list("tree_size", flat=True).first() or 0
    if head - after_seq > LIVE_LIMIT:
        pending = verification_request(requested_by=None)
        return PageCheck(result=None, how="", full_walk=walk, pending=pending), held, broken
    if walk is None:
        result = audit.verify_chain()
        how = _("walked just now from the first event")
    else:
        live = audit.verify_chain(
            after_seq=after_seq, after_hash=walk.head_hash or audit.GENESIS_HASH, edge=_edge(walk)
        )
        result = audit.VerifyResult(
            ok=live.ok,
            count=walk.count + live.count,
            head_hash=live.head_hash,
            first_seq=walk.first_seq or live.first_seq,
            last_seq=live.last_seq or walk.last_seq,
            broken_seq=live.broken_seq,
            broken_id=live.broken_id,
            problem=live.problem,
            redacted=walk.redacted + live.redacted,
            tree_edge=live.tree_edge,
            checkpoints_checked=live.checkpoints_checked,
        )
        how = _("up to #%(seq)s by the background walk that finished %(when)s UTC") % {
            "seq": after_seq,
            "when": when,
        }
        if live.count or not live.ok:
            how += "; " + _("from #%(seq)s walked just now, starting at that walk's head") % {"seq": after_seq + 1}
        else:
            how += "; " + _("nothing written since")
    _record(result, actor=actor, held=held, broken=broken, how="page")
    return PageCheck(result=result, how=how, full_walk=walk, pending=pending), held, broken
