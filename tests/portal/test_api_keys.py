import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from portal import audit, services
from portal.api_auth import Scope
from portal.audit.models import AuditEvent
from portal.errors import DomainError
from portal.models import ApiKey

pytestmark = pytest.mark.django_db


def _auth(key: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def test_create_api_key_prints_the_key_once_and_stores_only_a_hash(capsys):
    call_command("create_api_key", "--name", "marketplace sync", "--scopes", "listings:write,reports:write")
    out = capsys.readouterr().out
    full = out.strip().splitlines()[-1]
    key = ApiKey.objects.get(name="marketplace sync")
    assert full.startswith(f"hm_{key.prefix}_")
    assert full not in key.secret_hash and key.secret_hash != full
    assert key.scopes == ["listings:write", "reports:write"]
    assert AuditEvent.objects.filter(action="portal.api_key.created", target_id=str(key.pk)).exists()


def test_unknown_scope_is_a_clear_error():
    with pytest.raises(CommandError, match="Unknown scope"):
        call_command("create_api_key", "--name", "x", "--scopes", "everything")


def test_bearer_key_authenticates_and_scopes_are_checked(client):
    _, auditor_key = services.api_key_create(name="auditor", scopes=[Scope.AUDIT_READ], actor=None)
    _, other_key = services.api_key_create(name="flagger", scopes=[Scope.REPORTS_WRITE], actor=None)
    url = reverse("api:audit-events")

    assert client.get(url).status_code == 401
    ok = client.get(url, **_auth(auditor_key))
    assert ok.status_code == 200
    assert ok.json()["results"][0]["action"] == "portal.api_key.created"
    refused = client.get(url, **_auth(other_key))
    assert refused.status_code == 403
    assert "audit:read" in refused.json()["detail"]


@pytest.mark.parametrize(
    "header",
    ["Bearer", "Bearer not-a-key", "Token hm_abc_def", "Bearer hm_00000000_nope"],
)
def test_malformed_or_unknown_keys_are_refused(client, header):
    response = client.get(reverse("api:me"), HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json()["detail"]


def test_revoked_key_stops_working_and_the_revocation_is_audited(client):
    key, full = services.api_key_create(name="brand owner", scopes=[Scope.AUTHORIZATIONS_READ], actor=None)
    assert client.get(reverse("api:me"), **_auth(full)).json() == {
        "name": "brand owner",
        "scopes": ["authorizations:read"],
    }
    services.api_key_revoke(api_key=key, actor=None, reason="contract ended")
    response = client.get(reverse("api:me"), **_auth(full))
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]
    assert AuditEvent.objects.filter(action=audit.PortalAction.API_KEY_REVOKED, reason="contract ended").exists()


def test_audit_events_api_pages_by_cursor_and_filters(client):
    _, full = services.api_key_create(name="auditor", scopes=[Scope.AUDIT_READ], actor=None)
    keys = [services.api_key_create(name=f"k{i}", scopes=[Scope.REPORTS_WRITE], actor=None)[0] for i in range(5)]
    first = client.get(reverse("api:audit-events"), {"page_size": 2}, **_auth(full)).json()
    assert [e["seq"] for e in first["results"]] == [1, 2]
    second = client.get(first["next"], **_auth(full)).json()
    assert [e["seq"] for e in second["results"]] == [3, 4]
    filtered = client.get(
        reverse("api:audit-events"), {"action": "portal.api_key.created", "target_id": str(keys[2].pk)}, **_auth(full)
    ).json()
    assert [e["target_display"] for e in filtered["results"]] == [str(keys[2])]


def test_openapi_schema_and_docs_are_served(client):
    schema = client.get(reverse("api:schema"))
    assert schema.status_code == 200
    assert b"/api/v1/audit-events" in schema.content
    assert client.get(reverse("api:docs")).status_code == 200


def test_console_creates_a_key_shown_once_and_revokes_it(client):
    from tests.factories import UserFactory
    from tests.helpers import login_staff

    admin_user = UserFactory(is_staff=True, is_superuser=True)
    login_staff(client, admin_user)
    response = client.post(
        reverse("admin:portal_apikey_add"), {"name": "brand sync", "scopes": [Scope.AUTHORIZATIONS_READ]}, follow=True
    )
    shown = [str(m) for m in response.context["messages"]]
    key = ApiKey.objects.get(name="brand sync")
    full = next(word for message in shown for word in message.split() if word.startswith(f"hm_{key.prefix}_"))
    assert client.get(reverse("api:me"), **_auth(full)).status_code == 200

    response = client.post(
        reverse("admin:portal_apikey_changelist"), {"action": "revoke_keys", "_selected_action": [key.pk]}
    )
    assert response.status_code == 302
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert client.get(reverse("api:me"), **_auth(full)).status_code == 401
    assert AuditEvent.objects.filter(action="portal.api_key.revoked", actor=admin_user).exists()


def test_a_key_for_a_deactivated_owner_is_refused():
    from tests.factories import UserFactory

    gone = UserFactory(is_active=False)
    with pytest.raises(DomainError, match="deactivated") as refused:
        services.api_key_create(name="old auditor", scopes=[Scope.AUDIT_READ], actor=None, owner=gone)
    assert refused.value.field == "owner"
    assert not ApiKey.objects.exists()


def test_console_shows_a_refused_key_on_the_form_and_saves_nothing(client):
    from django.contrib.admin.models import LogEntry

    from tests.factories import UserFactory
    from tests.helpers import login_staff

    # given an officer in the console, and a deactivated account to own the key
    admin_user = UserFactory(is_staff=True, is_superuser=True)
    login_staff(client, admin_user)
    gone = UserFactory(is_active=False)
    events = AuditEvent.objects.count()

    # when the form is valid but the service refuses the owner
    response = client.post(
        reverse("admin:portal_apikey_add"),
        {"name": "old auditor", "scopes": [Scope.AUDIT_READ], "owner": gone.pk},
    )

    # then the add page comes back with the service's reason next to the owner field
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors["owner"] == [f"{gone.username} is deactivated; a key they own would be refused from the start."]
    assert form["name"].value() == "old auditor"
    # and nothing was written: no key, no audit event, no console log entry, no key shown
    assert not ApiKey.objects.exists()
    assert AuditEvent.objects.count() == events
    assert not LogEntry.objects.exists()
    assert not [m for m in response.context["messages"] if "Copy this key" in str(m)]


@pytest.mark.parametrize("actor", ["99999999999999999999999", "-1", "abc", "1.5"])
def test_audit_events_api_rejects_bad_ids_with_a_400(client, actor):
    _, full = services.api_key_create(name="auditor", scopes=[Scope.AUDIT_READ], actor=None)
    response = client.get(reverse("api:audit-events"), {"actor": actor}, **_auth(full))
    assert response.status_code == 400
    assert "actor" in response.json()


@pytest.mark.parametrize("since", ["0441-08-22T00:53:00+17:40", "0001-01-01T00:00:00+05:00", "2026-11-24T10:00:00Z"])
def test_audit_events_api_takes_any_offset_without_a_server_error(client, since):
    # PostgreSQL refuses offsets beyond ±15:59; the filter normalises to UTC first.
    _, full = services.api_key_create(name="auditor", scopes=[Scope.AUDIT_READ], actor=None)
    response = client.get(reverse("api:audit-events"), {"since": since}, **_auth(full))
    assert response.status_code in (200, 400)
    if response.status_code == 400:
        assert "since" in response.json()
