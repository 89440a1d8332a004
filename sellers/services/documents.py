"""Uploads and the document pipeline.

``document_upload`` puts the bytes in quarantine and enqueues ``document_process``,
which runs the checks of ``sellers.documents`` and either stores a sanitised copy
under a generated name or refuses the file with a plain reason.
"""

from __future__ import annotations

import contextlib
import uuid
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import audit, fingerprints
from portal.errors import DomainError
from portal.tasks_util import enqueue_on_commit
from sellers.audit_actions import OnboardingAction
from sellers.documents import MAX_BYTES, Refused, inspect
from sellers.models import Document, Seller

_CHUNK = 64 * 1024


def _owner_key(seller_id: int) -> str:
    return f"seller:{seller_id}"


def _quarantine(uploaded_file) -> tuple[str, int]:
    """Copy at most MAX_BYTES + 1 bytes into quarantine: enough to know a file is too big."""
    data = bytearray()
    if hasattr(uploaded_file, "seek"):
        uploaded_file.seek(0)
    chunks = uploaded_file.chunks(_CHUNK) if hasattr(uploaded_file, "chunks") else iter([uploaded_file.read()])
    for chunk in chunks:
        data += chunk
        if len(data) > MAX_BYTES:
            del data[MAX_BYTES + 1 :]
            break
    name = default_storage.save(f"quarantine/{uuid.uuid4().hex}", ContentFile(bytes(data)))
    return name, len(data)


@transaction.atomic
def document_upload(*, seller: Seller, kind: str, uploaded_file, actor, issued_on=None) -> Document:
    """Quarantine an upload, create its Document (processing) and enqueue the pipeline."""
    if kind not in Document.Kind.values:
        raise DomainError(_("Unknown document kind %(kind)s.") % {"kind": kind})
    if seller.kyb_deleted_at:
        raise DomainError(_("This seller's data has been deleted; no new documents are accepted."))
    quarantine_name, size = _quarantine(uploaded_file)
    original_name = (getattr(uploaded_file, "name", "") or "upload").rsplit("/", 1)[-1][:255]
    document = Document.objects.create(
        seller=seller,
        kind=kind,
        status=Document.Status.PROCESSING,
        original_name=original_name,
        quarantine_name=quarantine_name,
        size=size,
        issued_on=issued_on,
        uploaded_by=actor if getattr(actor, "pk", None) else None,
    )
    audit.record(
        action=OnboardingAction.DOCUMENT_UPLOADED,
        actor=actor,
        target=document,
        changes={"seller": seller.pk, "kind": kind, "size": size, "original_name": original_name},
    )
    from sellers.tasks.onboarding import process_document

    enqueue_on_commit(process_document, document_id=document.pk)
    return document


def _delete_quietly(name: str) -> None:
    if name:
        with contextlib.suppress(OSError):  # already gone: the goal is reached
            default_storage.delete(name)


