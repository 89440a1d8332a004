"""Reads used by more than one caller. Seller scoping lives here, once."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from sellers.models import Application, Brand, BrandAuthorization, Document, Seller


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


def applications_visible_to(user) -> QuerySet[Application]:
    """A member sees its own seller's applications only (staff use the console)."""
    seller = seller_for_user(user)
    return Application.objects.filter(seller=seller) if seller else Application.objects.none()


def documents_visible_to(user) -> QuerySet[Document]:
    """Documents a user may download: its own seller's, or all with the view permission."""
    if user.is_authenticated and user.is_staff and user.has_perm("sellers.view_document"):
        return Document.objects.all()
    seller = seller_for_user(user)
    return Document.objects.filter(seller=seller) if seller else Document.objects.none()


@dataclass(frozen=True)
class GateAnswer:
    """Answer to "may seller S list brand B (in country C, category K)?"."""

    allowed: bool
    reason: str
    authorization: BrandAuthorization | None = None


def may_list(
    *,
    seller: Seller,
    brand: Brand,
    country: str | None = None,
    category: str | None = None,
    on: date | None = None,
    authorizations: Iterable[BrandAuthorization] | None = None,
) -> GateAnswer:
    """The marketplace's gate and its one rule (the API gate and moderation's signals ask it).

    Reads the seller's authorizations for the brand in one query whatever the
    seller holds, none when the seller may not sell or the brand is not
    protected. A caller that read them already passes them as
    ``authorizations`` (the API gate reads them with the brand, in one query).

    When nothing allows the listing, the reason given is the most useful one:
    an approved right that does not cover the place, category or date beats an
    ended right, which beats a rejected request.
    """
    on = on or timezone.localdate()
    if seller.status != Seller.Status.ACTIVE:
        return GateAnswer(
            False,
            _("The seller is %(status)s and may not list anything.") % {"status": Seller.Status(seller.status).label},
        )
    if not brand.protected:
        return GateAnswer(True, _("The brand is not protected; any active seller may list it."))
    if authorizations is None:
        authorizations = BrandAuthorization.objects.filter(seller_id=seller.pk, brand_id=brand.pk).only(*GATE_FIELDS)
    best: tuple[int, str] | None = None
    pending = False
    for authz in authorizations:
        if authz.status in (BrandAuthorization.Status.REQUESTED, BrandAuthorization.Status.IN_REVIEW):
            pending = True
            continue
        rank, problem = _authorization_problem(authz, country=country, category=category, on=on)
        if not problem:
            return GateAnswer(True, _("Authorized (%(basis)s).") % {"basis": authz.get_basis_display()}, authz)
        if best is None or rank < best[0]:
            best = (rank, problem)
    if best is not None:
        return GateAnswer(False, best[1])
    if pending:
        return GateAnswer(False, _("The brand is protected and the seller's request for it is still under review."))
    return GateAnswer(False, _("The brand is protected and the seller holds no authorization for it."))


# What the rule reads of an authorization.
GATE_FIELDS = ("pk", "status", "basis", "territories", "categories", "valid_from", "valid_until")


def _authorization_problem(authz: BrandAuthorization, *, country, category, on: date) -> tuple[int, str]:
    """(rank, why it does not allow the listing), ``(0, "")`` when it does. A lower rank explains better."""
    S = BrandAuthorization.Status
    if authz.status == S.REJECTED:
        return 5, _("The seller's request to list this brand was rejected.")
    if authz.status == S.REVOKED:
        return 4, _("The seller's authorization for this brand was revoked.")
    if authz.status == S.EXPIRED or (authz.valid_until and on > authz.valid_until):
        return 3, _("The seller's authorization for this brand expired on %(date)s.") % {
            "date": authz.valid_until.isoformat() if authz.valid_until else "?"
        }
    if authz.valid_from and on < authz.valid_from:
        return 2, _("The seller's authorization for this brand starts on %(date)s.") % {
            "date": authz.valid_from.isoformat()
        }
    if country and authz.territories and country.upper() not in authz.territories:
        return 1, _("The seller's authorization does not cover %(country)s.") % {"country": country.upper()}
    if category and authz.categories and category.lower() not in authz.categories:
        return 1, _("The seller's authorization does not cover the category %(category)s.") % {"category": category}
    return 0, ""
