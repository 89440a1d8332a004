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
