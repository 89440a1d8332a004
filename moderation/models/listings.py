from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Listing(models.Model):
    """A marketplace listing, synced by the marketplace through the API (idempotent upsert)."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("active")
        RESTRICTED = "restricted", _("restricted")
        REMOVED = "removed", _("removed")

    external_id = models.CharField(_("marketplace id"), max_length=100, unique=True)
    seller = models.ForeignKey("sellers.Seller", on_delete=models.PROTECT, related_name="listings")
    brand = models.ForeignKey("sellers.Brand", null=True, blank=True, on_delete=models.PROTECT, related_name="listings")
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    category = models.CharField(_("category"), max_length=100, blank=True)
    price = models.DecimalField(_("price"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    url = models.URLField(_("URL"), max_length=500)
    image_urls = models.JSONField(default=list, blank=True)
    country = models.CharField(max_length=2, blank=True, help_text=_("ISO 3166-1 alpha-2 market, if known"))
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ACTIVE, db_index=True)
    status_reason = models.TextField(blank=True)
    restricted_by = models.CharField(
        max_length=20, blank=True, help_text=_("what restricted it: decision, seller_status, authorization, strikes")
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-updated_at"]
        verbose_name = _("listing")

    def __str__(self) -> str:
        return f"{self.title} ({self.external_id})"


class ListingImage(models.Model):
    """One image URL of a listing; fetched by a task behind the SSRF guard, then fingerprinted."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        FINGERPRINTED = "fingerprinted", _("fingerprinted")
        REFUSED = "refused", _("refused")

    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="images")
    url = models.URLField(max_length=1000)
    status = models.CharField(max_length=14, choices=Status.choices, default=Status.PENDING, db_index=True)
    refusal_reason = models.CharField(max_length=300, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    phash = models.BigIntegerField(null=True, blank=True)
    fetched_at = models.DateTimeField(null=True, blank=True)
    # A re-encoded copy kept in private storage: what moderators look at, and
    # the evidence that stays when the seller changes or deletes the listing.
    preview_name = models.CharField(max_length=200, blank=True, editable=False)

    class Meta:
        verbose_name = _("listing image")
        constraints = [models.UniqueConstraint(fields=["listing", "url"], name="listing_image_unique_url")]

    def __str__(self) -> str:
        return self.url
