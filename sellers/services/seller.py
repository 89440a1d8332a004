from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from portal import audit
from portal.errors import InvalidTransition
from sellers import signals
from sellers.audit_actions import SellerAction
from sellers.models import Seller

S = Seller.Status


def _locked(seller: Seller) -> Seller:
    return Seller.objects.select_for_update().get(pk=seller.pk)


def _send_after_commit(signal, **kwargs) -> None:
    transaction.on_commit(lambda: signal.send(sender=Seller, **kwargs), robust=True)


@transaction.atomic
def seller_activate(*, seller: Seller, actor, reason: str = "") -> Seller:
    """onboarding → active (called when the application is approved)."""
    seller = _locked(seller)
    if seller.status != S.ONBOARDING:
        raise InvalidTransition(f"Only a seller in onboarding can be activated (this one is {seller.status}).")
    seller.status = S.ACTIVE
    seller.approved_at = timezone.now()
    seller.status_reason = reason
    seller.save(update_fields=["status", "approved_at", "status_reason"])
    audit.record(
        action=SellerAction.SELLER_APPROVED,
        actor=actor,
        target=seller,
        changes={"status": {"before": S.ONBOARDING, "after": S.ACTIVE}},
        reason=reason,
    )
    _send_after_commit(signals.seller_reinstated, seller=seller, actor=actor)
    return seller


@transaction.atomic
def seller_suspend(*, seller: Seller, actor, reason: str, until: datetime | None = None) -> Seller:
    """active → suspended, optionally until a date. The reason is shown to the seller."""
    if not reason.strip():
        raise InvalidTransition("A suspension needs a reason the seller can read.")
    seller = _locked(seller)
    if seller.status != S.ACTIVE:
        raise InvalidTransition(f"Only an active seller can be suspended (this one is {seller.status}).")
    seller.status = S.SUSPENDED
    seller.status_reason = reason
    seller.suspended_until = until
    seller.save(update_fields=["status", "status_reason", "suspended_until"])
    audit.record(
        action=SellerAction.SELLER_SUSPENDED,
        actor=actor,
        target=seller,
        changes={"status": {"before": S.ACTIVE, "after": S.SUSPENDED}, "suspended_until": until},
        reason=reason,
    )
    _send_after_commit(signals.seller_suspended, seller=seller, actor=actor, reason=reason)
    return seller


@transaction.atomic
def seller_reinstate(*, seller: Seller, actor, reason: str) -> Seller:
    """suspended → active."""
    seller = _locked(seller)
    if seller.status != S.SUSPENDED:
        raise InvalidTransition(f"Only a suspended seller can be reinstated (this one is {seller.status}).")
    seller.status = S.ACTIVE
    seller.status_reason = reason
    seller.suspended_until = None
    seller.save(update_fields=["status", "status_reason", "suspended_until"])
    audit.record(
        action=SellerAction.SELLER_REINSTATED,
        actor=actor,
        target=seller,
        changes={"status": {"before": S.SUSPENDED, "after": S.ACTIVE}},
        reason=reason,
    )
    _send_after_commit(signals.seller_reinstated, seller=seller, actor=actor)
    return seller


@transaction.atomic
def seller_terminate(*, seller: Seller, actor, reason: str) -> Seller:
    """Any status but terminated → terminated. Permission checks (senior
    moderators only) belong to the caller; this records who did it."""
    if not reason.strip():
        raise InvalidTransition("A termination needs a reason the seller can read.")
    seller = _locked(seller)
    if seller.status == S.TERMINATED:
        raise InvalidTransition("This seller is already terminated.")
    before = seller.status
    seller.status = S.TERMINATED
    seller.status_reason = reason
    seller.relationship_ended_at = timezone.now()
    seller.save(update_fields=["status", "status_reason", "relationship_ended_at"])
    audit.record(
        action=SellerAction.SELLER_TERMINATED,
        actor=actor,
        target=seller,
        changes={"status": {"before": before, "after": S.TERMINATED}},
        reason=reason,
    )
    _send_after_commit(signals.seller_terminated, seller=seller, actor=actor, reason=reason)
    return seller


def sellers_reinstate_when_suspension_ends(*, now=None) -> int:
    """Lift suspensions whose end date has passed (e.g. a 30-day strike suspension). Idempotent."""
    now = now or timezone.now()
    due = Seller.objects.filter(status=S.SUSPENDED, suspended_until__isnull=False, suspended_until__lte=now)
    count = 0
    for seller in due.only("pk", "suspended_until"):
        try:
            seller_reinstate(
                seller=seller,
                actor=None,
                reason=f"Suspension ended on {seller.suspended_until:%Y-%m-%d}." if seller.suspended_until else "",
            )
        except InvalidTransition:
            continue  # changed under us (reinstated by hand, or terminated): nothing to lift
        count += 1
    return count
