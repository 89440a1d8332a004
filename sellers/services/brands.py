"""Writes for brands, their owners and the brand authorizations that gate listings.

Authorization lifecycle: requested → in_review → approved | rejected;
approved → expired (the day after ``valid_until``) | revoked (by staff).
Every change locks the row, checks the state, records its audit event and
notifies the seller in one transaction; the end of a right is announced with
``sellers.signals.authorization_ended`` after commit (moderation restricts the
seller's listings of the brand).
"""

from __future__ import annotations

import io
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal import audit, fingerprints
from portal.api_auth import Scope
from portal.errors import DomainError, InvalidTransition
from portal.notifications import notify
from sellers import signals
from sellers.audit_actions import BrandAction
from sellers.models import (
    Brand,
    BrandAuthorization,
    BrandImage,
    BrandOwner,
    BrandOwnerApiKey,
    BrandOwnerContact,
    BrandReferencePrice,
    Document,
    Seller,
    TrademarkRegistration,
)

A = BrandAuthorization
S = BrandAuthorization.Status
B = BrandAuthorization.Basis

# DESIGN.md, "Brand proof": invoices no older than 365 days.
INVOICE_MAX_AGE_DAYS = 365
REMINDER_DAYS = (30, 7)
CATEGORY_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
# ISO 3166-1 alpha-2 codes as known to libphonenumber (already a dependency); "001" is its non-geographic region.
COUNTRY_CODES = frozenset(code for code in phonenumbers.SUPPORTED_REGIONS if code.isalpha())

# Documents a request must carry, per basis: (kind, how many at least).
REQUIRED_DOCUMENTS = {
    B.TRADEMARK_OWNER: (Document.Kind.TRADEMARK_CERTIFICATE, 1),
    B.LOA_FIRST_LEVEL: (Document.Kind.LETTER_OF_AUTHORIZATION, 1),
    B.LOA_SECOND_LEVEL: (Document.Kind.LETTER_OF_AUTHORIZATION, 2),
    B.DISTRIBUTOR_INVOICES: (Document.Kind.INVOICE, 1),
}


# --- Review checklist (DESIGN.md "Brand proof") ----------------------------------------

_LOA_ITEMS = [
    ("licensee_is_seller", gettext_lazy("The letter names this seller (legal name) as licensee.")),
    ("names_brand", gettext_lazy("The letter names this brand.")),
    (
        "scope_and_term_match",
        gettext_lazy("The letter's territories, categories and term cover what was requested (no wider)."),
    ),
    ("signed_on_letterhead", gettext_lazy("The letter is signed on the licensor's letterhead.")),
]
CHECKLISTS: dict[str, list[tuple[str, str]]] = {
    B.TRADEMARK_OWNER: [
        ("certificate_owner_is_seller", gettext_lazy("The certificate names this seller as the trademark owner.")),
        (
            "registration_in_force",
            gettext_lazy("The office and registration number match a registration of the brand that is in force."),
        ),
    ],
    B.LOA_FIRST_LEVEL: [
        ("licensor_is_owner", gettext_lazy("The licensor is the trademark owner on record for the brand.")),
        *_LOA_ITEMS,
    ],
    B.LOA_SECOND_LEVEL: [
        (
            "chain_to_owner",
            gettext_lazy("The first letter is from the trademark owner to the licensor and allows sub-licensing."),
        ),
        (
            "chain_covers_scope",
            gettext_lazy("The first letter's scope and term cover the second letter's (the chain is unbroken)."),
        ),
        ("licensor_matches_chain", gettext_lazy("The second letter's licensor is the first letter's licensee.")),
        *_LOA_ITEMS,
    ],
    B.DISTRIBUTOR_INVOICES: [
        (
            "supplier_identifiable",
            gettext_lazy("The supplier is identifiable (legal name, address, tax or registration number)."),
        ),
        ("invoices_recent", gettext_lazy("The invoices are at most 365 days old.")),
        ("buyer_is_seller", gettext_lazy("The invoices are addressed to this seller.")),
        ("names_brand_goods", gettext_lazy("The invoices list goods of this brand in the requested categories.")),
    ],
}
REUSE_ITEM = ("reuse_flags_cleared", gettext_lazy("Reuse flags on the documents were checked (none, or explained)."))


