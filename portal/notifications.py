"""The notification outbox: messages are rows first, e-mails second."""

from __future__ import annotations

from django.db import models
from django.template.loader import render_to_string

from portal.models import Notification
from portal.tasks_util import enqueue_on_commit


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
