"""Demo brands, owners and authorizations for ``manage.py seed_demo`` (idempotent)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.dispatch import receiver
from django.utils import timezone

from portal.management.commands.seed_demo import seed_demo_data
from sellers.models import Brand, BrandAuthorization, BrandOwner, Document, Seller, SellerMember, TrademarkRegistration
from sellers.services import brands as svc

B = BrandAuthorization.Basis

OWNERS = [
    # owner, country, contact, [(brand, office, number, nice classes, {category: (currency, price)})]
    (
        "Nordlicht Outdoor AG",
        "DE",
        ("Greta Brandt", "brand-protection@nordlicht.example"),
        [("Nordlicht", "EUIPO", "018765432", [18, 25], {"jackets": ("EUR", "249.00"), "boots": ("EUR", "189.00")})],
    ),
    (
        "Kirin Time Co., Ltd.",
        "JP",
        ("Haruto Sato", "ip@kirintime.example"),
        [("Kirin Time", "JPO", "6123456", [14], {"watches": ("JPY", "48000"), "straps": ("EUR", "39.00")})],
    ),
]


@receiver(seed_demo_data, dispatch_uid="sellers.demo_brands")
def seed_brands(sender, stdout=None, **kwargs) -> None:
    today = timezone.localdate()
    brands = {}
    for owner_name, country, (contact, email), owned in OWNERS:
        owner = BrandOwner.objects.filter(name=owner_name).first() or svc.brand_owner_create(
            name=owner_name, country=country, actor=None
        )
        owner.contacts.get_or_create(email=email, defaults={"name": contact, "is_primary": True})
        for name, office, number, classes, prices in owned:
            brand = Brand.objects.filter(name=name).first() or svc.brand_create(
                name=name, protected=True, owner=owner, actor=None
            )
            TrademarkRegistration.objects.get_or_create(
                office=office,
                number=number,
                defaults={
                    "brand": brand,
                    "owner_name": owner_name,
                    "nice_classes": classes,
                    "registered_on": today - timedelta(days=3 * 365),
                    "expires_on": today + timedelta(days=7 * 365),
                },
            )
            for category, (currency, amount) in prices.items():
                if not brand.reference_prices.filter(category=category, currency=currency).exists():
                    svc.brand_reference_price_set(
                        brand=brand, category=category, currency=currency, amount=Decimal(amount), actor=None
                    )
            brands[name] = brand
    Brand.objects.get_or_create(name="Generic Basics", defaults={"slug": "generic-basics", "protected": False})

    membership = SellerMember.objects.filter(user__username="demo-seller").select_related("seller").first()
    seller = membership.seller if membership else None
    if seller is None:
        seller = Seller.objects.filter(legal_name="Demo Brand Reseller GmbH").first() or Seller.objects.create(
            legal_name="Demo Brand Reseller GmbH",
            trading_name="Demo Reseller",
            country="DE",
            contact_email="reseller@example.com",
            status=Seller.Status.ACTIVE,
        )
    if BrandAuthorization.objects.filter(brand=brands["Nordlicht"]).exists():
        return  # seeded before (possibly for another demo seller: receivers' order is not fixed)
    letter = Document.objects.create(
        seller=seller,
        kind=Document.Kind.LETTER_OF_AUTHORIZATION,
        status=Document.Status.ACCEPTED,
        original_name="nordlicht-loa-2026.pdf",
    )
    approved = svc.authorization_request(
        seller=seller,
        brand=brands["Nordlicht"],
        terms=svc.RequestTerms(
            basis=B.LOA_FIRST_LEVEL,
            territories=["DE", "AT", "CH"],
            categories=["jackets", "boots"],
            valid_from=today - timedelta(days=60),
            valid_until=today + timedelta(days=25),
            licensor_name="Nordlicht Outdoor AG",
        ),
        documents=[letter],
        actor=membership.user if membership else None,
        today=today - timedelta(days=60),
    )
    svc.authorization_approve(
        authorization=approved,
        actor=None,
        checklist=[key for key, _label in svc.checklist_for(approved.basis)],
        today=today,
    )
    invoice = Document.objects.create(
        seller=seller,
        kind=Document.Kind.INVOICE,
        status=Document.Status.ACCEPTED,
        original_name="kirin-invoice-0413.pdf",
    )
    svc.authorization_request(
        seller=seller,
        brand=brands["Kirin Time"],
        terms=svc.RequestTerms(
            basis=B.DISTRIBUTOR_INVOICES,
            territories=["DE"],
            categories=["watches"],
            supplier_name="Tokyo Watch Wholesale K.K.",
            latest_invoice_date=today - timedelta(days=40),
        ),
        documents=[invoice],
        actor=membership.user if membership else None,
        note="Invoices from our Tokyo wholesaler attached.",
    )
    if stdout is not None:
        stdout.write(f"  brands: {len(brands)} protected brands; authorizations for {seller}")
