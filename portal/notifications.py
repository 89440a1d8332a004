"""The notification outbox: messages are rows first, e-mails second."""

from __future__ import annotations

import logging

from django.core.mail import EmailMessage
from django.db import models, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from portal.models import Notification
from portal.tasks_util import enqueue_on_commit

logger = logging.getLogger(__name__)


def notify(
    *,
    kind: str,
    to_email: str,
    subject: str,
    template: str,
    context: dict | None = None,
    target: models.Model | None = None,
) -> Notification:
    """Write an outbox row in the caller's transaction; send it after commit.

    The body is rendered now so the message says what was true when the change
    happened, even if it is sent (or re-sent) later.
    """
    body = render_to_string(template, context or {})
    notification = Notification.objects.create(
        kind=kind,
        to_email=to_email,
        subject=subject[:250],
        body=body,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
    )
    from portal.tasks import send_notification

    enqueue_on_commit(send_notification, notification_id=notification.pk)
    return notification


def pending(older_than):
    return Notification.objects.filter(status=Notification.Status.PENDING, created_at__lte=older_than)


def notification_send(*, notification_id: int) -> str:
    """Send one outbox row and record the outcome; "sent", "retry", "failed" or "missing".

    The row lock keeps two workers from sending the same message at once, and a
    row that is no longer pending is left alone, so a redelivered task is harmless.
    """
    with transaction.atomic():
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