def checklist_for(basis: str) -> list[tuple[str, str]]:
    return [*CHECKLISTS[basis], REUSE_ITEM]


# --- Brand registry --------------------------------------------------------------------


@transaction.atomic
def brand_owner_create(*, name: str, actor, country: str = "", website: str = "") -> BrandOwner:
    owner = BrandOwner.objects.create(name=name.strip(), country=country.upper(), website=website)
    audit.record(action=BrandAction.BRAND_OWNER_CREATED, actor=actor, target=owner, changes={"name": owner.name})
    return owner


def _save_with_diff(row, fields: tuple[str, ...]) -> dict:
    """Validate and save a registry row (new or edited); what changed in ``fields``, for its audit event."""
    row.full_clean()
    before = (type(row).objects.filter(pk=row.pk).values(*fields).first() if row.pk else None) or {}
    row.save()
    return audit.diff(before, {f: getattr(row, f) for f in fields})


_OWNER_FIELDS = ("name", "country", "website")
_CONTACT_FIELDS = ("name", "email", "phone", "role", "is_primary")


@transaction.atomic
def brand_owner_update(*, owner: BrandOwner, name: str, country: str, website: str, actor) -> BrandOwner:
    """Correct a rights holder's name, country or website (the brand review screen shows them)."""
    owner = BrandOwner.objects.select_for_update().get(pk=owner.pk)
    before = {f: getattr(owner, f) for f in _OWNER_FIELDS}
    owner.name, owner.country, owner.website = name.strip(), country.upper(), website
    owner.full_clean()
    changes = audit.diff(before, {f: getattr(owner, f) for f in _OWNER_FIELDS})
    if changes:
        owner.save(update_fields=list(changes))
        audit.record(action=BrandAction.BRAND_OWNER_UPDATED, actor=actor, target=owner, changes=changes)
    return owner


@transaction.atomic
def brand_owner_contact_save(*, contact: BrandOwnerContact, actor) -> BrandOwnerContact:
    """Add or correct a rights holder's contact (who is told about reports and authorizations)."""
    changes = _save_with_diff(contact, _CONTACT_FIELDS)
    if changes:
        audit.record(
            action=BrandAction.BRAND_OWNER_CONTACT_SAVED,
            actor=actor,
            target=contact.owner,
            changes={"contact": contact.pk, **changes},
        )
    return contact


@transaction.atomic
def brand_owner_contact_remove(*, contact: BrandOwnerContact, actor) -> None:
    audit.record(
        action=BrandAction.BRAND_OWNER_CONTACT_REMOVED,
        actor=actor,
        target=contact.owner,
        changes={"contact": contact.pk, "name": contact.name, "email": contact.email},
    )
    contact.delete()


@transaction.atomic
def brand_owner_api_key_issue(*, owner: BrandOwner, actor, name: str = "") -> tuple[BrandOwnerApiKey, str]:
    """A gate key for a brand owner; it may ask only about the owner's own brands. Returns the key once."""
    from portal.services import api_key_create

    key, secret = api_key_create(
        name=f"{owner.name}: {name.strip() or 'brand gate'}"[:120], scopes=[Scope.AUTHORIZATIONS_READ], actor=actor
    )
    link = BrandOwnerApiKey.objects.create(owner=owner, api_key=key)
    audit.record(
        action=BrandAction.BRAND_OWNER_API_KEY_ISSUED,
        actor=actor,
        target=owner,
        changes={"api_key": key.pk, "prefix": key.prefix, "scopes": key.scopes},
    )
    return link, secret


@transaction.atomic
def brand_create(*, name: str, actor, protected: bool = True, owner: BrandOwner | None = None) -> Brand:
    name = name.strip()
    if Brand.objects.filter(name__iexact=name).exists():
        raise ValidationError({"name": _("A brand with this name already exists.")})
    brand = Brand.objects.create(name=name, slug=_unique_slug(name), protected=protected, owner=owner)
    audit.record(
        action=BrandAction.BRAND_CREATED,
        actor=actor,
        target=brand,
        changes={"name": name, "protected": protected, "owner": owner},
    )
    return brand


