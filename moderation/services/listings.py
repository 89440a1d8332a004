from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from moderation import selectors
from moderation.audit_actions import ModerationAction
from moderation.models import Listing, ListingImage
from portal import audit, fingerprints
from portal.errors import InvalidTransition
from portal.tasks_util import enqueue_on_commit

SYNCED_FIELDS = (
    "seller",
    "brand",
    "title",
    "description",
    "category",
    "price",
    "currency",
    "url",
    "image_urls",
    "country",
)


def restrict_new_listings_at() -> int:
    return int(getattr(settings, "MODERATION_STRIKE_THRESHOLDS", {}).get("restrict_new", 18))


@transaction.atomic
def listing_upsert(*, external_id: str, data: dict, actor, via: str = "") -> tuple[Listing, bool]:
    """Create or update one listing from the marketplace. Idempotent: the same data twice changes nothing."""
    from moderation.services import detection

    now = timezone.now()
    listing = Listing.objects.select_for_update().filter(external_id=external_id).first()
    created = False
    if listing is None:
        try:
            with transaction.atomic():
                listing = Listing.objects.create(external_id=external_id, created_at=now, updated_at=now, **data)
            created = True
        except IntegrityError:
            listing = Listing.objects.select_for_update().get(external_id=external_id)
    if created:
        points = selectors.live_strike_points(listing.seller_id)
        if points >= restrict_new_listings_at():
            listing.status = Listing.Status.RESTRICTED
            listing.restricted_by = "strikes"
            listing.status_reason = _(
                "New listings of this seller are restricted while it holds %(n)d live strike points."
            ) % {"n": points}
            listing.save(update_fields=["status", "status_reason", "restricted_by"])
        audit.record(
            action=ModerationAction.LISTING_CREATED,
            actor=actor,
            target=listing,
            changes={
                f: _plain(getattr(listing, f if f not in ("seller", "brand") else f + "_id")) for f in SYNCED_FIELDS
            }
            | {"status": listing.status},
            reason=via,
        )
    else:
        before = {f: _plain(_value(listing, f)) for f in SYNCED_FIELDS}
        for field, value in data.items():
            setattr(listing, field, value)
        after = {f: _plain(_value(listing, f)) for f in SYNCED_FIELDS}
        changes = audit.diff(before, after)
        if not changes:
            return listing, False
        listing.updated_at = now
        listing.save(update_fields=[*data.keys(), "updated_at"])
        audit.record(action=ModerationAction.LISTING_UPDATED, actor=actor, target=listing, changes=changes, reason=via)
    _sync_images(listing)
    detection.evaluate_listing(listing=listing, actor=actor)
    return listing, created


def _value(listing: Listing, field: str):
    return getattr(listing, f"{field}_id") if field in ("seller", "brand") else getattr(listing, field)


def _plain(value):
    return str(value) if isinstance(value, Decimal) else value


def _sync_images(listing: Listing) -> None:
    from moderation import tasks

    known = set(listing.images.values_list("url", flat=True))
    for url in listing.image_urls:
        if url not in known:
            known.add(url)  # a URL given twice is fetched once
            image = ListingImage.objects.create(listing=listing, url=url)
            enqueue_on_commit(tasks.fetch_listing_image, image_id=image.pk)


def _set_status(listing: Listing, *, status: str, reason: str, actor, action, source: str = "") -> Listing:
    before = listing.status
    listing.status = status
    listing.status_reason = reason
    listing.restricted_by = source
    listing.updated_at = timezone.now()
    listing.save(update_fields=["status", "status_reason", "restricted_by", "updated_at"])
    audit.record(
        action=action,
        actor=actor,
        target=listing,
        changes={"status": {"before": before, "after": status}},
        reason=reason,
    )
    return listing


@transaction.atomic
def listing_restrict(*, listing: Listing, actor, reason: str, source: str = "decision") -> Listing:
    listing = Listing.objects.select_for_update().get(pk=listing.pk)
    if listing.status != Listing.Status.ACTIVE:
        return listing  # already restricted or removed: nothing weaker to apply
    return _set_status(
        listing,
        status=Listing.Status.RESTRICTED,
        reason=reason,
        actor=actor,
        action=ModerationAction.LISTING_RESTRICTED,
        source=source,
    )


@transaction.atomic
def listing_remove(*, listing: Listing, actor, reason: str) -> Listing:
    listing = Listing.objects.select_for_update().get(pk=listing.pk)
    if listing.status == Listing.Status.REMOVED:
        raise InvalidTransition(_("The listing is already removed."))
    return _set_status(
        listing,
        status=Listing.Status.REMOVED,
        reason=reason,
        actor=actor,
        action=ModerationAction.LISTING_REMOVED,
        source="decision",
    )


@transaction.atomic
def listing_restore(*, listing: Listing, actor, reason: str) -> Listing:
    listing = Listing.objects.select_for_update().get(pk=listing.pk)
    if listing.status == Listing.Status.ACTIVE:
        return listing
    return _set_status(
        listing, status=Listing.Status.ACTIVE, reason=reason, actor=actor, action=ModerationAction.LISTING_RESTORED
    )


def _store_preview(image: ListingImage, sha256: str, preview: bytes) -> str:
    # Named by content: a retried task finds its file and writes nothing twice.
    name = f"listing-images/{image.listing_id}/{image.pk}-{sha256[:16]}.jpg"
    if not default_storage.exists(name):
        name = default_storage.save(name, ContentFile(preview))
    return name


@transaction.atomic
def image_fingerprinted(*, image: ListingImage, sha256: str, phash: int, preview: bytes | None = None) -> ListingImage:
    """Store an image's hashes and preview, add it to the shared index and look for matches. Idempotent."""
    from moderation.services import detection

    image = ListingImage.objects.select_for_update(of=("self",)).select_related("listing").get(pk=image.pk)
    if image.status == ListingImage.Status.FINGERPRINTED:
        return image
    image.status = ListingImage.Status.FINGERPRINTED
    image.sha256 = sha256
    image.phash = fingerprints.to_signed(phash)
    image.fetched_at = timezone.now()
    image.preview_name = _store_preview(image, sha256, preview) if preview else ""
    image.save(update_fields=["status", "sha256", "phash", "fetched_at", "preview_name"])
    fingerprints.add(
        kind="listing_image",
        object_type="moderation.listingimage",
        object_id=image.pk,
        owner_key=f"seller:{image.listing.seller_id}",
        phash=phash,
    )
    audit.record(action=ModerationAction.IMAGE_FINGERPRINTED, actor=None, target=image, changes={"sha256": sha256})
    detection.evaluate_image(image=image, phash=phash)
    return image


@transaction.atomic
def image_refuse(*, image: ListingImage, reason: str) -> ListingImage:
    image = ListingImage.objects.select_for_update().get(pk=image.pk)
    if image.status != ListingImage.Status.PENDING:
        return image
    image.status = ListingImage.Status.REFUSED
    image.refusal_reason = reason[:300]
    image.fetched_at = timezone.now()
    image.save(update_fields=["status", "refusal_reason", "fetched_at"])
    audit.record(action=ModerationAction.IMAGE_REFUSED, actor=None, target=image, reason=reason[:300])
    return image
