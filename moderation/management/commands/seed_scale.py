"""Fill the database with marketplace-scale, believable data, fast.

On PostgreSQL rows go in with COPY (tens of thousands of rows a second); on
SQLite with ``bulk_create`` in batches, so the command also runs in tests.
Models from a feature that is not installed yet are skipped. The audit events
are written unsealed and then sealed, so ``verify_audit`` passes.
"""

from __future__ import annotations

import io
import json
import random
import time
import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, models, transaction
from django.utils import timezone

from portal import audit
from portal.fingerprints import to_signed

PRESETS: dict[str, dict[str, int]] = {
    # ``small`` runs in well under a minute; ``large`` is the marketplace of issue 7.
    "small": {
        "sellers": 1_000,
        "brands": 200,
        "listings": 5_000,
        "reports": 20_000,
        "cases": 5_000,
        "events": 50_000,
        "fingerprints": 20_000,
        "moderators": 20,
    },
    "large": {
        "sellers": 10_000,
        "brands": 2_000,
        "listings": 200_000,
        "reports": 1_000_000,
        "cases": 300_000,
        "events": 2_000_000,
        "fingerprints": 1_000_000,
        "moderators": 60,
    },
}
BATCH = 50_000

COUNTRIES = ["DE", "FR", "GB", "US", "IT", "ES", "NL", "PL", "CN", "JP", "SE", "BE", "AT", "IE", "PT"]
LEGAL_FORMS = {
    "DE": "GmbH",
    "AT": "GmbH",
    "FR": "SARL",
    "BE": "SRL",
    "GB": "Ltd",
    "IE": "Ltd",
    "US": "LLC",
    "IT": "S.r.l.",
    "ES": "S.L.",
    "PT": "Lda.",
    "NL": "B.V.",
    "PL": "sp. z o.o.",
    "CN": "Co., Ltd.",
    "JP": "K.K.",
    "SE": "AB",
}
COMPANY_WORDS = [
    "Nord", "Alta", "Blue", "Sun", "Iron", "Maple", "Cedar", "Silver", "Harbor", "Urban",
    "Golden", "Pine", "Coastal", "Summit", "Bright", "Crown", "Evergreen", "Oak", "River", "Stone",
]  # fmt: skip
COMPANY_TRADES = ["Trading", "Goods", "Supply", "Commerce", "Retail", "Imports", "Outlet", "Wholesale", "Market"]
SYLLABLES = ["vel", "or", "kin", "tes", "mar", "lum", "zar", "quo", "bel", "nix", "sol", "ter", "av", "dro", "fen"]
ENDINGS = ["a", "o", "ix", "on", "era", "elle", "ara", "is", "ent", "ique"]
PRODUCTS = [
    ("footwear", "sneakers", Decimal("89.00")),
    ("bags", "leather handbag", Decimal("249.00")),
    ("watches", "automatic wristwatch", Decimal("399.00")),
    ("eyewear", "polarised sunglasses", Decimal("129.00")),
    ("electronics", "wireless headphones", Decimal("179.00")),
    ("beauty", "eau de parfum 50 ml", Decimal("79.00")),
    ("accessories", "bifold wallet", Decimal("59.00")),
    ("apparel", "hooded sweatshirt", Decimal("69.00")),
    ("electronics", "phone case", Decimal("25.00")),
    ("bags", "travel backpack", Decimal("149.00")),
]
VARIANTS = [
    "black",
    "white",
    "navy",
    "red",
    "size 42",
    "size M",
    "limited edition",
    "2026 model",
    "vintage",
    "gift set",
]
FIRST_NAMES = ["Ana", "Ben", "Chloé", "Dara", "Emil", "Fatima", "Goran", "Hana", "Ines", "Jonas"]
LAST_NAMES = ["Novak", "Schmidt", "Rossi", "García", "Dubois", "Kowalski", "Sato", "Jensen", "Silva"]
REPORT_TEXTS = [
    "The logo stitching and the serial number format do not match the genuine product.",
    "This seller is not an authorised distributor of our brand in this territory.",
    "Price is far below retail and the photos are copied from our official catalogue.",
    "The packaging shown uses our registered trademark without permission.",
    "I bought this item and it is clearly a counterfeit: wrong materials and no hologram.",
    "The listing claims a certification the product does not have.",
]