def _unique_slug(name: str) -> str:
    base = slugify(name)[:180] or "brand"
    slug, n = base, 1
    while Brand.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def brand_set_protected(*, brand: Brand, protected: bool, actor, reason: str = "") -> Brand:
    brand = Brand.objects.select_for_update().get(pk=brand.pk)
    if brand.protected == protected:
        return brand
    brand.protected = protected
    brand.save(update_fields=["protected"])
    audit.record(
        action=BrandAction.BRAND_PROTECTION_CHANGED,
        actor=actor,
        target=brand,
        changes={"protected": {"before": not protected, "after": protected}},
        reason=reason,
    )
    return brand


_TRADEMARK_FIELDS = ("office", "number", "owner_name", "nice_classes", "registered_on", "expires_on")


@transaction.atomic
def brand_update(*, brand: Brand, name: str, owner: BrandOwner | None, actor) -> Brand:
    """Rename a brand or change its owner (the owner decides which owner keys may ask the gate about it)."""
    brand = Brand.objects.select_for_update().get(pk=brand.pk)
    name = name.strip()
    if Brand.objects.filter(name__iexact=name).exclude(pk=brand.pk).exists():
        raise ValidationError({"name": _("A brand with this name already exists.")})
    before = {"name": brand.name, "owner": brand.owner_id}
    brand.name, brand.owner = name, owner
    changes = audit.diff(before, {"name": brand.name, "owner": brand.owner_id})
    if changes:
        brand.save(update_fields=["name", "owner"])
        audit.record(action=BrandAction.BRAND_UPDATED, actor=actor, target=brand, changes=changes)
    return brand


@transaction.atomic
def trademark_save(*, registration: TrademarkRegistration, actor) -> TrademarkRegistration:
    """Add or correct a trademark registration of a brand (its expiry caps trademark owners' rights)."""
    changes = _save_with_diff(registration, _TRADEMARK_FIELDS)
    if changes:
        audit.record(
            action=BrandAction.TRADEMARK_SAVED,
            actor=actor,
            target=registration.brand,
            changes={"registration": str(registration), **changes},
        )
    return registration


@transaction.atomic
def trademark_remove(*, registration: TrademarkRegistration, actor) -> None:
    audit.record(
        action=BrandAction.TRADEMARK_REMOVED,
        actor=actor,
        target=registration.brand,
        changes={"registration": str(registration), "expires_on": registration.expires_on},
    )
    registration.delete()


@transaction.atomic
def brand_reference_price_remove(*, price: BrandReferencePrice, actor) -> None:
    audit.record(
        action=BrandAction.BRAND_PRICE_REMOVED,
        actor=actor,
        target=price.brand,
        changes={"category": price.category, "currency": price.currency, "amount": price.amount},
    )
    price.delete()


def reference_price_errors(*, category: str, currency: str, amount) -> dict[str, str]:
    """Field → message for a reference price the registry would refuse (forms show these before saving)."""
    errors = {}
    if not CATEGORY_RE.match(category or ""):
        errors["category"] = _("Use a category code of lower-case letters, digits, '.', '_' or '-'.")
    if not re.fullmatch(r"[A-Z]{3}", (currency or "").upper()):
        errors["currency"] = _("Use a three-letter ISO 4217 currency code, such as EUR.")
    if amount is None or Decimal(amount) <= 0:
        errors["amount"] = _("The reference price must be more than zero.")
    return errors


@transaction.atomic
def brand_reference_price_set(
    *, brand: Brand, category: str, currency: str, amount: Decimal, actor
) -> BrandReferencePrice:
    errors = reference_price_errors(category=category, currency=currency, amount=amount)
    if errors:
        raise ValidationError(errors)
    currency = currency.upper()
    row = BrandReferencePrice.objects.select_for_update().filter(brand=brand, category=category, currency=currency)
    price = row.first()
    before = price.amount if price else None
    if price is None:
        price = BrandReferencePrice.objects.create(brand=brand, category=category, currency=currency, amount=amount)
    else:
        price.amount = amount
        price.updated_at = timezone.now()
        price.save(update_fields=["amount", "updated_at"])
    audit.record(
        action=BrandAction.BRAND_PRICE_SET,
        actor=actor,
        target=brand,
        changes={"category": category, "currency": currency, "amount": {"before": before, "after": amount}},
    )
    return price


