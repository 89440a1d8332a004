"""Demo moderation data for ``manage.py seed_demo`` (idempotent): policies, listings, notices, a busy queue."""

from __future__ import annotations

from decimal import Decimal

from django.dispatch import receiver

from moderation.models import Listing, Notice, Notifier, Policy
from moderation.models.decisions import Action
from moderation.services.listings import listing_upsert
from moderation.services.notices import notice_submit
from moderation.services.notifiers import notifier_for_public
from portal.management.commands.seed_demo import seed_demo_data
from sellers.models import Brand, Seller

POLICIES = [
    # code, title, ground, reference, template, action, points, DSA category, keywords
    (
        "counterfeit",
        "Counterfeit goods",
        Policy.Ground.ILLEGAL_CONTENT,
        "Art. 9(2) Regulation (EU) 2017/1001 on the EU trade mark",
        "The listing “{listing}” offers goods bearing the {brand} trade mark that are not genuine.",
        Action.REMOVE_LISTING,
        6,
        Policy.DsaCategory.IP,
        ["KEYWORD_TRADEMARK_INFRINGEMENT"],
    ),
    (
        "unauthorized-seller",
        "Protected brand without authorization",
        Policy.Ground.TERMS,
        "Seller terms §7 (protected brands need a verified authorization)",
        "{brand} is a protected brand; {seller} holds no valid authorization to sell it.",
        Action.RESTRICT_LISTING,
        3,
        Policy.DsaCategory.IP,
        ["KEYWORD_TRADEMARK_INFRINGEMENT"],
    ),
    (
        "unsafe-product",
        "Unsafe or non-compliant product",
        Policy.Ground.ILLEGAL_CONTENT,
        "Art. 9 Regulation (EU) 2023/988 on general product safety",
        "The product in “{listing}” lacks the required safety marking and documentation.",
        Action.REMOVE_LISTING,
        8,
        Policy.DsaCategory.UNSAFE,
        ["KEYWORD_UNSAFE_PRODUCTS"],
    ),
    (
        "misleading-listing",
        "Misleading listing",
        Policy.Ground.TERMS,
        "Seller terms §4.2 (accurate product information)",
        "The listing “{listing}” describes the product in a way that misleads buyers.",
        Action.WARN,
        2,
        Policy.DsaCategory.CONSUMER,
        ["KEYWORD_MISLEADING_INFO_GOODS_SERVICES"],
    ),
]

LISTINGS = [
    # external id, title, brand name, category, price, currency
    ("DEMO-1001", "Nordlicht Fjell down jacket — 80% off", "Nordlicht", "jackets", "39.00", "EUR"),
    ("DEMO-1002", "Kirin Time chronograph, boxed", "Kirin Time", "watches", "6900", "JPY"),
    ("DEMO-1003", "Nordlicht trail boots", "Nordlicht", "boots", "169.00", "EUR"),
    ("DEMO-1004", "USB fast charger 65 W", "Generic Basics", "electronics", "9.90", "EUR"),
    ("DEMO-1005", "Leather weekender bag", None, "bags", "120.00", "EUR"),
]


def add_demo_images(listing: Listing, *, colours: list[tuple[int, int, int]]) -> None:
    """Drawn stand-ins for a listing's photos (the demo fetches nothing from the internet)."""
    import hashlib
    import io

    from PIL import Image, ImageDraw

    from moderation.models import ListingImage
    from moderation.services.listings import image_fingerprinted
    from moderation.tasks import inspect_image

    for n, colour in enumerate(colours, start=1):
        canvas = Image.new("RGB", (480, 480), (236, 238, 240))
        draw = ImageDraw.Draw(canvas)
        body = [(150, 110), (200, 80), (280, 80), (330, 110), (400, 200), (360, 230), (330, 200), (330, 420)]
        body += [(150, 420), (150, 200), (120, 230), (80, 200)]
        draw.polygon(body, fill=colour)
        draw.line([(240, 90), (240, 420)], fill=(210, 210, 210), width=3)
        draw.rectangle([(170, 150), (225, 175)], fill=(235, 235, 235))
        draw.text((176, 156), "NORDL.", fill=colour)
        raw = io.BytesIO()
        canvas.save(raw, format="PNG")
        data = raw.getvalue()
        phash, preview = inspect_image(data)
        image = ListingImage.objects.create(
            listing=listing, url=f"https://cdn.marketplace.example/{listing.external_id}/{n}.jpg"
        )
        image_fingerprinted(image=image, sha256=hashlib.sha256(data).hexdigest(), phash=phash, preview=preview)


@receiver(seed_demo_data, dispatch_uid="moderation.demo")
def seed_moderation(sender, stdout=None, **kwargs) -> None:
    for code, title, ground, reference, template, action, points, category, keywords in POLICIES:
        Policy.objects.get_or_create(
            code=code,
            defaults={
                "title": title,
                "ground": ground,
                "reference": reference,
                "statement_template": template,
                "default_action": action,
                "strike_points": points,
                "dsa_category": category,
                "dsa_keywords": keywords,
            },
        )
    if Listing.objects.filter(external_id="DEMO-1001").exists():
        return
    seller = Seller.objects.filter(legal_name="Bazaar Deals Ltd").first() or Seller.objects.create(
        legal_name="Bazaar Deals Ltd",
        trading_name="Bazaar Deals",
        country="IE",
        contact_email="ops@bazaar-deals.example",
        status=Seller.Status.ACTIVE,
    )
    listings = {}
    for external_id, title, brand_name, category, price, currency in LISTINGS:
        brand = Brand.objects.filter(name=brand_name).first() if brand_name else None
        listing, _created = listing_upsert(
            external_id=external_id,
            data={
                "seller": seller,
                "brand": brand,
                "title": title,
                "description": "Fast shipping from our warehouse.",
                "category": category,
                "price": Decimal(price),
                "currency": currency,
                "url": f"https://marketplace.example/items/{external_id}",
                "country": "DE",
            },
            actor=None,
            via="demo data",
        )
        listings[external_id] = listing
    add_demo_images(listings["DEMO-1001"], colours=[(24, 46, 84), (150, 32, 40)])
    flagger = Notifier.objects.filter(name="Counterfeit Watch e.V.").first() or Notifier.objects.create(
        kind=Notifier.Kind.TRUSTED_FLAGGER, name="Counterfeit Watch e.V.", email="desk@counterfeit-watch.example"
    )
    buyer = notifier_for_public(name="Bea Buyer", email="bea@example.net")
    for listing, notifier, reason, text in (
        (
            listings["DEMO-1001"],
            flagger,
            "counterfeit",
            "Test purchase: the down filling is synthetic and the logo patch is misaligned.",
        ),
        (
            listings["DEMO-1001"],
            buyer,
            "counterfeit",
            "The jacket I received has no Nordlicht hologram tag and smells of glue.",
        ),
        (
            listings["DEMO-1004"],
            buyer,
            "prohibited_or_unsafe",
            "The charger has no CE mark and got very hot after ten minutes.",
        ),
        (
            listings["DEMO-1005"],
            buyer,
            "misleading_listing",
            "Described as leather but the label says PU; photos are of another bag.",
        ),
    ):
        notice_submit(
            listing=listing,
            notifier=notifier,
            reason=reason,
            explanation=text,
            notifier_name=notifier.name,
            notifier_email=notifier.email,
            good_faith=True,
            channel=Notice.Channel.API,
        )
    if stdout is not None:
        stdout.write("  moderation: 4 policies, 5 listings and a queue of cases (2 opened by automated signals)")
