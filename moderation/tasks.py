"""Thin tasks: ids in, re-read, call a service. Safe to run twice."""

from __future__ import annotations

import hashlib
import io
import warnings

from celery import shared_task

from moderation.models import ListingImage

IMAGE_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
IMAGE_MAX_PIXELS = 40_000_000


class ImageRefused(Exception):
    pass


PREVIEW_SIDE = 640  # pixels, the longer side of the stored preview


def inspect_image(data: bytes) -> tuple[int, bytes]:
    """Open under an explicit format allow-list and pixel limit; the phash (unsigned 64-bit) and a preview.

    The preview is re-encoded from decoded pixels (a JPEG, no metadata), so
    nothing of the original file but its picture reaches a moderator's browser.
    """
    import imagehash
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = IMAGE_MAX_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=IMAGE_FORMATS) as img:
                img.load()
                clean = img.convert("RGB")
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRefused("the image has too many pixels") from None
    except Exception:  # Pillow raises many types for hostile or broken files
        raise ImageRefused("not a JPEG, PNG, WebP or GIF image we can read") from None
    phash = int(str(imagehash.phash(clean)), 16)
    clean.thumbnail((PREVIEW_SIDE, PREVIEW_SIDE))
    out = io.BytesIO()
    clean.save(out, format="JPEG", quality=82)
    return phash, out.getvalue()


@shared_task(acks_late=True, reject_on_worker_lost=True, max_retries=3, default_retry_delay=60)
def fetch_listing_image(*, image_id: int) -> None:
    from moderation import netguard
    from moderation.services.listings import image_fingerprinted, image_refuse

    image = ListingImage.objects.filter(pk=image_id, status=ListingImage.Status.PENDING).first()
    if image is None:
        return
    try:
        data = netguard.fetch(image.url)
        phash, preview = inspect_image(data)
    except (netguard.FetchRefused, ImageRefused) as exc:
        image_refuse(image=image, reason=str(exc))
        return
    image_fingerprinted(image=image, sha256=hashlib.sha256(data).hexdigest(), phash=phash, preview=preview)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def sweep_overdue_cases() -> int:
    from moderation.services.cases import cases_escalate_overdue

    return cases_escalate_overdue()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def sweep_pending_images() -> int:
    """Re-send fetches a dead broker lost (images still pending after ten minutes)."""
    from datetime import timedelta

    from django.utils import timezone

    from portal.tasks_util import enqueue_on_commit

    cutoff = timezone.now() - timedelta(minutes=10)
    ids = list(
        ListingImage.objects.filter(status=ListingImage.Status.PENDING, listing__updated_at__lt=cutoff).values_list(
            "pk", flat=True
        )[:500]
    )
    for image_id in ids:
        enqueue_on_commit(fetch_listing_image, image_id=image_id)
    return len(ids)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def triage_notices() -> int:
    """Join waiting notices to their cases; a run that reached its limit sends the next."""
    from moderation.services.notices import notices_triage_pending

    limit = 2000
    done = notices_triage_pending(limit=limit)
    if done >= limit:
        triage_notices.apply_async()
    return done