# Official images: opened with an explicit format allow-list and a pixel limit
# (a decompression bomb raises), re-encoded to PNG so metadata and trailing
# payloads are dropped, and perceptual-hashed into the shared fingerprint index.
@transaction.atomic
def brand_image_add(*, brand: Brand, uploaded_file, actor, title: str = "") -> BrandImage:
    """Store an official product image, sanitised by the same pipeline as sellers' documents."""
    from PIL import Image

    from sellers.documents import MAX_BYTES, Refused, inspect

    data = uploaded_file.read(MAX_BYTES + 1)
    try:
        clean = inspect(data)
    except Refused as refusal:
        raise ValidationError({"image": refusal.reason}) from None
    if not clean.content_type.startswith("image/") or clean.phash is None:
        raise ValidationError({"image": _("This is not a JPEG, PNG or WebP image we can read.")})
    with Image.open(io.BytesIO(clean.content)) as sanitised:
        width, height = sanitised.size
    phash = fingerprints.to_signed(clean.phash)
    name = default_storage.save(
        f"brands/{brand.pk}/{secrets.token_hex(16)}.{clean.extension}", ContentFile(clean.content)
    )
    image = BrandImage.objects.create(
        brand=brand,
        title=title,
        stored_name=name,
        width=width,
        height=height,
        sha256=clean.sha256,
        phash=phash,
        uploaded_by=actor if getattr(actor, "pk", None) else None,
    )
    fingerprints.add(
        kind="brand_image",
        object_type="sellers.brandimage",
        object_id=image.pk,
        owner_key=f"brand:{brand.pk}",
        phash=phash,
    )
    audit.record(
        action=BrandAction.BRAND_IMAGE_ADDED,
        actor=actor,
        target=brand,
        changes={"image": image.pk, "sha256": image.sha256, "phash": phash},
    )
    return image


# --- Requests --------------------------------------------------------------------------


def clean_territories(values: Iterable[str]) -> list[str]:
    """Upper-cased ISO codes, de-duplicated in order; raises naming the unknown ones."""
    codes = []
    for value in values:
        code = value.strip().upper()
        if code and code not in codes:
            codes.append(code)
    unknown = [code for code in codes if code not in COUNTRY_CODES]
    if unknown:
        raise ValidationError(
            _("Not ISO 3166-1 alpha-2 country codes: %(codes)s.") % {"codes": ", ".join(unknown)}, code="territory"
        )
    return codes


def clean_categories(values: Iterable[str]) -> list[str]:
    codes = []
    for value in values:
        code = value.strip().lower()
        if code and code not in codes:
            codes.append(code)
    bad = [code for code in codes if not CATEGORY_RE.match(code)]
    if bad:
        raise ValidationError(
            _("Category codes use lower-case letters, digits, '.', '_' or '-': %(codes)s.") % {"codes": ", ".join(bad)},
            code="category",
        )
    return codes


@dataclass(frozen=True)
class RequestTerms:
    """What a seller asks for. Validated by ``validate_request`` (forms reuse it)."""

    basis: str
    territories: list[str]
    categories: list[str]
    valid_from: date | None = None
    valid_until: date | None = None
    licensor_name: str = ""
    upstream_licensor_name: str = ""
    upstream_valid_until: date | None = None
    supplier_name: str = ""
    latest_invoice_date: date | None = None


