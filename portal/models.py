from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# The audit log's tables live in portal.audit (app label "portal"); importing them here
# registers them with the app. Other modules reach them only through portal.audit.
from portal.audit import models as _audit_models  # noqa: F401


class User(AbstractUser):
    """Hallmark's user. Roles are groups (see portal/roles.py)."""

    email = models.EmailField(_("e-mail address"), blank=True)

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"


class AuditorAccess(models.Model):
    """A third-party auditor's engagement: who they work for and when they may log in."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="auditor_access")
    firm = models.CharField(_("auditing firm"), max_length=200)
    starts_at = models.DateTimeField(_("access starts"))
    ends_at = models.DateTimeField(_("access ends"))

    class Meta:
        verbose_name = _("auditor access window")
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")), name="auditor_window_order")
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.firm})"

    def is_open(self, at=None) -> bool:
        at = at or timezone.now()
        return self.starts_at <= at < self.ends_at


class ApiKey(models.Model):
    """A scoped API key. Only a SHA-256 of the secret is stored; the key is shown once."""

    name = models.CharField(_("name"), max_length=120)
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="api_keys",
        help_text=_("The person the key belongs to (an auditor, say): it stops working when they are deactivated."),
    )
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_reason = models.TextField(blank=True, editable=False)

    class Meta:
        verbose_name = _("API key")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class Notification(models.Model):
    """Outbox row: written in the same transaction as the change it reports.

    A task sends it and marks it sent; a periodic sweep re-enqueues whatever is
    still pending, so a dead broker or worker delays a message but never loses it.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")

    kind = models.CharField(max_length=100)
    to_email = models.EmailField()
    subject = models.CharField(max_length=250)
    body = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    target_type = models.CharField(max_length=100, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    MAX_ATTEMPTS = 8

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("notification")
        indexes = [
            models.Index(fields=["created_at"], condition=models.Q(status="pending"), name="notification_pending_idx")
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.to_email} ({self.status})"


class ImageFingerprint(models.Model):
    """A 64-bit perceptual hash of an image, wherever it came from.

    Documents (sellers), listing images (moderation) and brands' official
    images all write here, so one index answers "have we seen this picture
    before, under someone else?" — reused LoAs and stolen brand photos are
    classic counterfeit tells. ``owner_key`` names who submitted it
    ("seller:12", "brand:3") so matches against oneself can be excluded.
    """

    kind = models.CharField(max_length=40)
    object_type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=64)
    owner_key = models.CharField(max_length=64, db_index=True)
    phash = models.BigIntegerField(help_text=_("signed 64-bit form of the unsigned hash"))
    created_at = models.DateTimeField(default=timezone.now)
    # The hash's four 16-bit bands, computed by the database so they can never
    # go stale: portal.fingerprints searches them (multi-index hashing). The
    # indexes carry id and phash so PostgreSQL answers from the index alone.
    band0 = models.GeneratedField(
        expression=models.F("phash").bitand(0xFFFF), output_field=models.IntegerField(), db_persist=True
    )
    band1 = models.GeneratedField(
        expression=models.F("phash").bitrightshift(16).bitand(0xFFFF),
        output_field=models.IntegerField(),
        db_persist=True,
    )
    band2 = models.GeneratedField(
        expression=models.F("phash").bitrightshift(32).bitand(0xFFFF),
        output_field=models.IntegerField(),
        db_persist=True,
    )
    band3 = models.GeneratedField(
        expression=models.F("phash").bitrightshift(48).bitand(0xFFFF),
        output_field=models.IntegerField(),
        db_persist=True,
    )

    class Meta:
        verbose_name = _("image fingerprint")
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="fingerprint_object_idx"),
            models.Index(fields=["band0"], include=["id", "phash"], name="fingerprint_band0_idx"),
            models.Index(fields=["band1"], include=["id", "phash"], name="fingerprint_band1_idx"),
            models.Index(fields=["band2"], include=["id", "phash"], name="fingerprint_band2_idx"),
            models.Index(fields=["band3"], include=["id", "phash"], name="fingerprint_band3_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_type}:{self.object_id}"
