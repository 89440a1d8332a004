"""Writing events: one plain insert in the caller's transaction.

``record`` takes no lock on any shared row and makes no round trip besides its
INSERT, so audited transactions never wait for each other. The event is
unsealed until the sealer (``portal.audit.seal``) numbers it and adds it to the
Merkle tree; it commits or rolls back with the change it describes. On the
embedded default (SQLite) it is sealed at once, in the same transaction.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from portal import context
from portal.audit.actions import _ACTIONS
from portal.audit.canonical import _plain, payload_digest
from portal.audit.models import AuditEvent

logger = logging.getLogger(__name__)


def target_label(obj_or_type: models.Model | type[models.Model]) -> str:
    return obj_or_type._meta.label_lower


def record(
    *,
    action: str | enum.Enum,
    actor,
    target: models.Model | None = None,
    target_type: str = "",
    target_id: str | int = "",
    target_display: str | None = None,
    changes: Mapping[str, Any] | None = None,
    reason: str = "",
) -> AuditEvent:
    """Insert one unsealed event in the caller's transaction and return it.

    ``actor`` is a user or ``None`` for the system (a sweep, a task with no
    human behind it); it is a required argument so nobody forgets it.
    """
    values = _event(
        action=action,
        actor=actor,
        target=target,
        target_type=target_type,
        target_id=target_id,
        target_display=target_display,
        changes=changes,
        reason=reason,
    )
    # No savepoint: an event belongs to its caller's transaction and fails with it.
    with transaction.atomic(savepoint=False):
        event = AuditEvent.objects.create(**values, created_at=timezone.now())
        if _seal_inline():
            from portal.audit.seal import seal

            seal()
            event.refresh_from_db(fields=["seq", "prev_hash", "hash", "leaf_hash", "sealed_at"])
    return event


def _seal_inline() -> bool:
    """The embedded default (SQLite) seals each event in its writer's transaction.

    SQLite already serialises writers at BEGIN IMMEDIATE, so sealing there
    costs no concurrency, and ``make run`` shows every event sealed at once,
    with no worker. On PostgreSQL the sealer runs on its own (beat, every
    second); the test suite turns this on there too, so tests see sealed
    events, except the sealer's own tests (marked ``sealer``).
    """
    return settings.HALLMARK_AUDIT_SEAL_INLINE


def _event(
    *,
    action: str | enum.Enum,
    actor,
    target: models.Model | None = None,
    target_type: str = "",
    target_id: str | int = "",
    target_display: str | None = None,
    changes: Mapping[str, Any] | None = None,
    reason: str = "",
) -> dict[str, Any]:
    """The column values of an event, less what the sealer fills in."""
    from portal.roles import role_of

    action = str(action.value if isinstance(action, enum.Enum) else action)
    if action not in _ACTIONS:
        raise ValueError(f"unknown audit action {action!r}; register it with portal.audit.register_actions")
    if target is not None:
        target_type = target_label(target)
        target_id = target.pk
        if target_display is None:
            target_display = str(target)
    if not target_type or target_id in ("", None):
        raise ValueError("an audit event needs a target (object, or target_type and target_id)")
    ctx = context.current()
    actor_obj = actor if getattr(actor, "pk", None) else None
    payload = _plain(dict(changes or {}))
    display = (target_display or "")[:255]
    return {
        "actor_id": actor_obj.pk if actor_obj else None,
        "actor_display": actor_obj.get_username() if actor_obj else "system",
        "actor_role": role_of(actor_obj),
        "action": action,
        "target_type": target_type,
        "target_id": str(target_id),
        "reason": reason or "",
        "request_id": ctx.request_id,
        "ip": context.clean_ip(ctx.ip),
        "payload_digest": payload_digest(payload, display),
        "changes": payload,
        "target_display": display,
    }


def redact_payload(*, event_ids: Iterable[int]) -> int:
    """Erase the personal payload of events (retention), keeping the log intact.

    The PostgreSQL trigger allows exactly this change besides sealing: the
    payload columns cleared and ``redacted_at`` set, every hashed column equal.
    """
    return AuditEvent.objects.filter(pk__in=list(event_ids), redacted_at__isnull=True).update(
        changes=None, target_display="", redacted_at=timezone.now()
    )


def events_for(obj: models.Model):
    return AuditEvent.objects.filter(target_type=target_label(obj), target_id=str(obj.pk)).order_by("id")


def events():
    """Every event, for reading (reports, timelines, strike windows); only ``record`` writes."""
    return AuditEvent.objects.all()