def validate_request(terms: RequestTerms, *, documents: list[Document], seller: Seller, today: date) -> dict:
    """Field name → message for everything wrong with a request (empty when it is fine)."""
    errors: dict[str, str] = {}
    basis = terms.basis
    if basis not in B.values:
        return {"basis": _("Choose one of the offered bases.")}
    loa = basis in (B.LOA_FIRST_LEVEL, B.LOA_SECOND_LEVEL)
    if loa and not terms.valid_from:
        errors["valid_from"] = _("A right based on a letter of authorization needs the first day of its term.")
    if loa and not terms.valid_until:
        errors["valid_until"] = _("A right based on a letter of authorization needs the last day of its term.")
    if terms.valid_from and terms.valid_until and terms.valid_until < terms.valid_from:
        errors["valid_until"] = _("The last day cannot be before the first day.")
    elif terms.valid_until and terms.valid_until < today:
        errors["valid_until"] = _("The term has already ended.")
    if loa and not terms.licensor_name.strip():
        errors["licensor_name"] = _("Name who signed the letter of authorization to you.")
    if basis == B.LOA_SECOND_LEVEL:
        if not terms.upstream_licensor_name.strip():
            errors["upstream_licensor_name"] = _("Name the trademark owner who authorized your licensor.")
        if not terms.upstream_valid_until:
            errors["upstream_valid_until"] = _("Give the last day of the owner's letter to your licensor.")
        elif terms.valid_until and terms.valid_until > terms.upstream_valid_until and "valid_until" not in errors:
            errors["valid_until"] = _("A sub-licence cannot outlive the owner's letter (it ends on %(date)s).") % {
                "date": terms.upstream_valid_until.isoformat()
            }
    if basis == B.DISTRIBUTOR_INVOICES:
        if not terms.supplier_name.strip():
            errors["supplier_name"] = _("Name the supplier who issued the invoices.")
        if not terms.latest_invoice_date:
            errors["latest_invoice_date"] = _("Give the date of the newest invoice.")
        elif terms.latest_invoice_date > today:
            errors["latest_invoice_date"] = _("An invoice cannot be dated in the future.")
        elif (today - terms.latest_invoice_date).days > INVOICE_MAX_AGE_DAYS:
            errors["latest_invoice_date"] = _("Invoices must be at most 365 days old.")
    kind, needed = REQUIRED_DOCUMENTS[basis]
    if any(doc.seller_id != seller.pk for doc in documents):
        errors["documents"] = _("Only your own documents can support your request.")
    elif any(doc.status == Document.Status.REJECTED for doc in documents):
        errors["documents"] = _("A rejected document cannot support a request; upload it again.")
    elif sum(doc.kind == kind for doc in documents) < needed:
        errors["documents"] = _("This basis needs at least %(n)s document(s) of the kind “%(kind)s”.") % {
            "n": needed,
            "kind": Document.Kind(kind).label,
        }
    return errors


def _invoice_term_end(terms: RequestTerms) -> date | None:
    # An invoice-based right lasts as long as its newest invoice is acceptable proof.
    if terms.basis != B.DISTRIBUTOR_INVOICES or not terms.latest_invoice_date:
        return terms.valid_until
    cap = terms.latest_invoice_date + timedelta(days=INVOICE_MAX_AGE_DAYS)
    return min(terms.valid_until, cap) if terms.valid_until else cap


@transaction.atomic
def authorization_request(
    *,
    seller: Seller,
    brand: Brand,
    terms: RequestTerms,
    documents: Iterable[Document],
    actor,
    note: str = "",
    today: date | None = None,
) -> BrandAuthorization:
    """A seller asks for the right to list a brand. Raises ValidationError naming each bad field."""
    today = today or timezone.localdate()
    seller = Seller.objects.select_for_update().get(pk=seller.pk)
    if seller.status not in (Seller.Status.ACTIVE, Seller.Status.ONBOARDING):
        raise InvalidTransition(
            _("A %(status)s seller cannot request brand authorizations.") % {"status": seller.get_status_display()}
        )
    documents = list(documents)
    errors = {}
    cleaned = {}
    for field, clean in (("territories", clean_territories), ("categories", clean_categories)):
        try:
            cleaned[field] = clean(getattr(terms, field))
        except ValidationError as exc:
            errors[field] = exc.messages[0]
    terms = RequestTerms(**{**terms.__dict__, **cleaned})
    errors = validate_request(terms, documents=documents, seller=seller, today=today) | errors
    if errors:
        raise ValidationError(errors)
    if A.objects.filter(seller=seller, brand=brand, status__in=[S.REQUESTED, S.IN_REVIEW]).exists():
        raise DomainError(_("You already have a request for this brand waiting for review."), code="duplicate_request")
    authz = A.objects.create(
        seller=seller,
        brand=brand,
        basis=terms.basis,
        territories=terms.territories,
        categories=terms.categories,
        valid_from=terms.valid_from,
        valid_until=_invoice_term_end(terms),
        licensor_name=terms.licensor_name.strip(),
        upstream_licensor_name=terms.upstream_licensor_name.strip(),
        upstream_valid_until=terms.upstream_valid_until if terms.basis == B.LOA_SECOND_LEVEL else None,
        supplier_name=terms.supplier_name.strip(),
        latest_invoice_date=terms.latest_invoice_date,
        seller_note=note,
        requested_by=actor if getattr(actor, "pk", None) else None,
    )
    authz.documents.set(documents)
    audit.record(
        action=BrandAction.AUTHORIZATION_REQUESTED,
        actor=actor,
        target=authz,
        changes={
            "seller": seller.pk,
            "brand": brand.pk,
            "basis": authz.basis,
            "territories": authz.territories,
            "categories": authz.categories,
            "valid_from": authz.valid_from,
            "valid_until": authz.valid_until,
            "documents": sorted(doc.pk for doc in documents),
        },
    )
    return authz


