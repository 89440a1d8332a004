import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal import fingerprints
from portal.models import ImageFingerprint

pytestmark = pytest.mark.django_db

BASE = 0xF0F0_F0F0_0F0F_0F0F


def _flip(value: int, bits: int) -> int:
    return value ^ ((1 << bits) - 1)  # flips the lowest `bits` bits


def test_finds_hashes_within_the_distance_and_excludes_the_owner():
    near = fingerprints.add(
        kind="document", object_type="sellers.document", object_id=1, owner_key="seller:1", phash=_flip(BASE, 8)
    )
    fingerprints.add(
        kind="document", object_type="sellers.document", object_id=2, owner_key="seller:2", phash=_flip(BASE, 9)
    )
    fingerprints.add(kind="document", object_type="sellers.document", object_id=3, owner_key="seller:3", phash=BASE)
    found = fingerprints.find_near(BASE, exclude_owner="seller:3")
    assert [(m.fingerprint_id, m.distance) for m in found] == [(near.pk, 8)]


def test_high_bit_hashes_round_trip_through_signed_storage():
    row = fingerprints.add(
        kind="listing_image", object_type="x.y", object_id=1, owner_key="seller:1", phash=0xFFFF_FFFF_FFFF_FFFF
    )
    row.refresh_from_db()
    assert fingerprints.to_unsigned(row.phash) == 0xFFFF_FFFF_FFFF_FFFF
    assert fingerprints.find_near(0xFFFF_FFFF_FFFF_FFFE)[0].distance == 1


def test_bands_are_computed_by_the_database_from_the_hash():
    value = 0x1234_5678_9ABC_DEF0
    row = fingerprints.add(kind="document", object_type="x.y", object_id=1, owner_key="seller:1", phash=value)
    row.refresh_from_db()
    assert (row.band0, row.band1, row.band2, row.band3) == (0xDEF0, 0x9ABC, 0x5678, 0x1234)
    assert fingerprints.bands(value) == (0xDEF0, 0x9ABC, 0x5678, 0x1234)


def test_bands_of_a_high_bit_hash_are_unsigned():
    row = fingerprints.add(
        kind="document", object_type="x.y", object_id=1, owner_key="s:1", phash=0xFFFF_0000_8000_0001
    )
    row.refresh_from_db()
    assert (row.band0, row.band1, row.band2, row.band3) == (0x0001, 0x8000, 0x0000, 0xFFFF)


def test_distance_eight_spread_two_bits_per_band_is_found():
    # The hardest case for the index: every band differs, each by two bits.
    spread = 0b11 | 0b11 << 16 | 0b11 << 32 | 0b11 << 48
    row = fingerprints.add(kind="document", object_type="x.y", object_id=1, owner_key="s:1", phash=BASE ^ spread)
    assert [(m.fingerprint_id, m.distance) for m in fingerprints.find_near(BASE)] == [(row.pk, 8)]


def test_filters_by_kind_and_orders_nearest_first():
    far = fingerprints.add(kind="document", object_type="x.y", object_id=1, owner_key="s:1", phash=_flip(BASE, 5))
    near = fingerprints.add(kind="document", object_type="x.y", object_id=2, owner_key="s:2", phash=_flip(BASE, 1))
    fingerprints.add(kind="brand_image", object_type="x.y", object_id=3, owner_key="s:3", phash=BASE)
    found = fingerprints.find_near(BASE, kinds=["document"])
    assert [m.fingerprint_id for m in found] == [near.pk, far.pk]


def test_a_wider_radius_than_the_index_serves_falls_back_to_the_scan():
    row = fingerprints.add(kind="document", object_type="x.y", object_id=1, owner_key="s:1", phash=_flip(BASE, 20))
    assert [m.fingerprint_id for m in fingerprints.find_near(BASE, max_distance=20)] == [row.pk]
    assert fingerprints.find_near(BASE, max_distance=-1) == []


# --- The index must never miss what the linear scan finds (distance ≤ 8) ---

hashes = st.integers(min_value=0, max_value=(1 << 64) - 1)
# Bit flips anywhere, and flips spread over the bands (up to three bits in
# each), which is where a wrong band radius would miss a match.
anywhere = st.sets(st.integers(min_value=0, max_value=63), max_size=12)
per_band = st.tuples(*[st.sets(st.integers(min_value=16 * i, max_value=16 * i + 15), max_size=3) for i in range(4)])
bit_sets = st.one_of(anywhere, per_band.map(lambda parts: set().union(*parts)))


def _flipped(value: int, bits: set[int]) -> int:
    for bit in bits:
        value ^= 1 << bit
    return value


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=hashes, flips=st.lists(bit_sets, min_size=1, max_size=8), noise=st.lists(hashes, max_size=5))
def test_index_returns_exactly_what_the_scan_returns(query, flips, noise):
    ImageFingerprint.objects.all().delete()
    for n, value in enumerate([_flipped(query, bits) for bits in flips] + noise):
        fingerprints.add(kind="document", object_type="x.y", object_id=n, owner_key=f"s:{n}", phash=value)
    for radius in (0, 3, 7, 8):
        indexed = fingerprints.find_near(query, max_distance=radius)
        assert indexed == fingerprints.scan_near(query, max_distance=radius)
    # Every planted hash within 8 bits is among the matches.
    expected = {n for n, bits in enumerate(flips) if len(bits) <= 8}
    found = {int(m.object_id) for m in fingerprints.find_near(query)}
    assert expected <= found


@given(a=hashes, b=hashes)
def test_some_band_is_within_a_quarter_of_the_distance(a, b):
    # The pigeonhole property the index relies on.
    distance = fingerprints.hamming(a, b)
    per_band = [(x ^ y).bit_count() for x, y in zip(fingerprints.bands(a), fingerprints.bands(b), strict=True)]
    assert sum(per_band) == distance
    assert min(per_band) <= distance // fingerprints.BANDS
