"""The console: two-factor log-in, lock-outs, and the auditor who can change nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from portal.audit.models import AuditEvent
from portal.models import AuditorAccess
from portal.roles import HIDDEN_FROM_ROLES, Role
from tests.factories import TEST_PASSWORD, UserFactory, staff, totp_device
from tests.helpers import current_totp, login_staff, recorded

pytestmark = pytest.mark.django_db


def _auditor():
    user = staff(Role.AUDITOR)
    now = timezone.now()
    AuditorAccess.objects.create(
        user=user, firm="Example Assurance", starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=30)
    )
    return user


def test_staff_sign_in_needs_the_current_totp_code(client):
    officer = staff(Role.VETTING_OFFICER)
    device = totp_device(officer)
    url = reverse("admin:login")
    # without a code
    response = client.post(url, {"username": officer.username, "password": TEST_PASSWORD})
    assert response.status_code == 200
    assert b"Enter the code from your authenticator app" in response.content
    assert client.get(reverse("admin:index")).status_code == 302
    # with a wrong code
    response = client.post(url, {"username": officer.username, "password": TEST_PASSWORD, "otp_token": "000000"})
    assert response.status_code == 200
    assert client.get(reverse("admin:index")).status_code == 302
    # with the right code (once django-otp's back-off after the wrong one has passed)
    device.refresh_from_db()
    device.throttle_reset()
    response = client.post(
        url, {"username": officer.username, "password": TEST_PASSWORD, "otp_token": current_totp(device)}
    )
    assert response.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200
    assert AuditEvent.objects.filter(action="portal.auth.login", actor=officer).exists()


def test_password_alone_does_not_open_the_console(client):
    officer = staff(Role.VETTING_OFFICER)
    client.force_login(officer)  # authenticated, but no second factor
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_two_factor_can_be_switched_off_for_the_embedded_demo(client, settings):
    settings.HALLMARK_STAFF_2FA = False
    officer = staff(Role.VETTING_OFFICER)
    client.force_login(officer)
    assert client.get(reverse("admin:index")).status_code == 200


def test_sellers_cannot_enter_the_console(client):
    seller = UserFactory(role=Role.SELLER_MEMBER)
    login_staff(client, seller)
    assert client.get(reverse("admin:index")).status_code == 302


def test_repeated_failures_lock_the_account_out(client, settings):
    officer = staff(Role.VETTING_OFFICER)
    device = totp_device(officer)
    url = reverse("admin:login")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(url, {"username": officer.username, "password": "wrong-password", "otp_token": "123456"})
    response = client.post(
        url, {"username": officer.username, "password": TEST_PASSWORD, "otp_token": current_totp(device)}
    )
    assert response.status_code == 429
    assert b"Too many failed sign-in attempts" in response.content
    assert AuditEvent.objects.filter(action="portal.auth.login_failed", target_id=officer.username).count() >= 1


def test_auditor_outside_the_access_window_is_refused(client):
    auditor = _auditor()
    auditor.auditor_access.ends_at = timezone.now() - timedelta(minutes=1)
    auditor.auditor_access.starts_at = timezone.now() - timedelta(days=2)
    auditor.auditor_access.save()
    login_staff(client, auditor)
    assert client.get(reverse("admin:index")).status_code == 302


def test_expired_auditors_are_deactivated_with_an_audit_event():
    from portal.services import auditors_expire

    auditor = _auditor()
    assert auditors_expire(now=timezone.now() + timedelta(days=31)) == 1
    auditor.refresh_from_db()
    assert not auditor.is_active
    assert AuditEvent.objects.filter(action="portal.auditor.expired", target_id=str(auditor.pk)).exists()
    assert auditors_expire(now=timezone.now() + timedelta(days=31)) == 0


def _admin_urls(model, model_admin, obj_pk):
    info = (model._meta.app_label, model._meta.model_name)
    urls = {"changelist": reverse("admin:{}_{}_changelist".format(*info))}
    if obj_pk is not None:
        urls["change"] = reverse("admin:{}_{}_change".format(*info), args=[obj_pk])
        urls["delete"] = reverse("admin:{}_{}_delete".format(*info), args=[obj_pk])
        urls["history"] = reverse("admin:{}_{}_history".format(*info), args=[obj_pk])
    urls["add"] = reverse("admin:{}_{}_add".format(*info))
    return urls


def test_auditor_reads_every_admin_page_and_every_write_is_refused(client):
    from django.core.management import call_command

    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115 - some rows in every table
    auditor = _auditor()
    login_staff(client, auditor)
    events_before = AuditEvent.objects.count()
    checked = 0
    for model, model_admin in admin.site._registry.items():
        obj = model._default_manager.order_by("pk").first()
        urls = _admin_urls(model, model_admin, obj.pk if obj is not None else None)
        label = model._meta.label
        if model._meta.label_lower in HIDDEN_FROM_ROLES:
            # Second-factor secrets: not even auditors read them.
            assert client.get(urls["changelist"]).status_code == 403, f"{label} should be hidden"
            continue
        response = client.get(urls["changelist"])
        assert response.status_code == 200, f"{label} changelist: {response.status_code}"
        if obj is not None:
            assert client.get(urls["change"]).status_code == 200, f"{label} detail view"
            assert client.get(urls["history"]).status_code == 200, f"{label} history"
            assert client.post(urls["change"], {}).status_code == 403, f"{label} change POST"
            assert client.post(urls["delete"], {"post": "yes"}).status_code == 403, f"{label} delete POST"
            assert model._default_manager.filter(pk=obj.pk).exists()
            actions = model_admin.get_actions(response.wsgi_request)
            assert actions == {}, f"{label} offers actions to an auditor: {list(actions)}"
            response = client.post(
                urls["changelist"], {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"}
            )
            assert response.status_code == 403, f"{label} admin action"
        assert client.get(urls["add"]).status_code == 403, f"{label} add view"
        assert client.post(urls["add"], {}).status_code == 403, f"{label} add POST"
        checked += 1
    assert checked >= 8
    # No write went through: only read-side events could have been added (none here).
    assert AuditEvent.objects.count() == events_before


def test_audit_events_are_read_only_even_for_superusers(client):
    admin_user = UserFactory(is_staff=True, is_superuser=True)
    login_staff(client, admin_user)
    from portal import audit

    event = recorded(action=audit.PortalAction.USER_CHANGED, actor=admin_user, target=admin_user)
    assert client.get(reverse("admin:portal_auditevent_add")).status_code == 403
    assert client.post(reverse("admin:portal_auditevent_change", args=[event.pk]), {"reason": "x"}).status_code == 403
    assert client.post(reverse("admin:portal_auditevent_delete", args=[event.pk]), {"post": "yes"}).status_code == 403
    event.refresh_from_db()
    assert event.reason == ""


def test_object_history_shows_its_audit_events(client):
    admin_user = UserFactory(is_staff=True, is_superuser=True)
    login_staff(client, admin_user)
    from portal import audit

    target = UserFactory()
    audit.record(action=audit.PortalAction.USER_CHANGED, actor=admin_user, target=target, reason="fixed the e-mail")
    response = client.get(reverse("admin:portal_user_history", args=[target.pk]))
    assert response.status_code == 200
    assert b"portal.user.changed" in response.content
    assert b"fixed the e-mail" in response.content


def test_console_user_edits_are_audited(client):
    admin_user = UserFactory(is_staff=True, is_superuser=True)
    login_staff(client, admin_user)
    target = UserFactory(email="old@example.com")
    response = client.get(reverse("admin:portal_user_change", args=[target.pk]))
    form = response.context["adminform"].form
    data = {
        k: v for k, v in form.initial.items() if v is not None and k not in {"password", "groups", "user_permissions"}
    }
    data.update({"email": "new@example.com", "date_joined_0": "2026-01-01", "date_joined_1": "10:00:00"})
    data["is_active"] = "on"
    data.pop("last_login", None)
    response = client.post(reverse("admin:portal_user_change", args=[target.pk]), data)
    assert response.status_code == 302, response.content[:2000]
    event = AuditEvent.objects.filter(action="portal.user.changed", target_id=str(target.pk)).get()
    assert event.changes["email"] == {"before": "old@example.com", "after": "new@example.com"}
    assert event.actor_id == admin_user.pk


def test_an_expired_auditors_api_key_stops_working(client):
    from portal import services
    from portal.api_auth import Scope

    auditor = _auditor()
    key, full = services.api_key_create(name="auditor key", scopes=[Scope.AUDIT_READ], actor=None, owner=auditor)
    url = reverse("api:audit-events")
    assert client.get(url, HTTP_AUTHORIZATION=f"Bearer {full}").status_code == 200

    # deactivated by hand: the key is refused at once
    auditor.is_active = False
    auditor.save(update_fields=["is_active"])
    assert client.get(url, HTTP_AUTHORIZATION=f"Bearer {full}").status_code == 401
    auditor.is_active = True
    auditor.save(update_fields=["is_active"])

    # the window ends: the sweep deactivates the auditor and revokes the key
    services.auditors_expire(now=timezone.now() + timedelta(days=31))
    key.refresh_from_db()
    assert key.revoked_at is not None
    response = client.get(url, HTTP_AUTHORIZATION=f"Bearer {full}")
    assert response.status_code == 401 and "revoked" in response.json()["detail"]
    assert AuditEvent.objects.filter(action="portal.api_key.revoked", target_id=str(key.pk)).exists()


def test_an_access_window_is_only_for_auditors(client):
    admin_user = UserFactory(is_staff=True, is_superuser=True)
    login_staff(client, admin_user)
    moderator = staff(Role.MODERATOR)
    response = client.post(
        reverse("admin:portal_auditoraccess_add"),
        {
            "user": moderator.pk,
            "firm": "Example Assurance",
            "starts_at_0": "2026-11-01",
            "starts_at_1": "00:00:00",
            "ends_at_0": "2026-12-01",
            "ends_at_1": "00:00:00",
        },
    )
    assert response.status_code == 200
    assert "only auditors get an access window" in response.content.decode()
    assert not AuditorAccess.objects.filter(user=moderator).exists()


def test_a_password_set_in_the_console_is_an_audit_event(client):
    admin_user = UserFactory(is_staff=True, is_superuser=True)
    target = UserFactory()
    login_staff(client, admin_user)
    url = reverse("admin:auth_user_password_change", args=[target.pk])
    new = "a-new-Pass-phrase-2026!"
    response = client.post(url, {"password1": new, "password2": new, "usable_password": "true"})
    assert response.status_code == 302, response.content[:500]
    target.refresh_from_db()
    assert target.check_password(new)
    event = AuditEvent.objects.filter(target_type="portal.user", target_id=str(target.pk)).latest("seq")
    assert event.actor == admin_user and event.changes == {"password": {"before": "…", "after": "changed"}}
    # a refused form changes nothing and records nothing
    before = AuditEvent.objects.count()
    assert client.post(url, {"password1": "x", "password2": "y"}).status_code == 200
    assert AuditEvent.objects.count() == before
