"""Log-in lock-outs, API rate limits and idle-session expiry."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from portal import services
from portal.api_auth import ApiKeyRateThrottle, Scope
from portal.roles import Role
from tests.factories import TEST_PASSWORD, UserFactory, staff
from tests.helpers import login_staff

pytestmark = pytest.mark.django_db


def test_seller_sign_in_locks_out_after_repeated_failures(client, settings):
    seller = UserFactory(role=Role.SELLER_MEMBER)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = client.post(reverse("login"), {"username": seller.username, "password": "wrong-password-123"})
        assert response.status_code in (200, 429)
    response = client.post(reverse("login"), {"username": seller.username, "password": TEST_PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_lockout_is_per_account_and_address_not_global(client, settings):
    victim = UserFactory(role=Role.SELLER_MEMBER)
    other = UserFactory(role=Role.SELLER_MEMBER)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": victim.username, "password": "wrong-password-123"})
    response = client.post(reverse("login"), {"username": other.username, "password": TEST_PASSWORD})
    assert response.status_code == 302


def test_api_key_rate_limit_answers_429_with_retry_after(client, monkeypatch):
    monkeypatch.setattr(ApiKeyRateThrottle, "THROTTLE_RATES", {"api_key": "3/min"})
    _, full = services.api_key_create(name="noisy", scopes=[Scope.REPORTS_WRITE], actor=None)
    codes = [client.get(reverse("api:me"), HTTP_AUTHORIZATION=f"Bearer {full}").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    response = client.get(reverse("api:me"), HTTP_AUTHORIZATION=f"Bearer {full}")
    assert int(response.headers["Retry-After"]) > 0


def test_idle_staff_session_expires(client):
    officer = staff(Role.VETTING_OFFICER)
    login_staff(client, officer)
    assert client.get(reverse("admin:index")).status_code == 200
    # An hour of idleness passes: the session's expiry (renewed on every request) is behind us.
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_every_request_renews_the_idle_timeout(client, settings):
    officer = staff(Role.VETTING_OFFICER)
    login_staff(client, officer)
    client.get(reverse("admin:index"))
    first = Session.objects.get(session_key=client.session.session_key).expire_date
    Session.objects.filter(session_key=client.session.session_key).update(expire_date=first - timedelta(minutes=30))
    client.get(reverse("admin:index"))
    renewed = Session.objects.get(session_key=client.session.session_key).expire_date
    assert renewed > first - timedelta(minutes=1)
    assert settings.SESSION_SAVE_EVERY_REQUEST
