"""The sweep expires rights the day after ``valid_until``, warns 30 and 7 days ahead, and says why."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from portal.audit.models import AuditEvent
from portal.models import Notification
from sellers import signals
from sellers.models import BrandAuthorization
from sellers.selectors import may_list
from sellers.services.brands import authorization_expire, authorization_remind_expiry, authorizations_due
from sellers.tasks.brands import authorization_sweep
from tests.sellers.factories import BrandAuthorizationFactory

pytestmark = pytest.mark.django_db
S = BrandAuthorization.Status


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def ended():
    received = []

    def receiver(sender, **kwargs):
        received.append(kwargs)

    signals.authorization_ended.connect(receiver)
    yield received
    signals.authorization_ended.disconnect(receiver)


def _authz(valid_until, **kwargs):
    return BrandAuthorizationFactory(
        basis=BrandAuthorization.Basis.LOA_FIRST_LEVEL,
        valid_from=valid_until - timedelta(days=365),
        valid_until=valid_until,
        **kwargs,
    )


def test_last_valid_day_is_kept_and_the_day_after_expires(today, ended, django_capture_on_commit_callbacks):
    last_day_today = _authz(today)
    ended_yesterday = _authz(today - timedelta(days=1))

    with django_capture_on_commit_callbacks(execute=True):
        result = authorization_sweep.apply().get()

    assert result["expired"] == 1
    last_day_today.refresh_from_db()
    ended_yesterday.refresh_from_db()
    assert last_day_today.status == S.APPROVED
    assert ended_yesterday.status == S.EXPIRED and ended_yesterday.ended_at
    event = AuditEvent.objects.get(action="seller.authorization.expired", target_id=str(ended_yesterday.pk))
    assert event.actor_role == "system" and str(ended_yesterday.valid_until) in event.reason
    assert [e["authorization"].pk for e in ended] == [ended_yesterday.pk]
    assert ended[0]["actor"] is None and "ended" in ended[0]["reason"]
    expiry_mail = [m for m in mail.outbox if "expired" in m.subject]
    assert len(expiry_mail) == 1 and expiry_mail[0].to == [ended_yesterday.seller.contact_email]
    answer = may_list(seller=ended_yesterday.seller, brand=ended_yesterday.brand)
    assert not answer.allowed and "expired" in answer.reason


def test_sweep_is_idempotent(today, ended, django_capture_on_commit_callbacks):
    _authz(today - timedelta(days=3))
    with django_capture_on_commit_callbacks(execute=True):
        authorization_sweep.apply()
        authorization_sweep.apply()
    assert AuditEvent.objects.filter(action="seller.authorization.expired").count() == 1
    assert len(ended) == 1


def test_expire_leaves_revoked_and_current_rights_alone(today):
    revoked = _authz(today - timedelta(days=3), status=S.REVOKED)
    current = _authz(today + timedelta(days=3))
    assert authorization_expire(authorization=revoked) is None
    assert authorization_expire(authorization=current) is None
    revoked.refresh_from_db()
    assert revoked.status == S.REVOKED


@pytest.mark.parametrize(
    ("days_left", "expected"),
    [(31, []), (30, [30]), (8, [30]), (7, [7]), (0, [7]), (-1, [])],
)
def test_reminders_are_due_30_and_7_days_ahead(today, days_left, expected):
    authz = _authz(today + timedelta(days=days_left))
    due = authorizations_due(today=today)
    got = [days for days, ids in ((30, due.remind_30), (7, due.remind_7)) if authz.pk in ids]
    assert got == expected


def test_each_reminder_is_sent_once_and_says_the_date(today, django_capture_on_commit_callbacks):
    authz = _authz(today + timedelta(days=30))
    with django_capture_on_commit_callbacks(execute=True):
        assert authorization_sweep.apply().get()["reminded_30"] == 1
        assert authorization_sweep.apply().get()["reminded_30"] == 0
    authz.refresh_from_db()
    assert authz.reminded_30_at and authz.reminded_7_at is None
    assert len(mail.outbox) == 1
    assert authz.valid_until.isoformat() in mail.outbox[0].subject
    assert "30 days" in mail.outbox[0].body

    later = today + timedelta(days=23)
    with django_capture_on_commit_callbacks(execute=True):
        assert authorization_remind_expiry(authorization=authz, days=7, today=later) is not None
        assert authorization_remind_expiry(authorization=authz, days=7, today=later) is None
    assert AuditEvent.objects.filter(action="seller.authorization.expiry_reminded").count() == 2
    assert Notification.objects.filter(kind="brand_authorization.reminder_7").count() == 1


def test_a_right_with_five_days_left_gets_only_the_seven_day_warning(today):
    authz = _authz(today + timedelta(days=5))
    authorization_remind_expiry(authorization=authz, days=7, today=today)
    authz.refresh_from_db()
    assert authz.reminded_7_at and authz.reminded_30_at
    assert authz.pk not in authorizations_due(today=today).remind_30
