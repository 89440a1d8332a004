from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Document(models.Model):
    """An uploaded file: hostile until the pipeline has proven otherwise.

    The upload lands in quarantine (``quarantine_name``); the Celery pipeline
    checks and re-encodes it into ``stored_name`` (a generated name) or refuses
    it with a plain ``rejection_reason``. Files are served only by a
    permission-checked view, never from a public URL.
    """

    class Kind(models.TextChoices):
        ID_DOCUMENT = "id_document", _("ID document of the legal representative")
        BUSINESS_REGISTRATION = "business_registration", _("business registration")
        PROOF_OF_ADDRESS = "proof_of_address", _("proof of address")
        TAX_DOCUMENT = "tax_document", _("tax document")
        TRADEMARK_CERTIFICATE = "trademark_certificate", _("trademark certificate")
        LETTER_OF_AUTHORIZATION = "letter_of_authorization", _("letter of authorization")
        INVOICE = "invoice", _("distributor invoice")
        OTHER = "other", _("other")

    class Status(models.TextChoices):
        PROCESSING = "processing", _("processing")
        ACCEPTED = "accepted", _("accepted")
        REJECTED = "rejected", _("rejected")

    seller = models.ForeignKey("sellers.Seller", on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(max_length=40, choices=Kind.choices)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PROCESSING, db_index=True)
    original_name = models.CharField(max_length=255, help_text=_("as the uploader named it; never used to store"))
    quarantine_name = models.CharField(max_length=255, blank=True)
    stored_name = models.CharField(max_length=255, blank=True)
    thumbnail_name = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=100, blank=True, help_text=_("detected, not the client's claim"))
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    phash = models.BigIntegerField(null=True, blank=True, db_index=True, help_text=_("64-bit perceptual hash"))
    rejection_reason = models.TextField(blank=True)
    issued_on = models.DateField(
        _("date of issue"), null=True, blank=True, help_text=_("as stated by the uploader (proof of address)")
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-uploaded_at"]
        verbose_name = _("document")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"
