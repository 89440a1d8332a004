"""Near-duplicate image lookup over ``ImageFingerprint`` rows.

Hashes are 64-bit unsigned perceptual hashes (ImageHash's ``phash``), stored
as signed 64-bit integers because databases have no unsigned BIGINT.

``find_near`` uses multi-index hashing (Norouzi, Punjani & Fleet, 2012): the
hash is cut into four 16-bit bands, each an indexed column the database
computes from ``phash``. If two hashes differ in at most ``d`` bits, then by
the pigeonhole principle at least one band differs in at most ``d // 4`` bits.
So the candidates are the rows where *some* band equals one of the values
within ``d // 4`` bits of the query's band (for d = 8: 1 + 16 + 120 = 137
values per band) — four indexed lookups instead of a scan. Candidates are then
checked exactly. ``scan_near`` is the plain linear scan, kept as the
reference the index is tested and benchmarked against (see bench/).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from itertools import combinations

from django.db import connection
from django.db.models import Q

from portal.models import ImageFingerprint

MAX_DISTANCE = 8
BANDS = 4
BAND_BITS = 16
_BAND_MASK = (1 << BAND_BITS) - 1
# Beyond this radius per band the candidate lists grow past what the index
# saves (radius 4 is 2,517 values per band); scanning is then just as good.
_MAX_BAND_RADIUS = 3


def to_signed(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


def to_unsigned(value: int) -> int:
    return value + (1 << 64) if value < 0 else value


def hamming(a: int, b: int) -> int:
    return (to_unsigned(a) ^ to_unsigned(b)).bit_count()


def bands(phash: int) -> tuple[int, ...]:
    """The four 16-bit bands of a hash, lowest first (as the database stores them)."""
    value = to_unsigned(phash)
    return tuple((value >> (BAND_BITS * i)) & _BAND_MASK for i in range(BANDS))


@cache
def _flip_masks(radius: int) -> tuple[int, ...]:
    """Every 16-bit mask with at most ``radius`` bits set."""
    masks = [0]
    for bits in range(1, radius + 1):
        masks.extend(sum(1 << b for b in combo) for combo in combinations(range(BAND_BITS), bits))
    return tuple(masks)


@dataclass(frozen=True)
class Match:
    fingerprint_id: int
    kind: str
    object_type: str
    object_id: str
    owner_key: str
    distance: int


_MATCH_COLUMNS = ("pk", "kind", "object_type", "object_id", "owner_key", "phash")


def add(*, kind: str, object_type: str, object_id: str | int, owner_key: str, phash: int) -> ImageFingerprint:
    """Store one fingerprint (``phash`` unsigned or signed)."""
    return ImageFingerprint.objects.create(
        kind=kind,
        object_type=object_type,
        object_id=str(object_id),
        owner_key=owner_key,
        phash=to_signed(phash),
    )


def _filtered(exclude_owner: str | None, kinds: list[str] | None):
    rows = ImageFingerprint.objects.all()
    if exclude_owner:
        rows = rows.exclude(owner_key=exclude_owner)
    if kinds:
        rows = rows.filter(kind__in=kinds)
    return rows


def _matches(phash: int, rows, max_distance: int) -> list[Match]:
    matches = []
    for row in rows:
        distance = hamming(phash, row[5])
        if distance <= max_distance:
            matches.append(Match(row[0], row[1], row[2], row[3], row[4], distance))
    return sorted(matches, key=lambda m: (m.distance, m.fingerprint_id))


def find_near(
    phash: int, *, max_distance: int = MAX_DISTANCE, exclude_owner: str | None = None, kinds: list[str] | None = None
) -> list[Match]:
    """Fingerprints within ``max_distance`` bits of ``phash``, nearest first."""
    if max_distance < 0:
        return []
    radius = max_distance // BANDS
    if radius > _MAX_BAND_RADIUS:
        return scan_near(phash, max_distance=max_distance, exclude_owner=exclude_owner, kinds=kinds)
    probes = [[band ^ mask for mask in _flip_masks(radius)] for band in bands(phash)]
    rows = _filtered(exclude_owner, kinds)
    if connection.vendor == "postgresql":
        ids = _candidates_postgres(phash, probes, max_distance)
        if not ids:
            return []
        rows = rows.filter(pk__in=ids)
    else:
        candidates = Q()
        for i, values in enumerate(probes):
            candidates |= Q(**{f"band{i}__in": values})
        rows = rows.filter(candidates)
    return _matches(phash, rows.values_list(*_MATCH_COLUMNS), max_distance)


def _candidates_postgres(phash: int, probes: list[list[int]], max_distance: int) -> list[int]:
    """Ids within ``max_distance``, from four index-only scans (the band indexes carry id and phash).

    A UNION ALL of one scan per band rather than one OR-ed query: PostgreSQL
    turns the OR into bitmap heap scans that visit thousands of table pages,
    while each arm here reads only its index. Distances are checked in SQL so
    only matches leave the database.
    """
    # Only our own table name and band numbers are interpolated; values are parameters.
    table = connection.ops.quote_name(ImageFingerprint._meta.db_table)
    arms = " UNION ALL ".join(
        f"SELECT id, phash FROM {table} WHERE band{i} = ANY(%s)"  # noqa: S608
        for i in range(len(probes))
    )
    sql = f"SELECT DISTINCT id FROM ({arms}) AS c WHERE bit_count(CAST((phash # %s) AS bit(64))) <= %s"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [*probes, to_signed(phash), max_distance])
        return [row[0] for row in cursor.fetchall()]


def scan_near(
    phash: int, *, max_distance: int = MAX_DISTANCE, exclude_owner: str | None = None, kinds: list[str] | None = None
) -> list[Match]:
    """The same answer as ``find_near`` by reading every row (the baseline)."""
    rows = _filtered(exclude_owner, kinds).values_list(*_MATCH_COLUMNS).iterator(chunk_size=10000)
    return _matches(phash, rows, max_distance)
