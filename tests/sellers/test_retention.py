"""Retention: 6 months after the relationship ends, KYB data and documents go; the audit chain still verifies."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from portal import audit
from portal.audit.models import AuditEvent
from portal.models import ImageFingerprint
from portal.roles import Role
from sellers.models import Application, Document, Seller
from sellers.services import onboarding as services
from sellers.services.seller import seller_terminate
from tests.factories import staff
from tests.sellers.factories import seller_with_member
from tests.sellers.onboarding_helpers import complete_application

pytestmark = pytest.mark.django_db


@pytest.fixture
def former_seller(django_capture_on_commit_callbacks):
    seller, user = seller_with_member(status=Seller.Status.ONBOARDING)
    Application.objects.create(seller=seller)
    with django_capture_on_commit_callbacks(execute=True):
        application = complete_application(seller, user)
        services.application_submit(application=application, actor=user)
    seller_terminate(seller=seller, actor=staff(Role.SENIOR_MODERATOR), reason="Counterfeits.")
    seller.refresh_from_db()
    return seller


def _files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_nothing_is_deleted_before_six_months(former_seller):
    assert services.retention_sweep(now=timezone.now() + timedelta(days=180)) == 0
    assert Document.objects.filter(seller=former_seller).count() == 4 and _files()


def test_after_six_months_kyb_data_and_files_are_deleted_and_the_chain_verifies(former_seller):
    assert _files()
    payload_events = AuditEvent.objects.filter(target_type="sellers.application").count()
    assert payload_events
    # when
    assert services.retention_sweep(now=timezone.now() + timedelta(days=184)) == 1
    # then
    former_seller.refresh_from_db()
    assert former_seller.kyb_deleted_at is not None and former_seller.contact_email == ""
    assert not Document.objects.filter(seller=former_seller).exists()
    assert _files() == []
    assert not ImageFingerprint.objects.filter(owner_key=f"seller:{former_seller.pk}").exists()
    application = former_seller.applications.get()
    assert application.data == {} and application.snapshot == {} and application.payment_account_ciphertext == ""
    redacted = AuditEvent.objects.filter(target_type="sellers.application", redacted_at__isnull=False)
    assert redacted.count() == payload_events
    assert all(e.changes is None for e in redacted)
    assert AuditEvent.objects.filter(action="seller.seller.kyb_deleted", target_id=str(former_seller.pk)).exists()
    result = audit.verify_chain()
    assert result.ok, result.problem
    assert result.redacted >= payload_events
    # idempotent
    assert services.retention_sweep(now=timezone.now() + timedelta(days=200)) == 0


def test_uploads_are_refused_after_deletion(former_seller):
    from portal.errors import DomainError
    from sellers.services.documents import document_upload
    from tests.sellers.onboarding_helpers import jpeg_bytes, upload

    services.retention_sweep(now=timezone.now() + timedelta(days=184))
    former_seller.refresh_from_db()
    with pytest.raises(DomainError):
        document_upload(seller=former_seller, kind="other", uploaded_file=upload(jpeg_bytes()), actor=None)
