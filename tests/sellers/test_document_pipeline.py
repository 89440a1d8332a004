"""The upload pipeline over a corpus of hostile files (real bytes, built by tests/sellers/corpus/build.py)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from PIL import Image

from portal.audit.models import AuditEvent
from portal.models import ImageFingerprint
from sellers.documents import Refused, register_check, unregister_check
from sellers.models import Application, Document
from sellers.services.documents import document_process, document_upload
from tests.sellers.corpus.build import build
from tests.sellers.factories import seller_with_member
from tests.sellers.onboarding_helpers import jpeg_bytes, upload

pytestmark = pytest.mark.django_db

CORPUS = build(Path(__file__).resolve().parent / ".corpus-build")


def _stored_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _process(seller, user, path: Path, django_capture_on_commit_callbacks) -> Document:
    with django_capture_on_commit_callbacks(execute=True):
        document = document_upload(
            seller=seller,
            kind=Document.Kind.BUSINESS_REGISTRATION,
            uploaded_file=upload(path.read_bytes(), path.name),
            actor=user,
        )
    document.refresh_from_db()
    return document


def test_the_corpus_has_at_least_fifteen_hostile_files():
    assert len(CORPUS) >= 15
    assert sum(1 for _p, (outcome, _w) in CORPUS if outcome == "refused") >= 15


@pytest.mark.parametrize(("path", "expected"), CORPUS, ids=[p.name for p, _e in CORPUS])
def test_each_hostile_file_is_refused_with_a_reason_or_sanitised(path, expected, django_capture_on_commit_callbacks):
    seller, user = seller_with_member()
    original = path.read_bytes()
    # when
    document = _process(seller, user, path, django_capture_on_commit_callbacks)
    # then
    outcome, words = expected
    assert document.quarantine_name == ""
    stored = _stored_files()
    assert all(p.read_bytes() != original for p in stored), "a file was stored exactly as uploaded"
    assert not any("quarantine" in str(p) for p in stored)
    if outcome == "refused":
        assert document.status == Document.Status.REJECTED
        assert words.lower() in document.rejection_reason.lower()
        assert document.stored_name == "" and stored == []
        assert AuditEvent.objects.filter(action="seller.document.rejected", target_id=str(document.pk)).exists()
    else:
        assert document.status == Document.Status.ACCEPTED, document.rejection_reason
        assert document.content_type == words
        assert len(document.sha256) == 64
        assert document.stored_name.startswith(f"documents/{seller.pk}/")
        assert path.stem not in document.stored_name  # generated name, never the client's


def test_gps_exif_is_gone_from_the_stored_copy(django_capture_on_commit_callbacks):
    seller, user = seller_with_member()
    path = next(p for p, _e in CORPUS if p.name == "gps-exif.jpg")
    assert Image.open(path).getexif().get_ifd(0x8825)  # the upload carries a location
    document = _process(seller, user, path, django_capture_on_commit_callbacks)
    stored = (Path(settings.MEDIA_ROOT) / document.stored_name).read_bytes()
    image = Image.open(io.BytesIO(stored))
    assert not image.getexif()
    assert b"Exif" not in stored and b"PhoneMaker" not in stored


def test_trailing_bytes_after_an_image_are_dropped(django_capture_on_commit_callbacks):
    seller, user = seller_with_member()
    path = next(p for p, _e in CORPUS if p.name == "polyglot-png-html.png")
    document = _process(seller, user, path, django_capture_on_commit_callbacks)
    stored = (Path(settings.MEDIA_ROOT) / document.stored_name).read_bytes()
    assert b"<script" not in stored and stored.endswith(b"IEND\xaeB`\x82")


def test_trailing_payload_after_a_pdf_is_dropped(django_capture_on_commit_callbacks):
    seller, user = seller_with_member()
    path = next(p for p, _e in CORPUS if p.name == "trailing-payload.pdf")
    document = _process(seller, user, path, django_capture_on_commit_callbacks)
    assert b"<script" not in (Path(settings.MEDIA_ROOT) / document.stored_name).read_bytes()


def test_accepted_images_get_a_thumbnail_phash_and_fingerprint(django_capture_on_commit_callbacks):
    seller, user = seller_with_member()
    with django_capture_on_commit_callbacks(execute=True):
        document = document_upload(
            seller=seller, kind=Document.Kind.ID_DOCUMENT, uploaded_file=upload(jpeg_bytes(3)), actor=user
        )
    document.refresh_from_db()
    assert document.phash is not None
    thumb = Image.open(Path(settings.MEDIA_ROOT) / document.thumbnail_name)
    assert max(thumb.size) <= 320
    assert ImageFingerprint.objects.filter(
        object_type="sellers.document", object_id=str(document.pk), owner_key=f"seller:{seller.pk}"
    ).exists()


def test_processing_twice_changes_nothing(django_capture_on_commit_callbacks):
    seller, user = seller_with_member()
    with django_capture_on_commit_callbacks(execute=True):
        document = document_upload(seller=seller, kind="tax_document", uploaded_file=upload(jpeg_bytes(4)), actor=user)
    events = AuditEvent.objects.count()
    again = document_process(document_id=document.pk)
    assert again.status == Document.Status.ACCEPTED
    assert AuditEvent.objects.count() == events
    assert ImageFingerprint.objects.filter(object_id=str(document.pk)).count() == 1


def test_a_provider_check_plugs_in_without_touching_the_workflow(django_capture_on_commit_callbacks):
    def antivirus(*, data: bytes, content_type: str) -> None:
        if b"EICAR" in data:
            raise Refused("Our virus scanner found malware in the file.")

    register_check(antivirus)
    try:
        seller, user = seller_with_member()
        infected = jpeg_bytes(5) + b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE"
        with django_capture_on_commit_callbacks(execute=True):
            document = document_upload(seller=seller, kind="tax_document", uploaded_file=upload(infected), actor=user)
        document.refresh_from_db()
        assert document.status == Document.Status.REJECTED
        assert document.rejection_reason == "Our virus scanner found malware in the file."
    finally:
        unregister_check(antivirus)


@pytest.mark.parametrize("name", ["page.html.jpg", "javascript-openaction.pdf", "bomb-100mp.png", "empty.jpg"])
def test_hostile_uploads_through_the_wizard_never_cause_a_500(client, name, django_capture_on_commit_callbacks):
    from sellers.models import Seller

    seller, user = seller_with_member(status=Seller.Status.ONBOARDING)
    Application.objects.create(seller=seller)
    client.force_login(user)
    path = next(p for p, _e in CORPUS if p.name == name)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("sellers:wizard-step", args=["documents"]),
            {"business_registration": upload(path.read_bytes(), name, "image/jpeg"), "action": "exit"},
        )
    assert response.status_code in (302, 400)
    status = client.get(reverse("sellers:status"))
    assert status.status_code == 200
    document = Document.objects.filter(seller=seller).first()
    if document is not None:
        assert document.status == Document.Status.REJECTED
        assert document.rejection_reason in status.content.decode().replace("&#x27;", "'")


def refuse_everything(*, data: bytes, content_type: str) -> None:
    raise Refused("The provider could not verify this file.")


def test_a_check_can_be_configured_by_dotted_path(settings, django_capture_on_commit_callbacks):
    settings.HALLMARK_DOCUMENT_CHECKS = ["tests.sellers.test_document_pipeline.refuse_everything"]
    seller, user = seller_with_member()
    with django_capture_on_commit_callbacks(execute=True):
        document = document_upload(seller=seller, kind="tax_document", uploaded_file=upload(jpeg_bytes(6)), actor=user)
    document.refresh_from_db()
    assert document.rejection_reason == "The provider could not verify this file."
