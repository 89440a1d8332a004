from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class BrandOwner(models.Model):
    """The organisation that owns one or more brands (a rights holder).

    Brand owners talk to Hallmark through their contacts and their own API keys
    (``BrandOwnerApiKey``), e.g. to ask the gate about sellers of their brands.
    """

    name = models.CharField(_("name"), max_length=200, unique=True)
    country = models.CharField(_("country"), max_length=2, blank=True, help_text=_("ISO 3166-1 alpha-2"))
    website = models.URLField(_("website"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("brand owner")

    def __str__(self) -> str:
        return self.name


class BrandOwnerContact(models.Model):
    owner = models.ForeignKey(BrandOwner, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("e-mail"))
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    role = models.CharField(_("role"), max_length=120, blank=True, help_text=_("e.g. brand protection, legal"))
    is_primary = models.BooleanField(_("primary contact"), default=False)

    class Meta:
        ordering = ["-is_primary", "name"]
        verbose_name = _("brand owner contact")

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


class BrandOwnerApiKey(models.Model):
    """Links an API key to the brand owner that holds it."""

    owner = models.ForeignKey(BrandOwner, on_delete=models.CASCADE, related_name="api_keys")
    api_key = models.OneToOneField("portal.ApiKey", on_delete=models.CASCADE, related_name="brand_owner_link")

    class Meta:
        verbose_name = _("brand owner API key")

    def __str__(self) -> str:
        return f"{self.owner}: {self.api_key}"


class Brand(models.Model):
    """A brand. A *protected* brand may be listed only with a verified authorization."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    slug = models.SlugField(max_length=200, unique=True)
    protected = models.BooleanField(_("protected"), default=False, db_index=True)
    owner = models.ForeignKey(
        BrandOwner, null=True, blank=True, on_delete=models.SET_NULL, related_name="brands", verbose_name=_("owner")
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("brand")
        # The gate looks brands up by name case-insensitively (UPPER(name) = UPPER(%s)).
        indexes = [models.Index(Upper("name"), name="brand_name_upper_idx")]

    def __str__(self) -> str:
        return self.name


class TrademarkRegistration(models.Model):
    class Office(models.TextChoices):
        USPTO = "USPTO", "USPTO (United States)"
        EUIPO = "EUIPO", "EUIPO (European Union)"
        WIPO = "WIPO", "WIPO (international, Madrid)"
        UKIPO = "UKIPO", "UKIPO (United Kingdom)"
        CNIPA = "CNIPA", "CNIPA (China)"
        JPO = "JPO", "JPO (Japan)"
        DPMA = "DPMA", "DPMA (Germany)"
        INPI = "INPI", "INPI (France)"
        OTHER = "OTHER", _("other national office")

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="trademarks")
    office = models.CharField(max_length=10, choices=Office.choices)
    number = models.CharField(_("registration number"), max_length=64)
    owner_name = models.CharField(_("owner"), max_length=200)
    nice_classes = models.JSONField(_("Nice classes"), default=list, blank=True)
    registered_on = models.DateField(null=True, blank=True)
    expires_on = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("trademark registration")
        constraints = [models.UniqueConstraint(fields=["office", "number"], name="trademark_office_number_unique")]

    def __str__(self) -> str:
        return f"{self.office} {self.number}"

    def clean(self) -> None:
        errors = {}
        classes = self.nice_classes if isinstance(self.nice_classes, list) else None
        # The Nice Classification has 45 classes (1-34 goods, 35-45 services).
        if classes is None or not all(isinstance(c, int) and 1 <= c <= 45 for c in classes):
            errors["nice_classes"] = _("List Nice classes as whole numbers from 1 to 45, e.g. [18, 25].")
        if self.registered_on and self.expires_on and self.expires_on < self.registered_on:
            errors["expires_on"] = _("A registration cannot expire before it was registered.")
        if errors:
            raise ValidationError(errors)


class BrandReferencePrice(models.Model):
    """What a genuine item of the brand usually costs in a category (spots prices too good to be true)."""

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="reference_prices")
    category = models.CharField(_("category"), max_length=64, help_text=_("product category code"))
    currency = models.CharField(_("currency"), max_length=3, help_text=_("ISO 4217, e.g. EUR"))
    amount = models.DecimalField(_("typical price"), max_digits=12, decimal_places=2)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["brand", "category", "currency"]
        verbose_name = _("reference price")
        constraints = [
            models.UniqueConstraint(fields=["brand", "category", "currency"], name="brand_price_unique"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="brand_price_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.brand} / {self.category}: {self.amount} {self.currency}"


class BrandImage(models.Model):
    """An official product image of the brand, re-encoded and perceptual-hashed for matching."""

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="images")
    title = models.CharField(_("title"), max_length=200, blank=True)
    stored_name = models.CharField(max_length=255, editable=False)
    width = models.PositiveIntegerField(default=0, editable=False)
    height = models.PositiveIntegerField(default=0, editable=False)
    sha256 = models.CharField(max_length=64, editable=False, db_index=True)
    phash = models.BigIntegerField(editable=False, db_index=True, help_text=_("64-bit perceptual hash (signed)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["brand", "-uploaded_at"]
        verbose_name = _("official brand image")

    def __str__(self) -> str:
        return self.title or f"{self.brand} image #{self.pk}"


class BrandAuthorization(models.Model):
    """A seller's right to list a brand, on one basis, within a scope and a term.

    requested → in_review → approved | rejected; approved → expired (at
    ``valid_until``) | revoked (by staff).
    """

    class Basis(models.TextChoices):
        TRADEMARK_OWNER = "trademark_owner", _("trademark owner")
        LOA_FIRST_LEVEL = "loa_first_level", _("letter of authorization from the owner")
        LOA_SECOND_LEVEL = "loa_second_level", _("letter of authorization via a licensee (chain of two)")
        DISTRIBUTOR_INVOICES = "distributor_invoices", _("distributor invoices")

    class Status(models.TextChoices):
        REQUESTED = "requested", _("requested")
        IN_REVIEW = "in_review", _("in review")
        APPROVED = "approved", _("approved")
        REJECTED = "rejected", _("rejected")
        EXPIRED = "expired", _("expired")
        REVOKED = "revoked", _("revoked")

    seller = models.ForeignKey("sellers.Seller", on_delete=models.CASCADE, related_name="brand_authorizations")
    brand = models.ForeignKey(Brand, on_delete=models.PROTECT, related_name="authorizations")
    basis = models.CharField(max_length=30, choices=Basis.choices)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.REQUESTED, db_index=True)
    territories = models.JSONField(default=list, help_text=_("ISO 3166-1 alpha-2 codes; empty means worldwide"))
    categories = models.JSONField(default=list, help_text=_("product category codes; empty means all"))
    valid_from = models.DateField(null=True, blank=True)
    valid_until = models.DateField(null=True, blank=True, db_index=True)
    documents = models.ManyToManyField("sellers.Document", blank=True, related_name="authorizations")
    # The proof as the seller states it; the reviewer checks it against the documents.
    licensor_name = models.CharField(
        _("licensor"),
        max_length=200,
        blank=True,
        help_text=_("who granted the letter of authorization to this seller"),
    )
    upstream_licensor_name = models.CharField(
        _("licensor of the licensor"),
        max_length=200,
        blank=True,
        help_text=_("second-level only: the owner who authorized the licensor (first LoA of the chain)"),
    )
    upstream_valid_until = models.DateField(
        _("first LoA valid until"),
        null=True,
        blank=True,
        help_text=_("second-level only: end of the owner's LoA to the licensor; this right cannot outlive it"),
    )
    supplier_name = models.CharField(_("supplier"), max_length=200, blank=True)
    latest_invoice_date = models.DateField(_("date of the newest invoice"), null=True, blank=True)
    seller_note = models.TextField(_("note from the seller"), blank=True)
    checklist = models.JSONField(default=dict, blank=True, help_text=_("review checklist items the reviewer confirmed"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision_reason = models.TextField(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    reminded_30_at = models.DateTimeField(null=True, blank=True)
    reminded_7_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("brand authorization")
        indexes = [
            models.Index(fields=["seller", "brand", "status"], name="authz_gate_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_until__gte=models.F("valid_from")),
                name="authz_valid_range",
            )
        ]

    def __str__(self) -> str:
        return f"{self.seller} → {self.brand} ({self.get_status_display()})"

    @property
    def is_loa_based(self) -> bool:
        return self.basis in (self.Basis.LOA_FIRST_LEVEL, self.Basis.LOA_SECOND_LEVEL)
