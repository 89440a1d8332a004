from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Seller(models.Model):
    """A business that sells (or applies to sell) on the marketplace.

    Lifecycle: onboarding → active ⇄ suspended → terminated. Status changes go
    through sellers.services (never ``seller.status = …`` elsewhere).
    """

    class Status(models.TextChoices):
        ONBOARDING = "onboarding", _("onboarding")
        ACTIVE = "active", _("active")
        SUSPENDED = "suspended", _("suspended")
        TERMINATED = "terminated", _("terminated")

    legal_name = models.CharField(_("legal name"), max_length=200)
    trading_name = models.CharField(_("trading name"), max_length=200, blank=True)
    country = models.CharField(_("country"), max_length=2, help_text=_("ISO 3166-1 alpha-2"))
    contact_email = models.EmailField(_("contact e-mail"))
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ONBOARDING, db_index=True)
    status_reason = models.TextField(blank=True)
    suspended_until = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    relationship_ended_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("When the seller was terminated or left; KYB data is deleted 6 months later."),
    )
    kyb_deleted_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When the retention sweep deleted the KYB data and documents.")
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["legal_name"]
        verbose_name = _("seller")

    def __str__(self) -> str:
        return self.trading_name or self.legal_name

    @property
    def may_sell(self) -> bool:
        return self.status == self.Status.ACTIVE


class SellerMember(models.Model):
    """A person who acts for a seller. Seller pages scope every query by this link."""

    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, related_name="members")
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="seller_membership")
    is_owner = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("seller member")

    def __str__(self) -> str:
        return f"{self.user} @ {self.seller}"
