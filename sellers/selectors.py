"""Reads used by more than one caller. Seller scoping lives here, once."""

from __future__ import annotations

from django.db.models import QuerySet

from sellers.models import Seller


def seller_for_user(user) -> Seller | None:
    """The seller a signed-in member acts for, or None (staff, anonymous)."""
    if not getattr(user, "is_authenticated", False):
        return None
    membership = getattr(user, "seller_membership", None)
    return membership.seller if membership is not None else None


def sellers_visible_to(user) -> QuerySet[Seller]:
    """Staff with view permission see all sellers; a member sees only its own."""
    if user.has_perm("sellers.view_seller"):
        return Seller.objects.all()
    seller = seller_for_user(user)
    return Seller.objects.filter(pk=seller.pk) if seller else Seller.objects.none()
