from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from portal.models import Notification

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, reject_on_worker_lost=True, max_retries=5, default_retry_delay=60)
def send_notification(*, notification_id: int) -> str:
    """Send one outbox row. Safe to run twice: a sent row is left alone."""
    with transaction.atomic():
        # The row lock keeps two workers from sending the same message at once.
        row = Notification.objects.select_for_update().filter(pk=notification_id).first()
        if row is None:
            return "missing"
        if row.status != Notification.Status.PENDING:
            return row.status
        row.attempts += 1
        row.last_attempt_at = timezone.now()
        try:
            EmailMessage(subject=row.subject, body=row.body, to=[row.to_email]).send()
        except Exception as exc:  # SMTP errors are many and varied
            row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if row.attempts >= Notification.MAX_ATTEMPTS:
                row.status = Notification.Status.FAILED
            row.save(update_fields=["attempts", "last_attempt_at", "last_error", "status"])
            logger.warning("notification %s failed (attempt %s): %s", row.pk, row.attempts, exc)
            return "retry"
        row.status = Notification.Status.SENT
        row.sent_at = timezone.now()
        row.last_error = ""
        row.save(update_fields=["attempts", "last_attempt_at", "last_error", "status", "sent_at"])
        return "sent"


@shared_task(acks_late=True)
def sweep_outbox(*, limit: int = 500) -> int:
    """Re-enqueue notifications still pending after the retry delay."""
    cutoff = timezone.now() - settings.HALLMARK_OUTBOX_RETRY_AFTER
    ids = list(
        Notification.objects.filter(status=Notification.Status.PENDING, created_at__lte=cutoff)
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
def record_audit_checkpoints() -> int:
    """Record the head hash of every whole UTC day not yet checkpointed (hourly; idempotent)."""
    from portal.checkpoints import ChainBroken, checkpoints_record

    try:
        return len(checkpoints_record())
    except ChainBroken as exc:
        logger.error("no audit checkpoint recorded: %s", exc)
        raise
