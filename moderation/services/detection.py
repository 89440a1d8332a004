"""Automated signals that open or raise cases. Cases they open say so (``automated=True``)."""

from __future__ import annotations

from decimal import Decimal

from moderation.models import Case, Decision, Listing, ListingImage, Reason
from portal import fingerprints
from sellers.selectors import may_list

PRICE_RATIO_THRESHOLD = Decimal("0.3")


def reference_price(*, brand, category: str, currency: str) -> Decimal | None:
    """The brand's reference price for a category, read defensively: the brands
    model may not offer reference prices in every deployment."""
    related = getattr(brand, "reference_prices", None)
    if related is None or not category:
        return None
    try:
        row = related.filter(category=category, currency=currency).values_list("amount", flat=True).first()
    except Exception:  # the field set differs (older sellers schema): no signal rather than a crash
        return None
    return Decimal(row) if row else None


def listing_findings(listing: Listing) -> dict:
    findings: dict = {}
    if listing.brand_id and listing.brand.protected:
        answer = may_list(
            seller=listing.seller,
            brand=listing.brand,
            country=listing.country or None,
            category=listing.category or None,
        )
        if not answer.allowed:
            findings["no_authorization"] = listing.brand.name
            findings["no_authorization_reason"] = str(answer.reason)
    if listing.brand_id:
        ref = reference_price(brand=listing.brand, category=listing.category, currency=listing.currency)
        if ref and ref > 0 and listing.price / ref < PRICE_RATIO_THRESHOLD:
            findings["price_ratio"] = float(round(listing.price / ref, 3))
            findings["reference_price"] = f"{ref} {listing.currency}"
    return findings


def evaluate_listing(*, listing: Listing, actor) -> Case | None:
    from moderation.services.cases import case_open_or_raise

    if listing.status == Listing.Status.REMOVED:
        return None
    findings = listing_findings(listing)
    if not findings:
        return None
    existing = (
        Case.objects.filter(listing=listing, status__in=Case.OPEN_STATUSES).values_list("findings", flat=True).first()
    )
    if existing is not None and all(existing.get(k) == v for k, v in findings.items()):
        return None  # nothing new: an unchanged re-sync must not touch the case
    reason = Reason.COUNTERFEIT if "price_ratio" in findings else Reason.UNAUTHORIZED_SELLER
    case, _created = case_open_or_raise(
        listing=listing, reason=reason, source=Case.Source.AUTOMATED, actor=actor, automated=True, findings=findings
    )
    return case


def evaluate_image(*, image: ListingImage, phash: int) -> Case | None:
    from moderation.services.cases import case_open_or_raise

    listing = image.listing
    matches = fingerprints.find_near(phash, exclude_owner=f"seller:{listing.seller_id}")
    counterfeit, brand = [], []
    listing_image_ids = [int(m.object_id) for m in matches if m.kind == "listing_image"]
    if listing_image_ids:
        removed = set(
            ListingImage.objects.filter(
                pk__in=listing_image_ids,
                listing__status=Listing.Status.REMOVED,
                listing__decisions__action="remove_listing",
                listing__decisions__status__in=[Decision.Status.IN_FORCE, Decision.Status.UPHELD],
                listing__decisions__case__reason=Reason.COUNTERFEIT,
            ).values_list("listing_id", flat=True)
        )
        counterfeit = sorted(removed)
    if listing.brand_id:
        brand = [m.object_id for m in matches if m.kind == "brand_image" and m.owner_key == f"brand:{listing.brand_id}"]
    if not counterfeit and not brand:
        return None
    findings = {}
    if counterfeit:
        findings["image_counterfeit"] = counterfeit
    if brand:
        findings["image_brand"] = brand
    case, _created = case_open_or_raise(
        listing=listing,
        reason=Reason.COUNTERFEIT,
        source=Case.Source.AUTOMATED,
        actor=None,
        automated=True,
        findings=findings,
    )
    return case