# The shape moderation's scoring stores: named signals with their points.
REASON_POINTS = {"counterfeit": 30, "trademark_infringement": 20, "unauthorized_seller": 20}
EXTRA_SIGNALS = [
    ("trusted_flagger", "Trusted flagger (DSA Art. 22)", 40, 0.15),
    ("brand_owner", "Brand owner reported it", 20, 0.1),
    ("price", "Price far below the brand's reference price", 25, 0.2),
    ("reporters", "3 different notifiers", 10, 0.25),
    ("strikes", "Seller has live strikes", 15, 0.1),
]


def _signal(code: str, label: str, points: int, _chance: float = 1.0) -> dict[str, Any]:
    return {"code": code, "label": label, "points": points}


def _copy_value(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict | list):
        value = json.dumps(value)
    text = str(value)
    if any(c in text for c in "\\\t\n\r"):
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


class Writer:
    """Inserts rows (dicts of attribute names) into one model, COPY or bulk_create."""

    def __init__(self, model: type[models.Model]):
        self.model = model
        self.fields = [
            f for f in model._meta.concrete_fields if not f.primary_key and not getattr(f, "generated", False)
        ]
        self.postgres = connection.vendor == "postgresql"

    def _complete(self, row: dict[str, Any]) -> list[Any]:
        values = []
        for field in self.fields:
            if field.attname in row:
                values.append(row[field.attname])
            elif field.has_default():
                values.append(field.get_default())
            elif field.null:
                values.append(None)
            elif field.blank and isinstance(field, models.CharField | models.TextField):
                values.append("")
            else:
                raise CommandError(f"seed_scale has no value for required field {self.model.__name__}.{field.name}")
        return values

    def write(self, rows) -> list[int]:
        """Insert every row; return the new primary keys in insertion order."""
        pk = self.model._meta.pk.attname
        before = self.model.objects.aggregate(m=models.Max(pk))["m"] or 0
        batch: list[list[Any]] = []
        for row in rows:
            batch.append(self._complete(row))
            if len(batch) >= BATCH:
                self._flush(batch)
                batch = []
        if batch:
            self._flush(batch)
        return list(self.model.objects.filter(pk__gt=before).order_by("pk").values_list("pk", flat=True))

    def _flush(self, batch: list[list[Any]]) -> None:
        if self.postgres:
            buffer = io.StringIO()
            for values in batch:
                buffer.write("\t".join(_copy_value(v) for v in values))
                buffer.write("\n")
            columns = ", ".join(connection.ops.quote_name(f.column) for f in self.fields)
            table = connection.ops.quote_name(self.model._meta.db_table)
            with connection.cursor() as cursor, cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                copy.write(buffer.getvalue())  # psycopg 3's COPY: text rows, as psycopg2's copy_expert took them
        else:
            names = [f.attname for f in self.fields]
            self.model.objects.bulk_create(
                [self.model(**dict(zip(names, values, strict=True))) for values in batch], batch_size=2000
            )


def _model(label: str) -> type[models.Model] | None:
    try:
        return apps.get_model(label)
    except LookupError:
        return None


