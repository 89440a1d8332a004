"""The audit log's tables. Every write goes through ``portal.audit``; nothing else imports these."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """One entry of the audit log. Inserted only by ``portal.audit.record``; sealed once by the sealer.

    A writer inserts the event unsealed (no ``seq``, ``prev_hash``, ``hash`` or
    ``leaf_hash``) in its own transaction, taking no shared lock. The sealer
    later numbers it, links it to the event before it (``prev_hash``), hashes it
    and adds it to the Merkle tree as leaf ``seq - 1``; that one UPDATE is the
    only change the PostgreSQL trigger allows besides the retention redaction.
    ``xact_id`` is the inserting transaction's id, filled in by a trigger on
    PostgreSQL, for investigations. The sealer numbers what has committed, so
    an event whose transaction commits late is sealed later, never skipped.

    ``hash`` covers every column except the redactable payload (``changes`` and
    ``target_display``), which the chain covers through ``payload_digest``; so
    personal data can be erased after the retention period while the chain
    stays verifiable. The algorithm is documented in README.md ("Verifying the
    audit trail") and implemented independently in tools/verify_audit_export.py.
    """

    seq = models.BigIntegerField(unique=True, null=True, blank=True, editable=False)
    created_at = models.DateTimeField(editable=False, db_index=True)
    # No database FK: users are deactivated, never deleted, and the row must not
    # be touched by an ON DELETE action (the trigger would refuse it anyway). No
    # index of its own either: audit_actor_seq_idx (actor, seq) serves every lookup by actor.
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
    prev_hash = models.CharField(max_length=64, blank=True, editable=False)
    # Not indexed: nothing looks an event up by its hash, and a unique index on random
    # digests cost every append a write to a random page (seq is the unique key).
    hash = models.CharField(max_length=64, blank=True, editable=False)
    leaf_hash = models.BinaryField(max_length=32, null=True, blank=True, editable=False)
    xact_id = models.BigIntegerField(null=True, blank=True, editable=False)
    sealed_at = models.DateTimeField(null=True, blank=True, editable=False)
    redacted_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("audit event")
        indexes = [
            models.Index(fields=["target_type", "target_id", "seq"], name="audit_target_idx"),
            # Lookups by actor name a user; most events are the system's (no actor), and
            # leaving them out spares those appends an index entry.
            models.Index(fields=["actor", "seq"], name="audit_actor_seq_idx", condition=models.Q(actor__isnull=False)),
            # varchar_pattern_ops serves both "action = …" and "action LIKE 'prefix%'" (the
            # explorer's "starts with"), so one index instead of Django's usual two.
            models.Index(fields=["action"], name="audit_action_idx", opclasses=["varchar_pattern_ops"]),
            # The sealer's work list: small, because sealed events leave it.
            models.Index(
                fields=["xact_id", "id"], name="audit_unsealed_idx", condition=models.Q(leaf_hash__isnull=True)
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.seq or 'unsealed'} {self.action} {self.target_type}:{self.target_id}"


class AuditCheckpoint(models.Model):
    """Legacy: the head of the hash chain at the end of one UTC day, before the log was a Merkle tree.

    No longer written; kept so the heads auditors were given stay on record.
    ``AuditLogCheckpoint`` (signed, with ``day``) took its place.

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


class AuditTreeNode(models.Model):
    """A complete subtree of the log's Merkle tree: leaves ``[index * 2**level, (index + 1) * 2**level)``.

    Written by the sealer as subtrees complete (level 1 and up; leaves are
    ``AuditEvent.leaf_hash``), so a proof reads O(log n) rows. Append-only.
    """

    pk = models.CompositePrimaryKey("level", "index")
    level = models.PositiveSmallIntegerField(editable=False)
    index = models.BigIntegerField(editable=False)
    hash = models.BinaryField(max_length=32, editable=False)

    class Meta:
        verbose_name = _("audit tree node")

    def __str__(self) -> str:
        return f"node {self.level}/{self.index}"


class AuditLogCheckpoint(models.Model):
    """A signed checkpoint (C2SP tlog-checkpoint as a signed note) of the tree at ``tree_size``.

    The sealer writes one with every batch it seals, in the batch's
    transaction, so the newest checkpoint is the tree's state. Append-only,
    every one kept.
    """

    tree_size = models.BigIntegerField(unique=True, editable=False)
    root_hash = models.BinaryField(max_length=32, editable=False)
    note = models.TextField(editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-tree_size"]
        verbose_name = _("signed audit checkpoint")

    def __str__(self) -> str:
        return f"checkpoint of {self.tree_size}"

    @property
    def root_b64(self) -> str:
        import base64

        return base64.b64encode(bytes(self.root_hash)).decode()


class AuditDailyCheckpoint(models.Model):
    """The signed checkpoint that stood at the end of one UTC day: the one witnesses receive.

    A quiet day names the same checkpoint as the day before, so a missing day
    is never mistaken for a gap.
    """

    day = models.DateField(unique=True, editable=False)
    checkpoint = models.ForeignKey(AuditLogCheckpoint, on_delete=models.PROTECT, related_name="days", editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    witnessed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-day"]
        verbose_name = _("daily audit checkpoint")

    def __str__(self) -> str:
        return f"{self.day}: tree of {self.checkpoint.tree_size}"


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
    # The Merkle tree's right edge where the walk stands (hex digests), so the next piece goes on from it.
    tree_edge = models.JSONField(default=list, editable=False)
    checkpoint_broken_day = models.DateField(null=True, blank=True, editable=False)
    error = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("audit chain verification")
        indexes = [models.Index(fields=["status", "-finished_at"], name="audit_verification_idx")]

    def __str__(self) -> str:
        return f"verification #{self.pk} ({self.status})"
