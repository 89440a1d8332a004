from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, reject_on_worker_lost=True, max_retries=5, default_retry_delay=60)
def send_notification(*, notification_id: int) -> str:
    """Send one outbox row. Safe to run twice: a sent row is left alone."""
    from portal.notifications import notification_send

    return notification_send(notification_id=notification_id)


@shared_task(acks_late=True)
def sweep_outbox(*, limit: int = 500) -> int:
    """Re-enqueue notifications still pending after the retry delay."""
    from portal.notifications import pending

    cutoff = timezone.now() - settings.HALLMARK_OUTBOX_RETRY_AFTER
    ids = list(
        pending(cutoff)
        .filter(Q(last_attempt_at__isnull=True) | Q(last_attempt_at__lte=cutoff))
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in ids:
        send_notification.apply_async(kwargs={"notification_id": pk})
    return len(ids)


@shared_task(acks_late=True)
def expire_auditors() -> int:
    from portal.services import auditors_expire

    return auditors_expire()


@shared_task(acks_late=True)
def verify_audit_chain(*, verification_id: int | None = None) -> bool | None:
    """Walk the whole audit chain and store the result (scheduled, or queued from the verification page)."""
    from portal.audit.verification import verification_request, verification_run

    if verification_id is None:  # the schedule: queue a fresh walk unless one is under way
        verification_id = verification_request(requested_by=None, enqueue=False).pk
    verification = verification_run(verification_id=verification_id)
    return verification.ok if verification is not None else None


@shared_task(acks_late=True, ignore_result=True)
def seal_audit_log() -> int:
    """Seal what waits (every second from beat). A run that finds another sealing returns at once."""
    from portal.audit.seal import ChainBroken, seal

    try:
        return seal(max_seconds=50)
    except ChainBroken as exc:
        logger.error("audit log not sealed: %s", exc)
        raise


@shared_task(acks_late=True)
def record_audit_checkpoints() -> int:
    """Name the signed checkpoint of every whole UTC day not yet named (hourly; idempotent)."""
    from portal.audit.checkpoints import checkpoints_record

    return len(checkpoints_record())
