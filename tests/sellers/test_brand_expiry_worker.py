"""The expiry sweep on a real Celery worker (services run of CI): the right ends and the seller is told."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from portal.audit.models import AuditEvent
from portal.models import Notification
from sellers.models import BrandAuthorization
from sellers.tasks.brands import authorization_sweep
from tests.sellers.factories import BrandAuthorizationFactory
from tests.workers import Worker

pytestmark = [pytest.mark.celery_worker, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_worker_expires_a_lapsed_right_and_sends_the_notice(tmp_path):
    today = timezone.localdate()
    authz = BrandAuthorizationFactory(
        basis=BrandAuthorization.Basis.LOA_FIRST_LEVEL,
        valid_from=today - timedelta(days=90),
        valid_until=today - timedelta(days=1),
    )
    worker = Worker(tmp_path)
    try:
        authorization_sweep.apply_async()
        deadline = time.monotonic() + 30
        notice = None
        while time.monotonic() < deadline:
            notice = Notification.objects.filter(kind="brand_authorization.expired").first()
            if notice is not None and notice.status != Notification.Status.PENDING:
                break
            time.sleep(0.2)
    finally:
        worker.stop()
    authz.refresh_from_db()
    assert authz.status == BrandAuthorization.Status.EXPIRED
    assert AuditEvent.objects.filter(action="seller.authorization.expired", target_id=str(authz.pk)).count() == 1
    assert notice is not None and notice.status == Notification.Status.SENT, notice and notice.last_error
    assert notice.to_email == authz.seller.contact_email