# --- Review ----------------------------------------------------------------------------


def _locked(authorization: BrandAuthorization) -> BrandAuthorization:
    return A.objects.select_for_update().select_related("seller", "brand").get(pk=authorization.pk)


def _notify_seller(authz: BrandAuthorization, *, kind: str, subject: str, template: str, **context) -> None:
    notify(
        kind=f"brand_authorization.{kind}",
        to_email=authz.seller.contact_email,
        subject=subject,
        template=f"emails/sellers/brands/{template}.txt",
        context={"authorization": authz, "seller": authz.seller, "brand": authz.brand, **context},
        target=authz,
    )


@transaction.atomic
def authorization_start_review(*, authorization: BrandAuthorization, actor) -> BrandAuthorization:
    authz = _locked(authorization)
    if authz.status != S.REQUESTED:
        raise InvalidTransition(
            _("Only a new request can be taken into review (this one is %(s)s).") % {"s": authz.get_status_display()}
        )
    authz.status = S.IN_REVIEW
    authz.reviewer = actor
    authz.save(update_fields=["status", "reviewer"])
    audit.record(
        action=BrandAction.AUTHORIZATION_REVIEW_STARTED,
        actor=actor,
        target=authz,
        changes={"status": {"before": S.REQUESTED, "after": S.IN_REVIEW}},
    )
    return authz


def _owner_right_end(authz: BrandAuthorization, *, today: date) -> date | None:
    """When a trademark owner's right ends: never after the brand's registrations in force lapse.

    The reviewer confirms the certificate matches a registration in force; the
    registry must agree, and the right is capped at the latest expiry among
    the registrations in force (no cap if one of them has no recorded expiry),
    so the gate stops allowing the listing when the trademark lapses. A renewal
    is recorded in the registry and the seller requests the right again.
    """
    in_force = authz.brand.trademarks.filter(
        Q(registered_on__isnull=True) | Q(registered_on__lte=today),
        Q(expires_on__isnull=True) | Q(expires_on__gte=today),
    )
    expiries = list(in_force.values_list("expires_on", flat=True))
    if not expiries:
        raise InvalidTransition(
            _(
                "No trademark registration of %(brand)s in the registry is in force, so ownership cannot be "
                "approved. Record the registration (or its renewal) in the brand registry first."
            )
            % {"brand": authz.brand.name}
        )
    if None in expiries:
        return authz.valid_until
    latest = max(expiries)
    if authz.valid_from and authz.valid_from > latest:
        raise InvalidTransition(
            _("The requested term starts on %(start)s, after the brand's registrations lapse on %(end)s.")
            % {"start": authz.valid_from.isoformat(), "end": latest.isoformat()}
        )
    return min(authz.valid_until, latest) if authz.valid_until else latest


