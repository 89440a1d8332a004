"""Tasks: recover work the broker lost (documents left in quarantine)."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

__all__ = ["end_suspensions", "sweep_quarantined_documents"]

# Longer than a healthy pipeline run, so the sweep does not race a worker that
# is simply busy; a duplicate delivery is harmless anyway (the step is idempotent).
STUCK_AFTER = timedelta(minutes=5)


@shared_task(name="sellers.tasks.sweep_quarantined_documents", acks_late=True)
def sweep_quarantined_documents(*, limit: int = 500) -> int:
    """Re-enqueue documents still processing long after upload (their task was never delivered)."""
    from sellers.models import Document
    from sellers.tasks.onboarding import process_document

    cutoff = timezone.now() - STUCK_AFTER
    ids = list(
        Document.objects.filter(status=Document.Status.PROCESSING, uploaded_at__lte=cutoff)
        .order_by("uploaded_at")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in ids:
        process_document.apply_async(kwargs={"document_id": pk})
    return len(ids)


@shared_task(name="sellers.tasks.end_suspensions", acks_late=True)
def end_suspensions() -> int:
    """Reinstate sellers whose time-limited suspension is over."""
    from sellers.services.seller import sellers_reinstate_when_suspension_ends

    return sellers_reinstate_when_suspension_ends()
