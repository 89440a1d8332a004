"""A real Celery worker on Redis sends an outbox notification (services run of CI)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from portal.models import Notification
from portal.notifications import notify
from tests.factories import UserFactory

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]


def _database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or ""
    auth = f"{user}@" if user else ""
    return f"postgres://{auth}{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


@pytest.fixture
def worker(tmp_path):
    if connection.vendor == "sqlite":
        pytest.skip("the worker test shares the database with the worker: run it on PostgreSQL")
    mail_dir = tmp_path / "mail"
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "CELERY_QUEUE": settings.CELERY_TASK_DEFAULT_QUEUE,
        "HALLMARK_VAR_DIR": str(tmp_path / "var"),
    }
    env.pop("EMAIL_HOST", None)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "portal",
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-Q",
            settings.CELERY_TASK_DEFAULT_QUEUE,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    from portal.celery import app

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the Celery worker exited: {proc.stdout.read()}")
        if app.control.ping(timeout=1.0):
            break
    else:
        proc.kill()
        pytest.fail("the Celery worker did not answer a ping within 60 s")
    yield mail_dir
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


def test_real_worker_sends_an_outbox_notification(worker):
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
    assert row.status == Notification.Status.SENT, row.last_error
    assert row.attempts == 1
    sent = list((worker.parent / "var" / "mail").glob("*.log"))
    assert sent and "hello from the queue" in sent[0].read_text()
