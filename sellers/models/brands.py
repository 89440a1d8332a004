from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Brand(models.Model):
    """A brand. A *protected* brand may be listed only with a verified authorization."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    slug = models.SlugField(max_length=200, unique=True)
    protected = models.BooleanField(_("protected"), default=False, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("brand")

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
    decision_reason = models.TextField(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
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
