"""Strike points (180 days) and the thresholds that follow them (DSA Art. 23: warn before suspending)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from moderation.audit_actions import ModerationAction
from moderation.models import Decision, Strike
from moderation.models.decisions import STRIKE_LIFETIME
from moderation.selectors import live_strike_points
from portal import audit
from portal.notifications import notify
from sellers.models import Seller

DEFAULT_THRESHOLDS = {"warn": 12, "restrict_new": 18, "suspend": 24, "propose_termination": 48, "suspend_days": 30}


def thresholds() -> dict:
    return {**DEFAULT_THRESHOLDS, **getattr(settings, "MODERATION_STRIKE_THRESHOLDS", {})}


def strike_add(*, decision: Decision, points: int, actor) -> Strike | None:
    """Add the decision's strike and apply the thresholds (in the caller's transaction)."""
    if points <= 0:
        return None
    now = timezone.now()
    strike = Strike.objects.create(
        seller_id=decision.seller_id, decision=decision, points=points, created_at=now, expires_at=now + STRIKE_LIFETIME
    )
    audit.record(
        action=ModerationAction.STRIKE_ADDED,
        actor=actor,
        target=strike,
        changes={"seller": decision.seller_id, "points": points, "expires_at": strike.expires_at},
    )
    _apply_thresholds(seller=Seller.objects.get(pk=decision.seller_id), decision=decision, actor=actor)
    return strike


def _warned_recently(seller: Seller) -> bool:
    since = timezone.now() - STRIKE_LIFETIME
    return (
        audit.events()
        .filter(
            action=ModerationAction.STRIKE_WARNING,
            target_type="sellers.seller",
            target_id=str(seller.pk),
            created_at__gte=since,
        )
        .exists()
    )


def _apply_thresholds(*, seller: Seller, decision: Decision, actor) -> None:
    from sellers.services.seller import seller_suspend

    limits = thresholds()
    points = live_strike_points(seller.pk)
    if points >= limits["warn"] and not _warned_recently(seller):
        # A warning always comes before a suspension, even when one decision crosses both lines.
        audit.record(
            action=ModerationAction.STRIKE_WARNING, actor=actor, target=seller, changes={"live_points": points}
        )
        notify(
            kind="moderation.strike.warning",
            to_email=seller.contact_email,
            subject=_("Warning: your account is collecting strikes"),
            template="emails/moderation/strike_warning.txt",
            context={"seller": seller, "points": points, "limits": limits},
            target=seller,
        )
        return
    if points >= limits["propose_termination"]:
        audit.record(
            action=ModerationAction.STRIKE_TERMINATION_PROPOSED,
            actor=actor,
            target=seller,
            changes={"live_points": points, "decision": decision.pk},
            reason=_("strike points reached the termination threshold; a senior moderator decides"),
        )
    if points >= limits["suspend"] and seller.status == Seller.Status.ACTIVE:
        seller_suspend(
            seller=seller,
            actor=actor,
            reason=_("%(n)d live strike points after a prior warning.") % {"n": points},
            until=timezone.now() + timedelta(days=int(limits["suspend_days"])),
        )


def strike_void(*, strike: Strike, actor, reason: str) -> Strike:
    strike = Strike.objects.select_for_update().get(pk=strike.pk)
    if strike.voided_at is not None:
        return strike
    strike.voided_at = timezone.now()
    strike.void_reason = reason
    strike.save(update_fields=["voided_at", "void_reason"])
    audit.record(action=ModerationAction.STRIKE_VOIDED, actor=actor, target=strike, reason=reason)
    return strike
