"""Whole-chain verification in the background, and the quick check the verification page makes.

Walking millions of events takes longer than a web request may, so full walks
run as a task (on a schedule, ``CELERY_BEAT_SCHEDULE["audit-verify"]``) and
store their result as an ``AuditVerification``. The page then shows the newest
finished walk and verifies live only the events written after it, linking them
to the head that walk found. While the chain is still short (up to
``LIVE_LIMIT`` events to check) the page simply walks all of it itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from portal import audit, checkpoints
from portal.models import AuditChainHead, AuditVerification

LIVE_LIMIT = 200_000  # events the page checks itself (about four seconds)
STALE_AFTER = timedelta(hours=2)  # a queued or running walk older than this is presumed lost


@dataclass
class PageCheck:
    """What the verification page shows: the whole chain's state as far as it is known now."""

    result: audit.VerifyResult | None  # None: too much to check live, a background walk is on its way
    full_walk: AuditVerification | None  # the walk the live part builds on (None: walked live from #1)
    live_from_seq: int | None  # first event checked live, None when nothing was
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


def verification_request(*, requested_by=None, enqueue: bool = True) -> AuditVerification:
    """Queue a whole-chain walk, or return the one already queued or running.

    ``enqueue=False`` is for the task itself, which runs the walk it created.
    """
    from portal.tasks import verify_audit_chain
    from portal.tasks_util import enqueue_on_commit

    recent = timezone.now() - STALE_AFTER
    with transaction.atomic():
        pending = (
            AuditVerification.objects.filter(
                status__in=[AuditVerification.Status.QUEUED, AuditVerification.Status.RUNNING],
                requested_at__gte=recent,
            )
            .order_by("-requested_at")
            .first()
        )
        if pending is not None:
            return pending
        verification = AuditVerification.objects.create(requested_by=requested_by)
        if enqueue:
            enqueue_on_commit(verify_audit_chain, verification_id=verification.pk)
    return verification


def verification_run(*, verification_id: int) -> AuditVerification | None:
    """Walk the whole chain for one queued verification (the task's body). Safe to run twice."""
    with transaction.atomic():
        verification = AuditVerification.objects.select_for_update().filter(pk=verification_id).first()
        if verification is None or verification.status == AuditVerification.Status.DONE:
            return verification
        verification.status = AuditVerification.Status.RUNNING
        verification.started_at = timezone.now()
        verification.save(update_fields=["status", "started_at"])
    try:
        result = audit.verify_chain()
        held, broken = checkpoints.checkpoints_check()
    except Exception as exc:
        AuditVerification.objects.filter(pk=verification_id).update(
            status=AuditVerification.Status.FAILED, finished_at=timezone.now(), error=str(exc)[:2000]
        )
        raise
    with transaction.atomic():
        for name in ("ok", "count", "first_seq", "last_seq", "head_hash", "broken_seq", "broken_id", "problem"):
            setattr(verification, name, getattr(result, name))
        verification.redacted = result.redacted
        verification.checkpoints_held = held
        verification.checkpoint_broken_day = broken.day if broken else None
        verification.status = AuditVerification.Status.DONE
        verification.finished_at = timezone.now()
        verification.save()
        _record(result, actor=verification.requested_by, held=held, broken=broken, how="background walk")
    return verification


def page_check(*, actor) -> tuple[PageCheck, int, object]:
    """The page's view of the chain: the newest good walk plus a live check of what came after it.

    Returns the check, and the checkpoints' state (how many hold, the first that does not).
    """
    head = AuditChainHead.objects.filter(pk=1).values_list("seq", flat=True).first() or 0
    walk = (
        AuditVerification.objects.filter(status=AuditVerification.Status.DONE, ok=True).order_by("-finished_at").first()
    )
    after_seq = (walk.last_seq or 0) if walk else 0
    pending = None
    if head - after_seq > LIVE_LIMIT:
        pending = verification_request(requested_by=None)
        held, broken = checkpoints.checkpoints_check()
        return PageCheck(result=None, full_walk=walk, live_from_seq=None, pending=pending), held, broken
    if walk is not None:
        live = audit.verify_chain(after_seq=after_seq, after_hash=walk.head_hash)
        result = audit.VerifyResult(
            ok=live.ok,
            count=walk.count + live.count,
            head_hash=live.head_hash,
            first_seq=walk.first_seq,
            last_seq=live.last_seq or walk.last_seq,
            broken_seq=live.broken_seq,
            broken_id=live.broken_id,
            problem=live.problem,
            redacted=walk.redacted + live.redacted,
        )
        live_from = after_seq + 1 if live.count or not live.ok else None
    else:
        result = audit.verify_chain()
        live_from = 1 if result.count or not result.ok else None
    held, broken = checkpoints.checkpoints_check()
    _record(result, actor=actor, held=held, broken=broken, how="page")
    return PageCheck(result=result, full_walk=walk, live_from_seq=live_from, pending=pending), held, broken
