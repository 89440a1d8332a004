"""Documents are served only by the permission-checked view; reuse across sellers is flagged."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.audit.models import AuditEvent
from portal.models import AuditorAccess
from portal.roles import Role
from sellers.models import Document
from sellers.services.documents import document_reuse_flags, document_upload
from tests.factories import staff
from tests.helpers import login_staff
from tests.sellers.factories import seller_with_member
from tests.sellers.onboarding_helpers import jpeg_bytes, pdf_bytes, upload

pytestmark = pytest.mark.django_db


def _doc(seller, user, data, capture, kind="business_registration"):
    with capture(execute=True):
        document = document_upload(seller=seller, kind=kind, uploaded_file=upload(data), actor=user)
    document.refresh_from_db()
    return document


def test_the_seller_downloads_its_own_document_as_an_attachment(client, django_capture_on_commit_callbacks):
    seller, user = seller_with_member()
    document = _doc(seller, user, pdf_bytes(), django_capture_on_commit_callbacks)
    client.force_login(user)
    response = client.get(reverse("sellers:document-download", args=[document.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert f"business_registration-{document.pk}.pdf" in response["Content-Disposition"]
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_another_seller_gets_404_for_the_download_and_preview(client, django_capture_on_commit_callbacks):
    seller, user = seller_with_member()
    document = _doc(seller, user, jpeg_bytes(), django_capture_on_commit_callbacks)
    _other, intruder = seller_with_member()
    client.force_login(intruder)
    assert client.get(reverse("sellers:document-download", args=[document.pk])).status_code == 404
    assert client.get(reverse("sellers:document-thumbnail", args=[document.pk])).status_code == 404


def test_anonymous_is_sent_to_sign_in(client, django_capture_on_commit_callbacks):
    seller, user = seller_with_member()
    document = _doc(seller, user, jpeg_bytes(), django_capture_on_commit_callbacks)
    response = client.get(reverse("sellers:document-download", args=[document.pk]))
    assert response.status_code == 302 and "login" in response["Location"]


def test_staff_need_their_second_factor_and_view_permission(client, django_capture_on_commit_callbacks):
    seller, user = seller_with_member()
    document = _doc(seller, user, jpeg_bytes(), django_capture_on_commit_callbacks)
    officer = staff(Role.VETTING_OFFICER)
    client.force_login(officer)
    assert client.get(reverse("sellers:document-download", args=[document.pk])).status_code == 404
    login_staff(client, officer)
    assert client.get(reverse("sellers:document-download", args=[document.pk])).status_code == 200
    assert not AuditEvent.objects.filter(action="seller.document.downloaded").exists()


def test_every_auditor_download_is_an_audit_event(client, django_capture_on_commit_callbacks):
    seller, user = seller_with_member()
    document = _doc(seller, user, jpeg_bytes(), django_capture_on_commit_callbacks)
    auditor = staff(Role.AUDITOR)
    now = timezone.now()
    AuditorAccess.objects.create(
        user=auditor, firm="X", starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=1)
    )
    login_staff(client, auditor)
    for _ in range(2):
        assert client.get(reverse("sellers:document-download", args=[document.pk])).status_code == 200
    events = AuditEvent.objects.filter(action="seller.document.downloaded", target_id=str(document.pk))
    assert events.count() == 2 and events.first().actor_id == auditor.pk


def test_processing_and_refused_documents_cannot_be_downloaded(client, django_capture_on_commit_callbacks):
    seller, user = seller_with_member()
    refused = _doc(seller, user, b"<html>hi</html>", django_capture_on_commit_callbacks)
    assert refused.status == Document.Status.REJECTED
    pending = document_upload(seller=seller, kind="tax_document", uploaded_file=upload(jpeg_bytes()), actor=user)
    client.force_login(user)
    for doc in (refused, pending):
        assert client.get(reverse("sellers:document-download", args=[doc.pk])).status_code == 404


def test_the_same_file_from_another_seller_is_flagged(django_capture_on_commit_callbacks):
    seller_a, user_a = seller_with_member()
    seller_b, user_b = seller_with_member()
    data = pdf_bytes(3)
    first = _doc(seller_a, user_a, data, django_capture_on_commit_callbacks)
    second = _doc(seller_b, user_b, data, django_capture_on_commit_callbacks)
    flags = document_reuse_flags(document=second)
    assert [(f.match, f.object_id, f.seller_id) for f in flags] == [("exact", str(first.pk), seller_a.pk)]
    # the seller's own re-upload is not a flag
    own = _doc(seller_b, user_b, data, django_capture_on_commit_callbacks)
    assert all(f.seller_id != seller_b.pk for f in document_reuse_flags(document=own))


def test_a_near_identical_image_from_another_seller_is_flagged(django_capture_on_commit_callbacks):
    seller_a, user_a = seller_with_member()
    seller_b, user_b = seller_with_member()
    original = _doc(seller_a, user_a, jpeg_bytes(7, size=(640, 480)), django_capture_on_commit_callbacks)
    # the same picture, scaled down and re-compressed: different bytes, same look
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.open(io.BytesIO(jpeg_bytes(7, size=(640, 480)))).resize((480, 360)).save(out, "JPEG", quality=70)
    copy = _doc(seller_b, user_b, out.getvalue(), django_capture_on_commit_callbacks)
    assert copy.sha256 != original.sha256
    flags = document_reuse_flags(document=copy)
    assert any(f.match == "similar" and f.object_id == str(original.pk) and f.seller_id == seller_a.pk for f in flags)
    unrelated = _doc(seller_b, user_b, pdf_bytes(), django_capture_on_commit_callbacks)
    assert document_reuse_flags(document=unrelated) == []
