from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# DSA Art. 20: the internal complaint-handling system is open for at least six months.
APPEAL_WINDOW = timedelta(days=183)
STRIKE_LIFETIME = timedelta(days=180)


class Action(models.TextChoices):
    DISMISS = "dismiss", _("dismiss (no action)")
    WARN = "warn", _("warn the seller")
    RESTRICT_LISTING = "restrict_listing", _("restrict the listing")
    REMOVE_LISTING = "remove_listing", _("remove the listing")
    SUSPEND_SELLER = "suspend_seller", _("suspend the seller")
    TERMINATE_SELLER = "terminate_seller", _("terminate the seller")


class Policy(models.Model):
    """A rule a decision applies: its ground, reference, statement template and consequences."""

    class Ground(models.TextChoices):
        ILLEGAL_CONTENT = "illegal_content", _("illegal content")
        TERMS = "terms_and_conditions", _("incompatible with terms and conditions")

    # Categories of the EU DSA Transparency Database that fit a marketplace.
    class DsaCategory(models.TextChoices):
        IP = "STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS", _("intellectual property infringements")
        UNSAFE = "STATEMENT_CATEGORY_UNSAFE_AND_PROHIBITED_PRODUCTS", _("unsafe, non-compliant or prohibited products")
        CONSUMER = "STATEMENT_CATEGORY_CONSUMER_INFORMATION", _("consumer information infringements")
        SCAMS = "STATEMENT_CATEGORY_SCAMS_AND_FRAUD", _("scams and/or fraud")
        SCOPE = "STATEMENT_CATEGORY_SCOPE_OF_PLATFORM_SERVICE", _("scope of platform service")
        OTHER_TC = "STATEMENT_CATEGORY_OTHER_VIOLATION_TC", _("other violation of terms and conditions")

    code = models.SlugField(max_length=50, unique=True)
    title = models.CharField(max_length=200)
    ground = models.CharField(max_length=24, choices=Ground.choices)
    reference = models.CharField(
        _("legal or contractual reference"), max_length=500, help_text=_("e.g. 'Art. 9(2) EU Trade Mark Regulation'")
    )
    reference_url = models.URLField(blank=True)
    statement_template = models.TextField(
        help_text=_("Explanation shown to the seller; may use {listing}, {brand}, {seller}.")
    )
    default_action = models.CharField(max_length=20, choices=Action.choices)
    strike_points = models.PositiveSmallIntegerField(default=0)
    dsa_category = models.CharField(max_length=60, choices=DsaCategory.choices, default=DsaCategory.IP)
    dsa_keywords = models.JSONField(default=list, blank=True, help_text=_("DSA category_specification keywords"))
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("policy")
        verbose_name_plural = _("policies")

    def __str__(self) -> str:
        return f"{self.code}: {self.title}"


class Decision(models.Model):
    """One decision on a case, with its statement of reasons (DSA Art. 17)."""

    class Status(models.TextChoices):
        IN_FORCE = "in_force", _("in force")
        UPHELD = "upheld", _("upheld on appeal")
        OVERTURNED = "overturned", _("overturned on appeal")

    class Automation(models.TextChoices):
        FULLY = "AUTOMATED_DECISION_FULLY", _("fully automated")
        PARTIALLY = "AUTOMATED_DECISION_PARTIALLY", _("partially automated")
        NOT_AUTOMATED = "AUTOMATED_DECISION_NOT_AUTOMATED", _("not automated")

    case = models.ForeignKey("moderation.Case", on_delete=models.PROTECT, related_name="decisions")
    listing = models.ForeignKey("moderation.Listing", on_delete=models.PROTECT, related_name="decisions")
    seller = models.ForeignKey("sellers.Seller", on_delete=models.PROTECT, related_name="moderation_decisions")
    policy = models.ForeignKey(Policy, null=True, blank=True, on_delete=models.PROTECT, related_name="decisions")
    action = models.CharField(max_length=20, choices=Action.choices)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.IN_FORCE, db_index=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now, db_index=True)
    explanation = models.TextField(_("explanation"))
    facts = models.TextField(_("facts and circumstances"))
    territorial_scope = models.JSONField(default=list, help_text=_("ISO codes; empty means everywhere we operate"))
    ends_at = models.DateTimeField(null=True, blank=True, help_text=_("end of a temporary measure"))
    from_notice = models.BooleanField(default=False)
    trusted_flagger = models.BooleanField(default=False)
    automated_detection = models.BooleanField(default=False)
    automated_decision = models.CharField(max_length=40, choices=Automation.choices, default=Automation.NOT_AUTOMATED)
    puid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    class Meta:
        ordering = ["-decided_at"]
        verbose_name = _("decision")

    def __str__(self) -> str:
        return f"Decision #{self.pk} ({self.get_action_display()})"

    @property
    def appeal_until(self):
        return self.decided_at + APPEAL_WINDOW

    @property
    def appealable(self) -> bool:
        return self.status == self.Status.IN_FORCE and timezone.now() <= self.appeal_until


class Appeal(models.Model):
    """A seller's complaint against a decision (DSA Art. 20), decided by another, senior person."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        UPHELD = "upheld", _("decision upheld")
        OVERTURNED = "overturned", _("decision overturned")

    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="appeals")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    grounds = models.TextField(_("why the decision is wrong"))
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING, db_index=True)
    submitted_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    outcome_explanation = models.TextField(blank=True)

    class Meta:
        ordering = ["-submitted_at"]
        verbose_name = _("appeal")
        constraints = [
            models.UniqueConstraint(
                fields=["decision"], condition=Q(status="pending"), name="one_pending_appeal_per_decision"
            )
        ]

    def __str__(self) -> str:
        return f"Appeal #{self.pk} on decision #{self.decision_id}"


class Strike(models.Model):
    """Points against a seller for one decision; live until ``expires_at`` unless voided."""

    seller = models.ForeignKey("sellers.Seller", on_delete=models.PROTECT, related_name="strikes")
    decision = models.OneToOneField(Decision, on_delete=models.PROTECT, related_name="strike")
    points = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("strike")

    def __str__(self) -> str:
        return f"{self.points} point(s) against {self.seller_id}"