class Seeder:
    def __init__(self, counts: dict[str, int], seed: int, log):
        self.counts = counts
        self.rng = random.Random(seed)  # noqa: S311 - repeatable fake data, not secrets
        self.now = timezone.now()
        self.log = log
        self.created: dict[str, int] = {}
        self.ids: dict[str, list[int]] = {}
        self.tag = uuid.uuid4().hex[:8]  # keeps unique columns unique across runs

    def ago(self, max_days: float, min_days: float = 0.0) -> datetime:
        return self.now - timedelta(days=self.rng.uniform(min_days, max_days))

    def insert(self, label: str, rows) -> list[int]:
        model = _model(label)
        if model is None:
            return []
        started = time.perf_counter()
        ids = Writer(model).write(rows)
        self.created[label] = self.created.get(label, 0) + len(ids)
        self.ids[label] = self.ids.get(label, []) + ids
        self.log(f"  {label}: {len(ids):,} rows in {time.perf_counter() - started:.1f}s")
        return ids

    # --- people -------------------------------------------------------------------------

    def users(self, count: int, prefix: str, *, staff: bool) -> list[int]:
        unusable = make_password(None)
        return self.insert(
            "portal.user",
            (
                {
                    "username": f"{prefix}-{self.tag}-{n}",
                    "email": f"{prefix}{n}@example.com",
                    "first_name": self.rng.choice(FIRST_NAMES),
                    "last_name": self.rng.choice(LAST_NAMES),
                    "password": unusable,
                    "is_staff": staff,
                    "is_active": True,
                    "is_superuser": False,
                    "date_joined": self.ago(900, 30),
                }
                for n in range(count)
            ),
        )

    def moderators(self) -> None:
        from django.contrib.auth.models import Group

        ids = self.users(self.counts["moderators"], "moderator", staff=True)
        group = Group.objects.filter(name="moderator").first()
        if group is not None:
            through = _model("portal.user").groups.through
            through.objects.bulk_create([through(user_id=uid, group_id=group.pk) for uid in ids])

    # --- sellers ------------------------------------------------------------------------

    def sellers(self) -> None:
        n = self.counts["sellers"]
        statuses = ["active"] * 80 + ["onboarding"] * 10 + ["suspended"] * 7 + ["terminated"] * 3

        def rows():
            for i in range(n):
                country = self.rng.choice(COUNTRIES)
                name = f"{self.rng.choice(COMPANY_WORDS)} {self.rng.choice(COMPANY_TRADES)}"
                status = self.rng.choice(statuses)
                created = self.ago(1500, 10)
                yield {
                    "legal_name": f"{name} {LEGAL_FORMS[country]}",
                    "trading_name": f"{name} #{i}" if self.rng.random() < 0.6 else "",
                    "country": country,
                    "contact_email": f"ops{i}@{name.lower().replace(' ', '-')}.example",
                    "status": status,
                    "status_reason": "Repeated counterfeit notices upheld." if status == "suspended" else "",
                    "approved_at": created + timedelta(days=3) if status != "onboarding" else None,
                    "relationship_ended_at": self.ago(200) if status == "terminated" else None,
                    "created_at": created,
                }

        seller_ids = self.insert("sellers.seller", rows())
        owners = self.users(len(seller_ids), "seller", staff=False)
        self.insert(
            "sellers.sellermember",
            (
                {"seller_id": s, "user_id": u, "is_owner": True, "created_at": self.ago(900)}
                for s, u in zip(seller_ids, owners, strict=True)
            ),
        )

    def brands(self) -> None:
        names: list[str] = []
        seen: set[str] = set()
        while len(names) < self.counts["brands"]:
            parts = self.rng.randint(1, 2)
            name = "".join(self.rng.choice(SYLLABLES) for _ in range(parts)) + self.rng.choice(ENDINGS)
            name = name.capitalize()
            if name in seen:
                name = f"{name} {len(names)}"
            seen.add(name)
            names.append(name)
        existing = set(_model("sellers.brand").objects.filter(name__in=names).values_list("name", flat=True))
        ids = self.insert(
            "sellers.brand",
            (
                {
                    "name": f"{name} ({self.tag})" if name in existing else name,
                    "slug": f"{name.lower().replace(' ', '-')}-{self.tag}",
                    "protected": self.rng.random() < 0.4,
                    "created_at": self.ago(1500, 100),
                }
                for name in names
            ),
        )
        brand_model = _model("sellers.brand")
        self.protected = list(brand_model.objects.filter(pk__in=ids, protected=True).values_list("pk", flat=True))
        offices = ["USPTO", "EUIPO", "WIPO", "UKIPO", "CNIPA", "JPO", "DPMA", "INPI"]
        self.insert(
            "sellers.trademarkregistration",
            (
                {
                    "brand_id": b,
                    "office": self.rng.choice(offices),
                    "number": f"{self.tag}-{b}-{k}",
                    "owner_name": "Brand Holdings S.A.",
                    "nice_classes": self.rng.sample([3, 9, 14, 18, 25, 35], 2),
                    "registered_on": self.ago(4000, 400).date(),
                    "expires_on": (self.now + timedelta(days=self.rng.randint(200, 3000))).date(),
                }
                for b in self.protected
                for k in range(self.rng.randint(1, 2))
            ),
        )

    def authorizations_and_documents(self) -> None:
        sellers = self.ids.get("sellers.seller", [])
        if not sellers:
            return
        statuses = (
            ["approved"] * 70
            + ["requested"] * 8
            + ["in_review"] * 8
            + ["rejected"] * 8
            + ["expired"] * 4
            + ["revoked"] * 2
        )
        bases = ["trademark_owner", "loa_first_level", "loa_second_level", "distributor_invoices"]
        self.authorized: dict[int, list[int]] = {}

        def authz_rows():
            for seller in sellers:
                for brand in self.rng.sample(self.protected, min(len(self.protected), self.rng.randint(0, 4))):
                    status = self.rng.choice(statuses)
                    if status == "approved":
                        self.authorized.setdefault(seller, []).append(brand)
                    start = self.ago(700, 30).date()
                    yield {
                        "seller_id": seller,
                        "brand_id": brand,
                        "basis": self.rng.choice(bases),
                        "status": status,
                        "territories": self.rng.choice([[], ["DE", "AT"], ["FR"], ["US"], ["GB", "IE"]]),
                        "categories": self.rng.choice([[], ["footwear"], ["bags", "accessories"]]),
                        "valid_from": start,
                        "valid_until": start + timedelta(days=self.rng.choice([365, 730, 1095])),
                        "decided_at": self.ago(30) if status not in ("requested", "in_review") else None,
                        "created_at": self.ago(800, 30),
                    }

        self.insert("sellers.brandauthorization", authz_rows())
        kinds = ["id_document", "business_registration", "proof_of_address", "letter_of_authorization", "invoice"]

        def document_rows():
            for seller in sellers:
                for kind in self.rng.sample(kinds, 3):
                    phash = self.rng.getrandbits(64)
                    yield {
                        "seller_id": seller,
                        "kind": kind,
                        "status": self.rng.choice(["accepted"] * 9 + ["rejected"]),
                        "original_name": f"{kind.replace('_', '-')}-scan.jpg",
                        "stored_name": f"documents/{seller}/{self.rng.getrandbits(64):016x}.jpg",
                        "content_type": "image/jpeg",
                        "size": self.rng.randint(200_000, 4_000_000),
                        "sha256": f"{self.rng.getrandbits(256):064x}",
                        "phash": to_signed(phash),
                        "uploaded_at": self.ago(900, 5),
                        "processed_at": self.ago(5),
                    }

        self.insert("sellers.document", document_rows())

    # --- moderation (skipped until its models exist) ------------------------------------

    def listings(self) -> None:
        sellers = self.ids.get("sellers.seller", [])
        brands = self.ids.get("sellers.brand", [])
        if not sellers or _model("moderation.listing") is None:
            return

        def rows():
            for i in range(self.counts["listings"]):
                seller = self.rng.choice(sellers)
                own = self.authorized.get(seller) if hasattr(self, "authorized") else None
                brand = self.rng.choice(own) if own and self.rng.random() < 0.7 else self.rng.choice(brands)
                category, product, price = self.rng.choice(PRODUCTS)
                created = self.ago(700)
                yield {
                    "external_id": f"mkt-{self.tag}-{i}",
                    "seller_id": seller,
                    "brand_id": brand,
                    "title": f"{self.brand_names[brand]} {product}, {self.rng.choice(VARIANTS)}",
                    "description": f"Genuine {product}. Ships in 2 days from our warehouse.",
                    "category": category,
                    "price": (price * Decimal(self.rng.uniform(0.3, 1.2))).quantize(Decimal("0.01")),
                    "currency": "EUR",
                    "url": f"https://marketplace.example/item/{self.tag}-{i}",
                    "image_urls": [f"https://img.marketplace.example/{self.tag}/{i}/1.jpg"],
                    "country": self.rng.choice(COUNTRIES),
                    "status": self.rng.choice(["active"] * 92 + ["restricted"] * 3 + ["removed"] * 5),
                    "created_at": created,
                    "updated_at": created + timedelta(days=self.rng.uniform(0, 30)),
                }

        self.brand_names = dict(_model("sellers.brand").objects.filter(pk__in=brands).values_list("pk", "name"))
        self.insert("moderation.listing", rows())

    def cases_and_notices(self) -> None:
        listings = self.ids.get("moderation.listing", [])
        if not listings or _model("moderation.case") is None or _model("moderation.notice") is None:
            return
        case_model = _model("moderation.case")
        reasons = ["counterfeit"] * 5 + ["trademark_infringement"] * 2 + ["unauthorized_seller"] * 2 + ["other"]
        n_cases = min(self.counts["cases"], len(listings) * 3)
        # One open case per listing: open cases take distinct listings, the rest is history.
        n_open = min(len(listings), max(1, n_cases // 3))
        open_listings = self.rng.sample(listings, n_open)
        moderators = list(
            _model("portal.user")
            .objects.filter(pk__in=self.ids.get("portal.user", []), is_staff=True)
            .values_list("pk", flat=True)
        )
        fields = {f.name for f in case_model._meta.get_fields()}

        def case_rows():
            for i in range(n_cases):
                is_open = i < n_open
                listing = open_listings[i] if is_open else self.rng.choice(listings)
                opened = self.ago(10) if is_open else self.ago(700, 10)
                status = (
                    self.rng.choice(["open"] * 9 + ["escalated"])
                    if is_open
                    else self.rng.choice(["decided", "closed", "closed", "appealed"])
                )
                source = self.rng.choice(["notice"] * 6 + ["trusted_flagger"] * 2 + ["brand_owner", "automated"])
                reason = self.rng.choice(reasons)
                signals = [_signal("reason", f"Reason: {reason.replace('_', ' ')}", REASON_POINTS.get(reason, 10))]
                signals += [_signal(*extra) for extra in EXTRA_SIGNALS if self.rng.random() < extra[3]]
                row = {
                    "listing_id": listing,
                    "status": status,
                    "source": source,
                    "reason": reason,
                    "automated": source == "automated",
                    "priority": sum(sig["points"] for sig in signals),
                    "signals": signals,
                    "due_at": opened + timedelta(hours=self.rng.choice([24, 48, 72])),
                    "opened_at": opened,
                    "escalated_at": opened + timedelta(hours=30) if status == "escalated" else None,
                    "decided_at": None if is_open else opened + timedelta(hours=self.rng.uniform(1, 60)),
                    "closed_at": None
                    if status in ("open", "escalated", "decided", "appealed")
                    else opened + timedelta(days=3),
                }
                if not is_open and moderators and "assigned_to" in fields:
                    row["assigned_to_id"] = self.rng.choice(moderators)
                yield row

        case_ids = self.insert("moderation.case", case_rows())
        case_listing = dict(case_model.objects.filter(pk__in=case_ids).values_list("pk", "listing_id"))
        notifier_ids = self.notifiers()
        notifier_model = _model("moderation.notifier")
        notifier_info = {
            pk: (name, email)
            for pk, name, email in notifier_model.objects.filter(pk__in=notifier_ids).values_list("pk", "name", "email")
        }

        def notice_rows():
            for i in range(self.counts["reports"]):
                # Every case has a notice; the rest are skewed so a few cases draw many.
                case = case_ids[i] if i < len(case_ids) else case_ids[int(len(case_ids) * self.rng.random() ** 3)]
                notifier = self.rng.choice(notifier_ids)
                name, email = notifier_info[notifier]
                yield {
                    "listing_id": case_listing[case],
                    "case_id": case,
                    "notifier_id": notifier,
                    "channel": self.rng.choice(["api", "api", "form"]),
                    "reason": self.rng.choice(reasons),
                    "explanation": self.rng.choice(REPORT_TEXTS),
                    "evidence_urls": [],
                    "notifier_name": name,
                    "notifier_email": email,
                    "good_faith": True,
                    "idempotency_key": "",
                    "outcome": "pending",
                    "received_at": self.ago(700),
                }

        self.insert("moderation.notice", notice_rows())

    def notifiers(self) -> list[int]:
        count = max(10, self.counts["reports"] // 200)
        kinds = ["public"] * 8 + ["trusted_flagger", "brand_owner"]
        return self.insert(
            "moderation.notifier",
            (
                {
                    "kind": self.rng.choice(kinds),
                    "name": f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(LAST_NAMES)}",
                    "email": f"notifier-{self.tag}-{n}@example.org",
                    "standing": "good",
                    "created_at": self.ago(900, 30),
                }
                for n in range(count)
            ),
        )

    # --- portal -------------------------------------------------------------------------

    def fingerprints(self) -> None:
        sellers = self.ids.get("sellers.seller") or [0]
        self.insert(
            "portal.imagefingerprint",
            (
                {
                    "kind": self.rng.choice(["document", "listing_image", "listing_image", "brand_image"]),
                    "object_type": "moderation.listingimage",
                    "object_id": str(n),
                    "owner_key": f"seller:{self.rng.choice(sellers)}",
                    "phash": to_signed(self.rng.getrandbits(64)),
                    "created_at": self.ago(700),
                }
                for n in range(self.counts["fingerprints"])
            ),
        )

    def audit_events(self) -> None:
        count = self.counts["events"]
        if not count:
            return
        actions = [a for a in audit.known_actions() if not a.startswith("portal.auth")] or audit.known_actions()
        sellers = self.ids.get("sellers.seller") or [1]
        cases = self.ids.get("moderation.case") or []
        actors = self.ids.get("portal.user") or [None]
        event_model = _model("portal.auditevent")
        # Written unsealed, as writers do, then sealed: the sealer numbers, chains and signs them.
        with transaction.atomic():
            latest = event_model.objects.order_by("-id").values_list("created_at", flat=True).first()
            start = self.now - timedelta(days=3 * 365)
            if latest:
                start = max(latest, start)
            step = (self.now - start) / (count + 1)

            def rows():
                for i in range(count):
                    created = start + step * (i + 1)
                    if cases and self.rng.random() < 0.5:
                        target_type, target_id = "moderation.case", str(self.rng.choice(cases))
                    else:
                        target_type, target_id = "sellers.seller", str(self.rng.choice(sellers))
                    actor = self.rng.choice(actors)
                    changes = {"status": {"before": "open", "after": self.rng.choice(["decided", "escalated"])}}
                    display = f"{target_type.split('.')[1].capitalize()} #{target_id}"
                    yield {
                        "created_at": created,
                        "actor_id": actor,
                        "actor_display": f"user{actor}" if actor else "system",
                        "actor_role": "moderator" if actor else "system",
                        "action": self.rng.choice(actions),
                        "target_type": target_type,
                        "target_id": target_id,
                        "reason": "",
                        "request_id": f"{self.rng.getrandbits(64):016x}",
                        "ip": None,
                        "payload_digest": audit.payload_digest(changes, display),
                        "changes": changes,
                        "target_display": display,
                    }

            self.insert("portal.auditevent", rows())
        audit.seal_pending(batch_size=20_000)

    def run(self) -> dict[str, int]:
        self.moderators()
        self.sellers()
        self.brands()
        self.authorizations_and_documents()
        self.listings()
        self.cases_and_notices()
        self.fingerprints()
        self.audit_events()
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            # VACUUM sets the visibility map, so index-only scans (the fingerprint
            # bands) need not visit the table; autovacuum does the same later.
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        return self.created


class Command(BaseCommand):
    help = "Generate marketplace-scale data quickly (COPY on PostgreSQL). See bench/."

    def add_arguments(self, parser):
        parser.add_argument("--preset", choices=sorted(PRESETS), default="large")
        for name in PRESETS["small"]:
            parser.add_argument(f"--{name}", type=int, default=None, help=f"how many {name} (overrides the preset)")
        parser.add_argument("--seed", type=int, default=7, help="random seed, for repeatable data")
        parser.add_argument("--json", action="store_true", help="print the created counts as one JSON line")

    def handle(self, *args, **options):
        counts = dict(PRESETS[options["preset"]])
        for name in counts:
            if options[name] is not None:
                if options[name] < 0:
                    raise CommandError(f"--{name} must be zero or more")
                counts[name] = options[name]
        started = time.perf_counter()
        log = (lambda _msg: None) if options["json"] else self.stdout.write
        created = Seeder(counts, options["seed"], log).run()
        if options["json"]:
            self.stdout.write(json.dumps({"created": created, "seconds": round(time.perf_counter() - started, 1)}))
        else:
            self.stdout.write(self.style.SUCCESS(f"Seeded in {time.perf_counter() - started:.1f}s."))