@transaction.atomic
def authorization_approve(
    *, authorization: BrandAuthorization, actor, checklist: Iterable[str], note: str = "", today: date | None = None
) -> BrandAuthorization:
    """Grant the right. Every checklist item of the basis must be confirmed."""
    today = today or timezone.localdate()
    authz = _locked(authorization)
    if authz.status not in (S.REQUESTED, S.IN_REVIEW):
        raise InvalidTransition(
            _("Only an open request can be approved (this one is %(s)s).") % {"s": authz.get_status_display()}
        )
    confirmed = set(checklist)
    missing = [str(label) for key, label in checklist_for(authz.basis) if key not in confirmed]
    if missing:
        raise DomainError(
            _("Confirm every checklist item before approving: %(items)s") % {"items": " ".join(missing)},
            code="checklist_incomplete",
        )
    if authz.seller.status == Seller.Status.TERMINATED:
        raise InvalidTransition(_("The seller is terminated."))
    if authz.valid_until and authz.valid_until < today:
        raise InvalidTransition(
            _("The requested term ended on %(date)s; ask the seller for a new request.")
            % {"date": authz.valid_until.isoformat()}
        )
    if (
        authz.basis == B.DISTRIBUTOR_INVOICES
        and authz.latest_invoice_date
        and (today - authz.latest_invoice_date).days > INVOICE_MAX_AGE_DAYS
    ):
        raise InvalidTransition(_("The newest invoice is now more than 365 days old."))
    kind, needed = REQUIRED_DOCUMENTS[authz.basis]
    statuses = list(authz.documents.filter(kind=kind).values_list("status", flat=True))
    if sum(s == Document.Status.ACCEPTED for s in statuses) < needed:
        raise InvalidTransition(_("The supporting documents have not all passed the document checks yet."))
    capped_from = authz.valid_until
    if authz.basis == B.TRADEMARK_OWNER:
        authz.valid_until = _owner_right_end(authz, today=today)
    before = authz.status
    authz.status = S.APPROVED
    authz.checklist = {key: True for key, _label in checklist_for(authz.basis)}
    authz.reviewer = actor
    authz.decision_reason = note
    authz.decided_at = timezone.now()
    authz.save(update_fields=["status", "checklist", "reviewer", "decision_reason", "decided_at", "valid_until"])
    changes = {"status": {"before": before, "after": S.APPROVED}, "checklist": sorted(authz.checklist)}
    if authz.valid_until != capped_from:
        changes["valid_until"] = {"before": capped_from, "after": authz.valid_until}
    audit.record(
        action=BrandAction.AUTHORIZATION_APPROVED,
        actor=actor,
        target=authz,
        changes=changes,
        reason=note,
    )
    _notify_seller(
        authz,
        kind="approved",
        subject=_("You may now list %(brand)s") % {"brand": authz.brand.name},
        template="approved",
    )
    return authz


@transaction.atomic
def authorization_reject(*, authorization: BrandAuthorization, actor, reason: str) -> BrandAuthorization:
    if not reason.strip():
        raise DomainError(_("A rejection needs a reason the seller can read."), code="reason_required")
    authz = _locked(authorization)
    if authz.status not in (S.REQUESTED, S.IN_REVIEW):
        raise InvalidTransition(
            _("Only an open request can be rejected (this one is %(s)s).") % {"s": authz.get_status_display()}
        )
    before = authz.status
    authz.status = S.REJECTED
    authz.reviewer = actor
    authz.decision_reason = reason
    authz.decided_at = timezone.now()
    authz.save(update_fields=["status", "reviewer", "decision_reason", "decided_at"])
    audit.record(
        action=BrandAction.AUTHORIZATION_REJECTED,
        actor=actor,
        target=authz,
        changes={"status": {"before": before, "after": S.REJECTED}},
        reason=reason,
    )
    _notify_seller(
        authz,
        kind="rejected",
        subject=_("Your request to list %(brand)s was not approved") % {"brand": authz.brand.name},
        template="rejected",
        reason=reason,
    )
    return authz


def _end(authz: BrandAuthorization, *, status: str, actor, reason: str, action, template: str, subject: str):
    authz.status = status
    authz.ended_at = timezone.now()
    fields = ["status", "ended_at"]
    if status == S.REVOKED:
        authz.decision_reason = reason
        fields.append("decision_reason")
    authz.save(update_fields=fields)
    audit.record(
        action=action,
        actor=actor,
        target=authz,
        changes={"status": {"before": S.APPROVED, "after": status}, "valid_until": authz.valid_until},
        reason=reason,
    )
    _notify_seller(authz, kind=status, subject=subject, template=template, reason=reason)
    transaction.on_commit(
        lambda: signals.authorization_ended.send(sender=A, authorization=authz, actor=actor, reason=reason),
        robust=True,
    )
    return authz


