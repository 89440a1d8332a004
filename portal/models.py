from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


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


class AuditChainHead(models.Model):
    """The newest link of the audit chain, kept in one row (id 1).

    Appending an event updates this row and inserts the event in a single
    statement (see ``portal.audit``): the row lock serialises writers and
    PostgreSQL hands the waiting writer the committed head, so the chain
    cannot fork. Not a source of truth: ``verify_audit`` walks the events.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    seq = models.BigIntegerField(default=0, editable=False)
    prev_hash = models.CharField(max_length=64, default="", editable=False)
    hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(null=True, editable=False)

    class Meta:
        verbose_name = _("audit chain head")
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="audit_chain_head_single_row")]

    def __str__(self) -> str:
        return f"head #{self.seq}"


class AuditEvent(models.Model):
    """One link of the tamper-evident chain. Written only by ``portal.audit.record``.

    ``hash`` covers every column except the redactable payload (``changes`` and
    ``target_display``), which the chain covers through ``payload_digest``; so
    personal data can be erased after the retention period while the chain
    stays verifiable. The algorithm is documented in README.md ("Verifying the
    audit trail") and implemented independently in tools/verify_audit_export.py.
    """

    seq = models.BigIntegerField(unique=True, editable=False)
    created_at = models.DateTimeField(editable=False, db_index=True)
    # No database FK: users are deactivated, never deleted, and the row must not
    # be touched by an ON DELETE action (the trigger would refuse it anyway). No
    # index of its own either: audit_actor_idx (actor, seq) serves every lookup by actor.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
        editable=False,
    )
    actor_display = models.CharField(max_length=150, editable=False)
    actor_role = models.CharField(max_length=40, editable=False)
    action = models.CharField(max_length=100, editable=False)  # indexed in Meta: one index serves = and LIKE
    target_type = models.CharField(max_length=100, editable=False)
    target_id = models.CharField(max_length=64, editable=False)
    target_display = models.CharField(max_length=255, blank=True, editable=False)
    changes = models.JSONField(default=dict, blank=True, null=True, editable=False)
    reason = models.TextField(blank=True, editable=False)
    request_id = models.CharField(max_length=64, blank=True, editable=False)
    ip = models.GenericIPAddressField(null=True, blank=True, editable=False)
    payload_digest = models.CharField(max_length=64, editable=False)
    prev_hash = models.CharField(max_length=64, editable=False)
    # Not indexed: nothing looks an event up by its hash, and a unique index on random
    # digests cost every append a write to a random page (seq is the unique key).
    hash = models.CharField(max_length=64, editable=False)
    redacted_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-seq"]
        verbose_name = _("audit event")
        indexes = [
            models.Index(fields=["target_type", "target_id", "seq"], name="audit_target_idx"),
            # Lookups by actor name a user; most events are the system's (no actor), and
            # leaving them out spares those appends an index entry.
            models.Index(fields=["actor", "seq"], name="audit_actor_seq_idx", condition=models.Q(actor__isnull=False)),
            # varchar_pattern_ops serves both "action = …" and "action LIKE 'prefix%'" (the
            # explorer's "starts with"), so one index instead of Django's usual two.
            models.Index(fields=["action"], name="audit_action_idx", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.target_type}:{self.target_id}"


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


class AuditCheckpoint(models.Model):
    """The head of the audit chain at the end of one UTC day, recorded the next morning.

    An auditor who kept an export listing these can later prove that nothing
    up to a checkpoint changed: the event at ``seq`` must still hash to ``hash``.
    """

    day = models.DateField(unique=True, editable=False)
    seq = models.BigIntegerField(editable=False, help_text=_("last event of the day (0: none yet)"))
    hash = models.CharField(max_length=64, editable=False)
    events_that_day = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-day"]
        verbose_name = _("audit checkpoint")

    def __str__(self) -> str:
        return f"{self.day}: #{self.seq} {self.hash[:12]}…"


class AuditVerification(models.Model):
    """One walk over the whole audit chain, run in the background (on a schedule, or queued by the page).

    The walk goes in pieces, each a task run that continues from the sequence
    number and hash the previous piece reached (``last_seq``, ``head_hash``).
    The verification page shows the newest finished walk and checks live only
    the events written since, so it stays quick however long the chain grows.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed (could not finish)")

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED, editable=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    requested_at = models.DateTimeField(default=timezone.now, editable=False)
    started_at = models.DateTimeField(null=True, blank=True, editable=False)
    # A walk goes in pieces (one task run each); this moves with every piece, so a walk
    # whose worker died is recognised and superseded.
    progressed_at = models.DateTimeField(default=timezone.now, editable=False)
    resends = models.PositiveSmallIntegerField(
        default=0, editable=False, help_text=_("pieces sent again after a stall")
    )
    finished_at = models.DateTimeField(null=True, blank=True, editable=False)
    ok = models.BooleanField(null=True, editable=False)
    count = models.BigIntegerField(default=0, editable=False)
    first_seq = models.BigIntegerField(null=True, blank=True, editable=False)
    last_seq = models.BigIntegerField(null=True, blank=True, editable=False)
    head_hash = models.CharField(max_length=64, blank=True, editable=False)
    broken_seq = models.BigIntegerField(null=True, blank=True, editable=False)
    broken_id = models.BigIntegerField(null=True, blank=True, editable=False)
    problem = models.TextField(blank=True, editable=False)
    redacted = models.BigIntegerField(default=0, editable=False)
    checkpoints_held = models.PositiveIntegerField(default=0, editable=False)
    checkpoint_broken_day = models.DateField(null=True, blank=True, editable=False)
    error = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("audit chain verification")
        indexes = [models.Index(fields=["status", "-finished_at"], name="audit_verification_idx")]

    def __str__(self) -> str:
        return f"verification #{self.pk} ({self.status})"
