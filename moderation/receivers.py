"""Handlers for seller-side events (sellers never imports moderation; it sends signals)."""

from __future__ import annotations

from django.db import transaction
from django.dispatch import receiver
from django.utils.translation import gettext as _

from moderation.models import Listing
from sellers import signals


def _restrict(listings, *, actor, reason: str, source: str) -> int:
    from moderation.services.listings import listing_restrict

    count = 0
    for listing in listings.filter(status=Listing.Status.ACTIVE).only("pk"):
        with transaction.atomic():
            listing_restrict(listing=listing, actor=actor, reason=reason, source=source)
        count += 1
    return count


@receiver(signals.seller_reinstated, dispatch_uid="moderation.seller_reinstated")
def on_seller_reinstated(sender, *, seller, actor=None, **kwargs):
    """Lift only what the suspension restricted; decisions about single listings stay."""
    from moderation.services.listings import listing_restore

    for listing in Listing.objects.filter(
        seller=seller, status=Listing.Status.RESTRICTED, restricted_by="seller_status"
    ):
        with transaction.atomic():
            listing_restore(listing=listing, actor=actor, reason=_("The seller was reinstated."))


@receiver(signals.seller_suspended, dispatch_uid="moderation.seller_suspended")
def on_seller_suspended(sender, *, seller, actor=None, reason: str = "", **kwargs):
    _restrict(
        Listing.objects.filter(seller=seller),
        actor=actor,
        reason=_("The seller is suspended: %(reason)s") % {"reason": reason},
        source="seller_status",
    )


@receiver(signals.seller_terminated, dispatch_uid="moderation.seller_terminated")
def on_seller_terminated(sender, *, seller, actor=None, reason: str = "", **kwargs):
    _restrict(
        Listing.objects.filter(seller=seller),
        actor=actor,
        reason=_("The seller's relationship with the marketplace ended: %(reason)s") % {"reason": reason},
        source="seller_status",
    )


@receiver(signals.authorization_ended, dispatch_uid="moderation.authorization_ended")
def on_authorization_ended(sender, *, authorization, actor=None, reason: str = "", **kwargs):
    _restrict(
        Listing.objects.filter(seller_id=authorization.seller_id, brand_id=authorization.brand_id),
        actor=actor,
        reason=_("The seller's authorization to sell %(brand)s ended (%(status)s): %(reason)s")
        % {"brand": authorization.brand, "status": authorization.get_status_display(), "reason": reason},
        source="authorization",
    )
