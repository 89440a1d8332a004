"""Invitations, applications (the KYB vetting file), their checks and recertification."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

INVITATION_DAYS = 14
DECISION_DAYS = 10  # DSA Art. 30: decide within 10 days of a complete submission
RECERTIFY_DAYS = 365
SUSPEND_AFTER_DAYS = 10
RETENTION_DAYS = 183  # six months after the relationship ends

# The self-certification text carries a version so a decision can name what was signed.
SELF_CERTIFICATION_VERSION = "2026-01"


class Invitation(models.Model):
    """A single-use invitation to apply. Only the SHA-256 of the token is stored."""

    email = models.EmailField(_("e-mail"))
    business_name = models.CharField(_("business name"), max_length=200, blank=True)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    seller = models.ForeignKey(
        "sellers.Seller", null=True, blank=True, on_delete=models.SET_NULL, related_name="invitations"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("invitation")

    def __str__(self) -> str:
        return f"{self.email} ({self.state_label})"

    @property
    def state(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "open"

    @property
    def state_label(self) -> str:
        return {
            "accepted": _("accepted"),
            "revoked": _("revoked"),
            "expired": _("expired"),
            "open": _("open"),
        }[self.state]


class Application(models.Model):
    """A seller's KYB file: drafted in the wizard, frozen at submission, decided by an officer.

    draft → submitted → in_review → (changes_requested → submitted)* → approved | rejected;
    withdrawn from any open state.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("submitted")
        IN_REVIEW = "in_review", _("in review")
        CHANGES_REQUESTED = "changes_requested", _("changes requested")
        APPROVED = "approved", _("approved")
        REJECTED = "rejected", _("rejected")
        WITHDRAWN = "withdrawn", _("withdrawn")

    class Kind(models.TextChoices):
        INITIAL = "initial", _("application")
        RECERTIFICATION = "recertification", _("yearly recertification")

    OPEN = (Status.DRAFT, Status.SUBMITTED, Status.IN_REVIEW, Status.CHANGES_REQUESTED)
    EDITABLE = (Status.DRAFT, Status.CHANGES_REQUESTED)

    seller = models.ForeignKey("sellers.Seller", on_delete=models.CASCADE, related_name="applications")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.INITIAL)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True)
    # Wizard answers per step ({"business": {...}, "contacts": {...}}); never the payment account.
    data = models.JSONField(default=dict, blank=True)
    payment_account_ciphertext = models.TextField(blank=True)
    payment_account_masked = models.CharField(max_length=64, blank=True)
    self_certification_version = models.CharField(max_length=20, blank=True)
    self_certified_at = models.DateTimeField(null=True, blank=True)
    # What the officer reviews: the data as submitted, frozen.
    snapshot = models.JSONField(default=dict, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decision_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changes_requested = models.TextField(_("what to fix"), blank=True)
    changes_due_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("application")
        permissions = [("view_payment_account", "Can see payment accounts unmasked")]
        constraints = [
            models.UniqueConstraint(
                fields=["seller"],
                condition=Q(status__in=["draft", "submitted", "in_review", "changes_requested"]),
                name="one_open_application_per_seller",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} ({self.seller})"

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE


class ApplicationCheck(models.Model):
    """One line of the officer's checklist for an application."""

    class Requirement(models.TextChoices):
        IDENTITY = "identity", _("business identity and trade register")
        TAX_ID = "tax_id", _("tax / VAT id")
        CONTACTS = "contacts", _("address, phone and e-mail")
        REPRESENTATIVE = "representative", _("legal representative and ID document")
        PAYMENT_ACCOUNT = "payment_account", _("payment account")
        BUSINESS_REGISTRATION = "business_registration", _("business registration document")
        PROOF_OF_ADDRESS = "proof_of_address", _("proof of address (not older than 6 months)")
        TAX_DOCUMENT = "tax_document", _("tax document")
        SELF_CERTIFICATION = "self_certification", _("self-certification")

    class Status(models.TextChoices):
        PENDING = "pending", _("not checked yet")
        VERIFIED = "verified", _("verified")
        FAILED = "failed", _("failed")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="checks")
    requirement = models.CharField(max_length=30, choices=Requirement.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    note = models.TextField(blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("application check")
        constraints = [models.UniqueConstraint(fields=["application", "requirement"], name="one_check_per_requirement")]

    def __str__(self) -> str:
        return f"{self.get_requirement_display()}: {self.get_status_display()}"


class Recertification(models.Model):
    """The yearly re-check of an approved seller (DSA Art. 30: at least yearly)."""

    class Status(models.TextChoices):
        OPEN = "open", _("due")
        SUBMITTED = "submitted", _("submitted")
        COMPLETED = "completed", _("completed")
        LAPSED = "lapsed", _("lapsed (seller suspended)")

    seller = models.ForeignKey("sellers.Seller", on_delete=models.CASCADE, related_name="recertifications")
    due_on = models.DateField(db_index=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True)
    reminded_30_at = models.DateTimeField(null=True, blank=True)
    reminded_7_at = models.DateTimeField(null=True, blank=True)
    application = models.ForeignKey(
        Application, null=True, blank=True, on_delete=models.SET_NULL, related_name="recertifications"
    )
    suspended_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-due_on"]
        verbose_name = _("recertification")

    def __str__(self) -> str:
        return f"{self.seller} due {self.due_on}"
