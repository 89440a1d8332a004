"""Near-duplicate image lookup over ``ImageFingerprint`` rows.

The interface is what callers rely on; the search strategy behind
``find_near`` may change (see bench/ for the index and its measurements).
Hashes are 64-bit unsigned perceptual hashes (ImageHash's ``phash``), stored
as signed 64-bit integers because databases have no unsigned BIGINT.
"""

from __future__ import annotations

from dataclasses import dataclass

from portal.models import ImageFingerprint

MAX_DISTANCE = 8


def to_signed(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


def to_unsigned(value: int) -> int:
    return value + (1 << 64) if value < 0 else value


def hamming(a: int, b: int) -> int:
    return (to_unsigned(a) ^ to_unsigned(b)).bit_count()


@dataclass(frozen=True)
class Match:
    fingerprint_id: int
    kind: str
    object_type: str
    object_id: str
    owner_key: str
    distance: int


def add(*, kind: str, object_type: str, object_id: str | int, owner_key: str, phash: int) -> ImageFingerprint:
    """Store one fingerprint (``phash`` unsigned or signed)."""
    return ImageFingerprint.objects.create(
        kind=kind,
        object_type=object_type,
        object_id=str(object_id),
        owner_key=owner_key,
        phash=to_signed(phash),
    )


def find_near(
    phash: int, *, max_distance: int = MAX_DISTANCE, exclude_owner: str | None = None, kinds: list[str] | None = None
) -> list[Match]:
    """Fingerprints within ``max_distance`` bits of ``phash``, nearest first."""
    rows = ImageFingerprint.objects.all()
    if exclude_owner:
        rows = rows.exclude(owner_key=exclude_owner)
    if kinds:
        rows = rows.filter(kind__in=kinds)
    matches = []
    for row in rows.values_list("pk", "kind", "object_type", "object_id", "owner_key", "phash").iterator():
        distance = hamming(phash, row[5])
        if distance <= max_distance:
            matches.append(Match(row[0], row[1], row[2], row[3], row[4], distance))
    return sorted(matches, key=lambda m: (m.distance, m.fingerprint_id))
