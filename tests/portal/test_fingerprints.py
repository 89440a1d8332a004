import pytest

from portal import fingerprints

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