@transaction.atomic
def document_process(*, document_id: int) -> Document:
    """Accept or refuse one quarantined document. Running it twice changes nothing."""
    document = Document.objects.select_for_update().get(pk=document_id)
    if document.status != Document.Status.PROCESSING:
        return document
    try:
        with default_storage.open(document.quarantine_name, "rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except (OSError, ValueError):
        data = None
    now = timezone.now()
    if data is None:
        clean, reason = None, _("The upload was lost before it could be checked. Please upload it again.")
    else:
        try:
            clean, reason = inspect(data), ""
        except Refused as refusal:
            clean, reason = None, refusal.reason
    quarantine_name = document.quarantine_name
    if clean is None:
        document.status = Document.Status.REJECTED
        document.rejection_reason = reason
        document.quarantine_name = ""
        document.processed_at = now
        document.save(update_fields=["status", "rejection_reason", "quarantine_name", "processed_at"])
        audit.record(action=OnboardingAction.DOCUMENT_REJECTED, actor=None, target=document, reason=reason)
    else:
        stem = f"documents/{document.seller_id}/{uuid.uuid4().hex}"
        document.stored_name = default_storage.save(f"{stem}.{clean.extension}", ContentFile(clean.content))
        if clean.thumbnail:
            document.thumbnail_name = default_storage.save(f"{stem}-thumb.png", ContentFile(clean.thumbnail))
        document.status = Document.Status.ACCEPTED
        document.content_type = clean.content_type
        document.sha256 = clean.sha256
        document.phash = fingerprints.to_signed(clean.phash) if clean.phash is not None else None
        document.quarantine_name = ""
        document.processed_at = now
        document.save(
            update_fields=[
                "stored_name",
                "thumbnail_name",
                "status",
                "content_type",
                "sha256",
                "phash",
                "quarantine_name",
                "processed_at",
            ]
        )
        if clean.phash is not None:
            fingerprints.add(
                kind="document",
                object_type="sellers.document",
                object_id=document.pk,
                owner_key=_owner_key(document.seller_id),
                phash=clean.phash,
            )
        audit.record(
            action=OnboardingAction.DOCUMENT_ACCEPTED,
            actor=None,
            target=document,
            changes={"sha256": clean.sha256, "content_type": clean.content_type},
        )
    transaction.on_commit(lambda: _delete_quietly(quarantine_name))
    return document


@dataclass(frozen=True)
class ReuseFlag:
    """Another seller submitted the same file, or a near-identical image."""

    match: str  # "exact" or "similar"
    object_type: str
    object_id: str
    owner_key: str
    distance: int
    seller_id: int | None
    seller_name: str

    @property
    def label(self) -> str:
        if self.match == "exact":
            return _("Same file as document #%(id)s of %(seller)s") % {"id": self.object_id, "seller": self.seller_name}
        return _("Near-identical image (%(bits)s bits apart) to %(type)s #%(id)s of %(owner)s") % {
            "bits": self.distance,
            "type": self.object_type,
            "id": self.object_id,
            "owner": self.seller_name or self.owner_key,
        }


def document_reuse_flags(*, document: Document) -> list[ReuseFlag]:
    """Same SHA-256 or near-identical perceptual hash under another seller."""
    flags: list[ReuseFlag] = []
    seen: set[tuple[str, str]] = set()
    if document.sha256:
        for other in (
            Document.objects.filter(sha256=document.sha256)
            .exclude(seller_id=document.seller_id)
            .select_related("seller")
            .order_by("pk")[:20]
        ):
            seen.add(("sellers.document", str(other.pk)))
            flags.append(
                ReuseFlag(
                    "exact",
                    "sellers.document",
                    str(other.pk),
                    _owner_key(other.seller_id),
                    0,
                    other.seller_id,
                    str(other.seller),
                )
            )
    if document.phash is not None:
        matches = fingerprints.find_near(document.phash, exclude_owner=_owner_key(document.seller_id))
        seller_ids = {int(m.owner_key.split(":", 1)[1]) for m in matches if m.owner_key.startswith("seller:")}
        names = {s.pk: str(s) for s in Seller.objects.filter(pk__in=seller_ids)}
        for m in matches:
            if (m.object_type, m.object_id) in seen:
                continue
            seen.add((m.object_type, m.object_id))
            seller_id = int(m.owner_key.split(":", 1)[1]) if m.owner_key.startswith("seller:") else None
            flags.append(
                ReuseFlag(
                    "similar", m.object_type, m.object_id, m.owner_key, m.distance, seller_id, names.get(seller_id, "")
                )
            )
    return flags


def document_delete_files(*, document: Document) -> None:
    """Remove a document's files from storage (retention); the caller updates the row."""
    for name in (document.stored_name, document.thumbnail_name, document.quarantine_name):
        _delete_quietly(name)


@transaction.atomic
def document_record_download(*, document: Document, actor) -> None:
    """An auditor's download is itself part of the record."""
    audit.record(action=OnboardingAction.DOCUMENT_DOWNLOADED, actor=actor, target=document)
