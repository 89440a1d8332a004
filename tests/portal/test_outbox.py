from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from portal.models import Notification
from portal.notifications import notify
from portal.tasks import send_notification, sweep_outbox
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _notify(user):
    return notify(
        kind="test.hello",
        to_email=user.email,
        subject="Hello",
        template="emails/plain.txt",
        context={"body": "Your application was received."},
        target=user,
    )


def test_notification_is_sent_after_commit(django_capture_on_commit_callbacks):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        row = _notify(user)
        assert mail.outbox == []  # nothing leaves before the transaction commits
    assert len(callbacks) == 1
    row.refresh_from_db()
    assert row.status == Notification.Status.SENT
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [user.email]
    assert "Your application was received." in mail.outbox[0].body


def test_rolled_back_change_leaves_no_notification(django_capture_on_commit_callbacks):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        _notify(user)
        raise RuntimeError("the change failed")
    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_sending_twice_sends_once(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        row = _notify(UserFactory())
    assert send_notification(notification_id=row.pk) == "sent"
    assert send_notification(notification_id=row.pk) == "sent"
    assert len(mail.outbox) == 1


def test_sweep_resends_what_the_broker_never_delivered(django_capture_on_commit_callbacks):
    # given: the row was written but its task was lost (callbacks not executed)
    with django_capture_on_commit_callbacks(execute=False):
        row = _notify(UserFactory())
    Notification.objects.filter(pk=row.pk).update(created_at=timezone.now() - timedelta(minutes=10))
    # when
    assert sweep_outbox() == 1
    # then
    row.refresh_from_db()
    assert row.status == Notification.Status.SENT
    assert len(mail.outbox) == 1
    assert sweep_outbox() == 0


def test_a_failing_mail_server_keeps_the_row_pending_then_failed(settings, django_capture_on_commit_callbacks):
    # An SMTP server on a closed loopback port refuses every connection.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    with django_capture_on_commit_callbacks(execute=False):
        row = _notify(UserFactory())
    assert send_notification(notification_id=row.pk) == "retry"
    row.refresh_from_db()
    assert row.status == Notification.Status.PENDING and row.attempts == 1 and row.last_error
    Notification.objects.filter(pk=row.pk).update(attempts=Notification.MAX_ATTEMPTS - 1)
    send_notification(notification_id=row.pk)
    row.refresh_from_db()
    assert row.status == Notification.Status.FAILED


def test_a_dead_broker_does_not_fail_the_request_and_the_sweep_recovers(settings, django_capture_on_commit_callbacks):
    from portal.celery import app

    app.conf.task_always_eager = False
    previous = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:9/0"
    try:
        with django_capture_on_commit_callbacks(execute=True):
            row = _notify(UserFactory())  # enqueue fails after commit, logged, not raised
    finally:
        app.conf.broker_url = previous
        app.conf.task_always_eager = True
    row.refresh_from_db()
    assert row.status == Notification.Status.PENDING
    Notification.objects.filter(pk=row.pk).update(created_at=timezone.now() - timedelta(minutes=10))
    assert sweep_outbox() == 1
    row.refresh_from_db()
    assert row.status == Notification.Status.SENT
