"""Reads used by more than one caller. Seller scoping lives here, once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from sellers.models import Brand, BrandAuthorization, Seller


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


@dataclass(frozen=True)
class GateAnswer:
    """Answer to "may seller S list brand B (in country C, category K)?"."""

    allowed: bool
    reason: str
    authorization: BrandAuthorization | None = None


def may_list(
    *, seller: Seller, brand: Brand, country: str | None = None, category: str | None = None, on: date | None = None
) -> GateAnswer:
    """The marketplace's gate, also used by moderation's signals. Two queries at most."""
    on = on or timezone.localdate()
    if seller.status != Seller.Status.ACTIVE:
        return GateAnswer(False, _("The seller is %(status)s and may not list anything.") % {"status": seller.status})
    if not brand.protected:
        return GateAnswer(True, _("The brand is not protected; any active seller may list it."))
    candidates = list(
        BrandAuthorization.objects.filter(seller=seller, brand=brand)
        .exclude(status__in=[BrandAuthorization.Status.REQUESTED, BrandAuthorization.Status.IN_REVIEW])
        .order_by("-valid_until", "-pk")
    )
    reasons = []
    for authz in candidates:
        problem = _authorization_problem(authz, country=country, category=category, on=on)
        if not problem:
            return GateAnswer(True, _("Authorized (%(basis)s).") % {"basis": authz.get_basis_display()}, authz)
        reasons.append(problem)
    if not reasons:
        return GateAnswer(False, _("The brand is protected and the seller holds no authorization for it."))
    return GateAnswer(False, reasons[0])


def _authorization_problem(authz: BrandAuthorization, *, country, category, on: date) -> str:
    S = BrandAuthorization.Status
    if authz.status == S.REJECTED:
        return _("The seller's request to list this brand was rejected.")
    if authz.status == S.REVOKED:
        return _("The seller's authorization for this brand was revoked.")
    if authz.status == S.EXPIRED or (authz.valid_until and on > authz.valid_until):
        return _("The seller's authorization for this brand expired on %(date)s.") % {"date": authz.valid_until}
    if authz.valid_from and on < authz.valid_from:
        return _("The seller's authorization for this brand starts on %(date)s.") % {"date": authz.valid_from}
    if country and authz.territories and country.upper() not in authz.territories:
        return _("The seller's authorization does not cover %(country)s.") % {"country": country.upper()}
    if category and authz.categories and category not in authz.categories:
        return _("The seller's authorization does not cover the category %(category)s.") % {"category": category}
    return ""
