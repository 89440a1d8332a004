"""A real Celery worker on Redis sends an outbox notification (services run of CI)."""

from __future__ import annotations

import time

import pytest

from portal.models import Notification
from portal.notifications import notify
from tests.factories import UserFactory
from tests.workers import Worker

pytestmark = [pytest.mark.celery_worker, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_real_worker_sends_an_outbox_notification(tmp_path):
    worker = Worker(tmp_path)
    try:
        user = UserFactory()
        row = notify(
            kind="test.worker",
            to_email=user.email,
            subject="Sent by the worker",
            template="emails/plain.txt",
            context={"body": "hello from the queue"},
            target=user,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            row.refresh_from_db()
            if row.status != Notification.Status.PENDING:
                break
            time.sleep(0.2)
    finally:
        worker.stop()
    assert row.status == Notification.Status.SENT, row.last_error
    assert row.attempts == 1
    sent = list((worker.var_dir / "mail").glob("*.log"))
    assert sent and "hello from the queue" in sent[0].read_text()


def test_real_worker_walks_the_audit_chain_queued_by_the_page(tmp_path):
    from portal import audit
    from portal.audit.models import AuditVerification
    from portal.audit.verification import verification_request

    worker = Worker(tmp_path)
    try:
        for _ in range(5):
            audit.record(action=audit.PortalAction.USER_CHANGED, actor=None, target=UserFactory())
        walk = verification_request()  # committed at once here (no surrounding transaction): the task is sent
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            walk.refresh_from_db()
            if walk.status in (AuditVerification.Status.DONE, AuditVerification.Status.FAILED):
                break
            time.sleep(0.2)
    finally:
        worker.stop()
    assert (walk.status, walk.ok, walk.error) == ("done", True, "")
    assert walk.count == walk.last_seq >= 5
