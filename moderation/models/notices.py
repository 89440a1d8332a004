from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Reason(models.TextChoices):
    COUNTERFEIT = "counterfeit", _("counterfeit")
    TRADEMARK = "trademark_infringement", _("trademark infringement")
    UNAUTHORIZED_SELLER = "unauthorized_seller", _("unauthorized seller")
    UNSAFE = "prohibited_or_unsafe", _("prohibited or unsafe product")
    MISLEADING = "misleading_listing", _("misleading listing")
    OTHER = "other", _("other")


class Notifier(models.Model):
    """Who sends notices: the public (by e-mail address), trusted flaggers and brand owners (by API key)."""

    class Kind(models.TextChoices):
        PUBLIC = "public", _("member of the public")
        TRUSTED_FLAGGER = "trusted_flagger", _("trusted flagger (DSA Art. 22)")
        BRAND_OWNER = "brand_owner", _("brand owner")
        PLATFORM = "platform", _("marketplace")

    class Standing(models.TextChoices):
        GOOD = "good", _("good standing")
        WARNED = "warned", _("warned")
        DEPRIORITISED = "deprioritised", _("deprioritised")
        SUSPENDED = "suspended", _("suspended (DSA Art. 23)")

    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.PUBLIC)
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("e-mail"))
    api_key = models.OneToOneField(
        "portal.ApiKey", null=True, blank=True, on_delete=models.PROTECT, related_name="notifier"
    )
    brand = models.ForeignKey("sellers.Brand", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    standing = models.CharField(max_length=14, choices=Standing.choices, default=Standing.GOOD, db_index=True)
    standing_reason = models.TextField(blank=True)
    notices_decided = models.PositiveIntegerField(default=0)
    notices_upheld = models.PositiveIntegerField(default=0)
    notices_unfounded = models.PositiveIntegerField(default=0, help_text=_("dismissed as manifestly unfounded"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("notifier")
        constraints = [
            models.UniqueConstraint(
                fields=["email"], condition=models.Q(api_key__isnull=True), name="notifier_public_email_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"

    @property
    def accuracy(self) -> float | None:
        """Share of decided notices that were upheld; None until one was decided."""
        return self.notices_upheld / self.notices_decided if self.notices_decided else None


class Notice(models.Model):
    """A notice under DSA Art. 16: explanation, exact listing, notifier identity, good-faith statement."""

    class Channel(models.TextChoices):
        API = "api", _("API")
        FORM = "form", _("public form")

    class Outcome(models.TextChoices):
        PENDING = "pending", _("pending")
        UPHELD = "upheld", _("action taken")
        REJECTED = "rejected", _("no action taken")
        UNFOUNDED = "unfounded", _("manifestly unfounded")

    listing = models.ForeignKey("moderation.Listing", on_delete=models.PROTECT, related_name="notices")
    case = models.ForeignKey(
        "moderation.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="notices"
    )
    notifier = models.ForeignKey(Notifier, on_delete=models.PROTECT, related_name="notices")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    reason = models.CharField(max_length=30, choices=Reason.choices)
    explanation = models.TextField(_("substantiated explanation"))
    evidence_urls = models.JSONField(default=list, blank=True)
    notifier_name = models.CharField(max_length=200)
    notifier_email = models.EmailField()
    good_faith = models.BooleanField(default=False)
    idempotency_key = models.CharField(max_length=100, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.PENDING, db_index=True)
    outcome_notified_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("notice")
        constraints = [
            models.UniqueConstraint(
                fields=["notifier", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="notice_idempotency_key_unique",
            ),
            models.CheckConstraint(condition=models.Q(good_faith=True), name="notice_good_faith_required"),
        ]
        indexes = [
            # Triage takes the oldest waiting notices (no case yet) in small batches: this
            # finds them in order however many notices were triaged before.
            models.Index(fields=["id"], name="notice_awaiting_triage", condition=models.Q(case__isnull=True)),
        ]

    def __str__(self) -> str:
        # The enum's own label: get_reason_display() translates every choice on each call,
        # and the audit trail names every notice received.
        try:
            reason = Reason(self.reason).label
        except ValueError:
            reason = self.reason
        return f"Notice #{self.pk} ({reason})"
