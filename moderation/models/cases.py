from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from moderation.models.notices import Reason


class Case(models.Model):
    """Everything about one listing that needs a moderator's decision.

    open → (claimed) → decided → closed, escalated on the way; decided → appealed
    → closed after the appeal. One open case per listing (partial unique
    constraint): new notices join it.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        ESCALATED = "escalated", _("escalated")
        DECIDED = "decided", _("decided")
        APPEALED = "appealed", _("appealed")
        CLOSED = "closed", _("closed")

    class Source(models.TextChoices):
        NOTICE = "notice", _("notice")
        TRUSTED_FLAGGER = "trusted_flagger", _("trusted flagger")
        BRAND_OWNER = "brand_owner", _("brand owner")
        AUTOMATED = "automated", _("automated signal")

    OPEN_STATUSES = (Status.OPEN, Status.ESCALATED)

    listing = models.ForeignKey("moderation.Listing", on_delete=models.PROTECT, related_name="cases")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True)
    source = models.CharField(max_length=16, choices=Source.choices)
    reason = models.CharField(max_length=30, choices=Reason.choices)
    automated = models.BooleanField(
        _("opened by automated means"), default=False, help_text=_("no person reported it; a signal opened it")
    )
    findings = models.JSONField(default=dict, blank=True, help_text=_("what automated checks found"))
    priority = models.IntegerField(default=0, db_index=True)
    signals = models.JSONField(default=list, blank=True, help_text=_("named signals and their points"))
    due_at = models.DateTimeField(_("SLA due"), db_index=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    claimed_until = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("case")
        ordering = ["-priority", "due_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["listing"], condition=Q(status__in=["open", "escalated"]), name="one_open_case_per_listing"
            )
        ]
        indexes = [
            models.Index(fields=["status", "-priority", "due_at", "id"], name="case_queue_order_idx"),
            # The dashboard and the transparency report read cases by the day they opened.
            models.Index(fields=["opened_at"], name="case_opened_idx"),
        ]
        permissions = [
            ("decide_appeal", "May decide appeals (senior moderators)"),
            ("terminate_seller", "May terminate a seller (senior moderators)"),
            ("manage_notifiers", "May warn, deprioritise or suspend notifiers"),
        ]

    def __str__(self) -> str:
        return f"Case #{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    def claimed_by_other(self, user, *, now=None) -> bool:
        now = now or timezone.now()
        return bool(
            self.assigned_to_id and self.assigned_to_id != user.pk and self.claimed_until and self.claimed_until > now
        )

    @property
    def overdue(self) -> bool:
        return self.is_open and self.due_at < timezone.now()


class CaseNote(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("case note")

    def __str__(self) -> str:
        return f"Note on case #{self.case_id}"
