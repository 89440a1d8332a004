"""Second factors and lock-outs changed in the console are audited, never with their secrets."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.audit.models import AuditEvent
from portal.roles import Role
from tests.factories import UserFactory, staff
from tests.helpers import login_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    login_staff(client, UserFactory(is_staff=True, is_superuser=True))
    return client


def _initial(client, url) -> dict:
    """What the browser would send back: every field's current value, and empty inline management forms."""
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if getattr(field.widget, "input_type", "") == "checkbox":
            if value:
                data[name] = "on"
        elif value is not None:
            data[name] = value
        if field.show_hidden_initial and value is not None:  # as the page's hidden "initial-" inputs send it
            data[f"initial-{name}"] = value
    for inline in page.context["inline_admin_formsets"]:
        prefix = inline.formset.prefix
        data |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": str(inline.formset.initial_form_count())}
    return data


def _events(user, action):
    return AuditEvent.objects.filter(action=action, target_type="portal.user", target_id=str(user.pk))


def test_an_authenticator_added_changed_and_removed_for_someone_else_is_on_their_trail(admin_client):
    officer = staff(Role.VETTING_OFFICER)
    add = reverse("admin:otp_totp_totpdevice_add")
    data = {**_initial(admin_client, add), "user": str(officer.pk), "name": "phone", "confirmed": "on"}
    assert admin_client.post(add, data).status_code == 302
    device = TOTPDevice.objects.get(user=officer, name="phone")
    (added,) = _events(officer, "portal.otp.device_added")
    assert added.changes["device"] == f"otp_totp.totpdevice#{device.pk} (phone)"
    assert added.changes["confirmed"] is True
    assert device.key not in str(added.changes)  # the secret never enters the trail

    change = reverse("admin:otp_totp_totpdevice_change", args=[device.pk])
    unchanged = _initial(admin_client, change)
    assert admin_client.post(change, unchanged).status_code == 302
    assert not _events(officer, "portal.otp.device_changed").exists()  # nothing changed, nothing recorded
    assert admin_client.post(change, {**unchanged, "name": "new phone"}).status_code == 302
    (changed,) = _events(officer, "portal.otp.device_changed")
    assert changed.changes["fields"] == ["name"]

    delete = reverse("admin:otp_totp_totpdevice_delete", args=[device.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 302
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()
    assert _events(officer, "portal.otp.device_removed").count() == 1


def test_backup_codes_added_in_the_console_are_counted_not_recorded(admin_client):
    moderator = staff(Role.MODERATOR)
    device = StaticDevice.objects.create(user=moderator, name="backup")
    change = reverse("admin:otp_static_staticdevice_change", args=[device.pk])
    data = _initial(admin_client, change)
    prefix = next(k for k in data if k.endswith("-TOTAL_FORMS")).removesuffix("-TOTAL_FORMS")
    data |= {f"{prefix}-TOTAL_FORMS": "2", f"{prefix}-0-token": "code-one-111", f"{prefix}-1-token": "code-two-222"}
    assert admin_client.post(change, data).status_code == 302
    assert StaticToken.objects.filter(device=device).count() == 2
    (event,) = _events(moderator, "portal.otp.device_changed")
    assert event.changes["backup_codes"] == {"added": 2, "changed": 0, "removed": 0}
    assert "code-one-111" not in str(event.changes)


def test_resetting_a_lock_out_in_the_console_is_on_the_accounts_trail(admin_client):
    from axes.models import AccessAttempt

    def attempt(username, ip):
        return AccessAttempt.objects.create(
            username=username, ip_address=ip, user_agent="test", failures_since_start=5, get_data="", post_data=""
        )

    one, two, three = attempt("olivia", "192.0.2.1"), attempt("olivia", "192.0.2.2"), attempt("max", "192.0.2.3")
    delete = reverse("admin:axes_accessattempt_delete", args=[one.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 302
    changelist = reverse("admin:axes_accessattempt_changelist")
    bulk = {"action": "delete_selected", "_selected_action": [two.pk, three.pk], "post": "yes"}
    assert admin_client.post(changelist, bulk).status_code == 302
    assert not AccessAttempt.objects.exists()
    resets = AuditEvent.objects.filter(action="portal.auth.lockout_reset").order_by("seq")
    assert sorted((e.target_id, e.changes["ip"]) for e in resets) == [
        ("max", "192.0.2.3"),
        ("olivia", "192.0.2.1"),
        ("olivia", "192.0.2.2"),
    ]


def test_log_in_history_is_readable_but_never_deleted_in_the_console(admin_client):
    from axes.models import AccessFailureLog, AccessLog

    log = AccessLog.objects.create(username="olivia", ip_address="192.0.2.1", user_agent="test")
    failure = AccessFailureLog.objects.create(username="olivia", ip_address="192.0.2.1", user_agent="test")
    for model, row in ((AccessLog, log), (AccessFailureLog, failure)):
        name = model._meta.model_name
        changelist = admin_client.get(reverse(f"admin:axes_{name}_changelist"))
        assert changelist.status_code == 200
        assert "delete_selected" not in changelist.content.decode()
        assert (
            admin_client.post(reverse(f"admin:axes_{name}_delete", args=[row.pk]), {"post": "yes"}).status_code == 403
        )
        assert model.objects.filter(pk=row.pk).exists()