@transaction.atomic
def authorization_revoke(*, authorization: BrandAuthorization, actor, reason: str) -> BrandAuthorization:
    if not reason.strip():
        raise DomainError(_("A revocation needs a reason the seller can read."), code="reason_required")
    authz = _locked(authorization)
    if authz.status != S.APPROVED:
        raise InvalidTransition(
            _("Only an approved authorization can be revoked (this one is %(s)s).") % {"s": authz.get_status_display()}
        )
    return _end(
        authz,
        status=S.REVOKED,
        actor=actor,
        reason=reason,
        action=BrandAction.AUTHORIZATION_REVOKED,
        template="revoked",
        subject=_("Your authorization to list %(brand)s was revoked") % {"brand": authz.brand.name},
    )


@transaction.atomic
def authorization_expire(
    *, authorization: BrandAuthorization, actor=None, today: date | None = None
) -> BrandAuthorization | None:
    """approved → expired once ``valid_until`` has passed. None when there is nothing to do (idempotent)."""
    today = today or timezone.localdate()
    authz = _locked(authorization)
    if authz.status != S.APPROVED or authz.valid_until is None or authz.valid_until >= today:
        return None
    reason = _("The authorization's term ended on %(date)s.") % {"date": authz.valid_until.isoformat()}
    return _end(
        authz,
        status=S.EXPIRED,
        actor=actor,
        reason=reason,
        action=BrandAction.AUTHORIZATION_EXPIRED,
        template="expired",
        subject=_("Your authorization to list %(brand)s has expired") % {"brand": authz.brand.name},
    )


@transaction.atomic
def authorization_remind_expiry(
    *, authorization: BrandAuthorization, days: int, today: date | None = None
) -> BrandAuthorization | None:
    """Warn the seller ``days`` (30 or 7) before expiry, once. None when already warned or not due."""
    if days not in REMINDER_DAYS:
        raise ValueError(f"reminders are sent {REMINDER_DAYS} days before expiry, not {days}")
    today = today or timezone.localdate()
    authz = _locked(authorization)
    if authz.status != S.APPROVED or authz.valid_until is None:
        return None
    left = (authz.valid_until - today).days
    field = f"reminded_{days}_at"
    if left < 0 or left > days or getattr(authz, field) is not None:
        return None
    now = timezone.now()
    fields = [field]
    setattr(authz, field, now)
    if days == 7 and authz.reminded_30_at is None:
        # A right approved with less than a month left gets the nearer warning only.
        authz.reminded_30_at = now
        fields.append("reminded_30_at")
    authz.save(update_fields=fields)
    audit.record(
        action=BrandAction.AUTHORIZATION_EXPIRY_REMINDED,
        actor=None,
        target=authz,
        changes={"days_before": days, "valid_until": authz.valid_until},
    )
    _notify_seller(
        authz,
        kind=f"reminder_{days}",
        subject=_("Your authorization to list %(brand)s ends on %(date)s")
        % {"brand": authz.brand.name, "date": authz.valid_until.isoformat()},
        template="expiry_reminder",
        days_left=left,
    )
    return authz


# --- Reads the review screen needs -------------------------------------------------------


def document_flags(*, authorization: BrandAuthorization) -> dict[int, list[str]]:
    """Document id → reuse warnings (the same or a near-identical file from another seller)."""
    from sellers.services.documents import document_reuse_flags

    return {
        doc.pk: [flag.label for flag in document_reuse_flags(document=doc)] for doc in authorization.documents.all()
    }


@dataclass(frozen=True)
class DueWork:
    expire: list[int]
    remind_30: list[int]
    remind_7: list[int]


def authorizations_due(*, today: date | None = None, limit: int = 1000) -> DueWork:
    """Ids of approved rights to expire or to warn about (the sweep's to-do list)."""
    today = today or timezone.localdate()
    approved = A.objects.filter(status=S.APPROVED, valid_until__isnull=False).order_by("valid_until", "pk")
    ids = approved.values_list("pk", flat=True)
    return DueWork(
        expire=list(ids.filter(valid_until__lt=today)[:limit]),
        remind_30=list(
            ids.filter(
                valid_until__gt=today + timedelta(days=7),
                valid_until__lte=today + timedelta(days=30),
                reminded_30_at__isnull=True,
            )[:limit]
        ),
        remind_7=list(
            ids.filter(valid_until__gte=today, valid_until__lte=today + timedelta(days=7), reminded_7_at__isnull=True)[
                :limit
            ]
        ),
    )
