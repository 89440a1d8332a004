"""The brand registry: brands, owners, reference prices, official images, demo data."""

import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from PIL import Image

from portal import fingerprints
from portal.audit.models import AuditEvent
from portal.models import ImageFingerprint
from sellers.models import Brand, BrandAuthorization, BrandReferencePrice
from sellers.selectors import may_list
from sellers.services import brands as svc
from tests.sellers.factories import BrandFactory

pytestmark = pytest.mark.django_db


def test_brand_create_makes_a_unique_slug_and_refuses_a_twin_name():
    owner = svc.brand_owner_create(name="Acme Holding", country="de", actor=None)
    first = svc.brand_create(name="Acme", owner=owner, actor=None)
    assert first.slug == "acme" and first.protected and owner.country == "DE"
    with pytest.raises(ValidationError) as exc:
        svc.brand_create(name="ACME", actor=None)
    assert "name" in exc.value.message_dict
    assert Brand.objects.count() == 1
    assert AuditEvent.objects.filter(action="seller.brand.created", target_id=str(first.pk)).exists()


def test_protection_change_is_audited_once():
    brand = BrandFactory(protected=True)
    svc.brand_set_protected(brand=brand, protected=False, actor=None, reason="generic term")
    svc.brand_set_protected(brand=brand, protected=False, actor=None)
    assert AuditEvent.objects.filter(action="seller.brand.protection_changed").count() == 1


def test_reference_price_keeps_its_currency_and_updates_in_place():
    brand = BrandFactory()
    svc.brand_reference_price_set(brand=brand, category="shoes", currency="eur", amount=Decimal("120.00"), actor=None)
    svc.brand_reference_price_set(brand=brand, category="shoes", currency="EUR", amount=Decimal("130.00"), actor=None)
    svc.brand_reference_price_set(brand=brand, category="shoes", currency="USD", amount=Decimal("140.00"), actor=None)
    prices = {(p.currency, p.amount) for p in BrandReferencePrice.objects.filter(brand=brand)}
    assert prices == {("EUR", Decimal("130.00")), ("USD", Decimal("140.00"))}
    with pytest.raises(ValidationError) as exc:
        svc.brand_reference_price_set(brand=brand, category="Shoes!", currency="EURO", amount=Decimal("0"), actor=None)
    assert set(exc.value.message_dict) == {"category", "currency", "amount"}


def _png(color=(200, 30, 30)) -> bytes:
    image = Image.new("RGB", (64, 64), color)
    for x in range(32):
        image.putpixel((x, x), (0, 0, 0))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def test_official_image_is_reencoded_hashed_and_indexed():
    brand = BrandFactory()
    image = svc.brand_image_add(
        brand=brand, uploaded_file=SimpleUploadedFile("x.png", _png()), title="Front", actor=None
    )
    assert image.width == 64 and len(image.sha256) == 64
    row = ImageFingerprint.objects.get(object_type="sellers.brandimage", object_id=str(image.pk))
    assert row.owner_key == f"brand:{brand.pk}" and row.phash == image.phash
    assert [m.object_id for m in fingerprints.find_near(image.phash, kinds=["brand_image"])] == [str(image.pk)]


def test_a_file_that_is_not_an_image_is_refused():
    with pytest.raises(ValidationError) as exc:
        svc.brand_image_add(
            brand=BrandFactory(), uploaded_file=SimpleUploadedFile("x.png", b"%PDF-1.4 not an image"), actor=None
        )
    assert "image" in exc.value.message_dict


def test_seed_demo_adds_brands_and_authorizations_once():
    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())
    nordlicht = Brand.objects.get(name="Nordlicht")
    assert nordlicht.protected and nordlicht.trademarks.exists() and nordlicht.owner.contacts.exists()
    approved = BrandAuthorization.objects.get(brand=nordlicht, status=BrandAuthorization.Status.APPROVED)
    assert BrandAuthorization.objects.filter(seller=approved.seller).count() == 2
    assert may_list(seller=approved.seller, brand=nordlicht, country="AT", category="boots").allowed


def test_superuser_issues_an_owner_key_from_the_console_and_officers_cannot(client):
    from django.urls import reverse

    from portal.models import ApiKey
    from portal.roles import Role
    from sellers.models import BrandOwner
    from tests.factories import UserFactory, staff
    from tests.helpers import login_staff

    owner = BrandOwner.objects.create(name="Acme Holding")
    url = reverse("admin:sellers_brandowner_changelist")
    login_staff(client, staff(Role.VETTING_OFFICER))
    client.post(url, {"action": "issue_api_key", "_selected_action": [owner.pk]})
    assert not ApiKey.objects.exists()

    admin_user = UserFactory(is_staff=True, is_superuser=True)
    login_staff(client, admin_user)
    response = client.post(url, {"action": "issue_api_key", "_selected_action": [owner.pk]}, follow=True)
    key = owner.api_keys.get().api_key
    assert f"hm_{key.prefix}_" in response.content.decode()
    assert AuditEvent.objects.filter(action="seller.brand_owner.api_key_issued", target_id=str(owner.pk)).exists()


@pytest.mark.parametrize(
    ("classes", "ok"), [([18, 25], True), ([], True), ([0], False), ([46], False), (["25"], False), ("25", False)]
)
def test_trademark_nice_classes_are_checked(classes, ok):
    from sellers.models import TrademarkRegistration

    tm = TrademarkRegistration(brand=BrandFactory(), office="EUIPO", number="1", owner_name="X", nice_classes=classes)
    if ok:
        tm.full_clean()
    else:
        with pytest.raises(ValidationError) as exc:
            tm.full_clean()
        assert "nice_classes" in exc.value.message_dict
