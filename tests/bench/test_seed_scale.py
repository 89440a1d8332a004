import json

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

from moderation.management.commands.seed_scale import PRESETS
from portal import audit
from portal.audit.models import AuditEvent
from portal.models import ImageFingerprint, User
from sellers.models import Brand, BrandAuthorization, Document, Seller, SellerMember

pytestmark = pytest.mark.django_db

TINY = {
    "sellers": 30,
    "brands": 12,
    "listings": 80,
    "reports": 300,
    "cases": 40,
    "events": 400,
    "fingerprints": 250,
    "moderators": 3,
}


def _seed(capsys, **counts) -> dict:
    args = [f"--{name}={value}" for name, value in counts.items()]
    call_command("seed_scale", "--preset=small", "--json", *args)
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])["created"]


def _installed(label: str) -> bool:
    try:
        apps.get_model(label)
    except LookupError:
        return False
    return True


def _assert_counts(created: dict, counts: dict) -> None:
    assert Seller.objects.count() == created["sellers.seller"] == counts["sellers"]
    assert SellerMember.objects.filter(is_owner=True).count() == counts["sellers"]
    assert User.objects.filter(is_staff=True).count() == counts["moderators"]
    assert Brand.objects.count() == counts["brands"]
    assert Document.objects.count() == 3 * counts["sellers"]
    assert BrandAuthorization.objects.count() == created["sellers.brandauthorization"]
    assert ImageFingerprint.objects.count() == counts["fingerprints"]
    assert AuditEvent.objects.count() == counts["events"]
    if _installed("moderation.listing"):
        assert apps.get_model("moderation.listing").objects.count() == counts["listings"]
    if _installed("moderation.notice"):
        assert apps.get_model("moderation.notice").objects.count() == counts["reports"]
        assert apps.get_model("moderation.case").objects.count() == counts["cases"]


def test_seeds_the_requested_counts_and_a_valid_audit_chain(capsys):
    created = _seed(capsys, **TINY)
    _assert_counts(created, TINY)
    result = audit.verify_chain()
    assert result.ok, result.problem
    assert result.count == TINY["events"]
    # Believable, not empty: most sellers are active, every seller has an owner.
    assert Seller.objects.filter(status="active").count() > TINY["sellers"] // 2
    assert not Seller.objects.filter(members__isnull=True).exists()


def test_a_second_run_adds_to_the_data_and_continues_the_chain(capsys):
    _seed(capsys, **TINY)
    _seed(capsys, **dict(TINY, events=100))
    assert Seller.objects.count() == 2 * TINY["sellers"]
    result = audit.verify_chain()
    assert result.ok, result.problem
    assert result.count == TINY["events"] + 100


def test_a_negative_count_is_refused():
    with pytest.raises(CommandError, match="--sellers must be zero or more"):
        call_command("seed_scale", "--sellers=-1")
    assert not Seller.objects.exists()


@pytest.mark.postgres
def test_the_small_preset_runs_with_copy_on_postgres(capsys):
    created = _seed(capsys)
    _assert_counts(created, PRESETS["small"])
    assert audit.verify_chain().ok
