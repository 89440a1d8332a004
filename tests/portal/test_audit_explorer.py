"""The audit explorer, one object's timeline and the chain verification page in the console."""

from __future__ import annotations

import pytest
from django.urls import reverse

from portal import audit
from portal.audit.models import AuditEvent
from portal.roles import Role
from tests.factories import UserFactory, staff
from tests.helpers import login_staff, recorded
from tests.portal.audit_seed import auditor, seed_history, tamper

pytestmark = pytest.mark.django_db


def _events(response) -> list[int]:
    return [e.seq for e in response.context["events"]]


def test_explorer_filters_by_actor_role_action_target_and_time(client):
    officer = staff(Role.VETTING_OFFICER)
    a, b = UserFactory(), UserFactory()
    e1 = recorded(action=audit.PortalAction.USER_CHANGED, actor=officer, target=a, reason="one")
    e2 = recorded(action=audit.PortalAction.USER_ROLES_CHANGED, actor=None, target=a)
    e3 = recorded(action=audit.PortalAction.USER_CHANGED, actor=None, target=b)
    login_staff(client, auditor())
    url = reverse("admin:audit_explorer")
    assert _events(client.get(url, {"actor": officer.pk})) == [e1.seq]
    assert _events(client.get(url, {"actor_name": officer.username})) == [e1.seq]
    assert _events(client.get(url, {"actor_role": "system", "target_type": "portal.user"})) == [e3.seq, e2.seq]
    assert _events(client.get(url, {"action": "portal.user.roles_changed"})) == [e2.seq]
    assert _events(client.get(url, {"action_prefix": "portal.user.", "target_id": str(a.pk)})) == [e2.seq, e1.seq]
    assert _events(client.get(url, {"since": e2.created_at.isoformat(), "until": e3.created_at.isoformat()})) == [
        e2.seq
    ]
    assert _events(client.get(url, {"from_seq": e2.seq, "to_seq": e3.seq})) == [e3.seq, e2.seq]


def test_explorer_pages_by_event_number_without_counting(client, django_assert_max_num_queries, monkeypatch):
    from portal.audit import views as audit_views

    monkeypatch.setattr(audit_views, "PAGE_SIZE", 5)
    seed_history(12)
    login_staff(client, auditor())
    url = reverse("admin:audit_explorer")
    with django_assert_max_num_queries(12):
        first = client.get(url)
    assert first.status_code == 200
    head = AuditEvent.objects.order_by("-seq").first().seq
    assert _events(first) == list(range(head, head - 5, -1))
    older = client.get(url + first.context["older_url"])
    assert _events(older) == list(range(head - 5, head - 10, -1))
    assert b"Older events" in first.content


def test_explorer_shows_bad_filters_next_to_their_field(client):
    login_staff(client, auditor())
    response = client.get(reverse("admin:audit_explorer"), {"since": "last tuesday", "actor": "-3"})
    assert response.status_code == 400
    errors = response.context["filterset"].errors
    assert set(errors) == {"since", "actor"}
    assert b'id="id_since-errors"' in response.content


def test_explorer_offers_exports_with_the_same_filters(client):
    login_staff(client, auditor())
    response = client.get(reverse("admin:audit_explorer"), {"action": "portal.user.changed"})
    links = dict(response.context["export_links"])
    assert "action=portal.user.changed" in links["CSV"] and "format=csv" in links["CSV"]
    assert "format=jsonl" in links["JSONL"]


def test_timeline_shows_one_object_from_creation_to_today(client):
    subject = UserFactory()
    other = UserFactory()
    mine = [
        recorded(action=audit.PortalAction.USER_CREATED, actor=None, target=subject, reason="created"),
        recorded(action=audit.PortalAction.USER_CHANGED, actor=None, target=other),
        recorded(action=audit.PortalAction.USER_DEACTIVATED, actor=None, target=subject, reason="left"),
    ]
    login_staff(client, auditor())
    response = client.get(reverse("admin:audit_timeline", args=["portal.user", subject.pk]))
    assert response.status_code == 200
    assert _events(response) == [mine[0].seq, mine[2].seq]
    body = response.content.decode()
    assert body.index("created") < body.index("left")


def test_timeline_of_a_deleted_object_still_shows_its_events(client):
    event = recorded(action=audit.PortalAction.USER_CHANGED, actor=None, target_type="portal.user", target_id=999999)
    login_staff(client, auditor())
    response = client.get(reverse("admin:audit_timeline", args=["portal.user", "999999"]))
    assert response.status_code == 200
    assert _events(response) == [event.seq]
    assert client.get(reverse("admin:audit_timeline", args=["portal.user", "424242"])).status_code == 404
    assert client.get(reverse("admin:audit_timeline", args=["no such type", "1"])).status_code == 404


def test_verification_page_shows_range_count_head_and_records_itself(client):
    events = seed_history(6)
    user = auditor()
    login_staff(client, user)
    head = AuditEvent.objects.order_by("-seq").first()
    response = client.get(reverse("admin:audit_verify"))
    assert response.status_code == 200
    result = response.context["result"]
    assert result.ok
    assert (result.head_hash, result.count, result.last_seq) == (head.hash, head.seq, head.seq)
    assert head.seq >= events[-1].seq
    body = response.content.decode()
    assert result.head_hash in body
    assert f"#{result.first_seq} \u2013 #{result.last_seq}" in body
    verified = AuditEvent.objects.get(action="portal.audit.verified")
    assert verified.actor == user and verified.changes["ok"] is True


def test_verification_page_names_the_first_broken_link(client):
    events = seed_history(8)
    tamper(events[3], actor_display="someone-else")
    tamper(events[6], reason="also changed")
    login_staff(client, auditor())
    response = client.get(reverse("admin:audit_verify"))
    assert response.status_code == 200
    result = response.context["result"]
    assert not result.ok
    assert result.broken_seq == events[3].seq
    assert result.count == events[3].seq - 1
    assert f"the chain breaks at event #{events[3].seq}" in response.content.decode()


def test_audit_pages_appear_on_the_console_index(client):
    login_staff(client, auditor())
    body = client.get(reverse("admin:index")).content.decode()
    assert reverse("admin:audit_explorer") in body
    assert reverse("admin:audit_verify") in body


@pytest.mark.parametrize("name", ["audit_explorer", "audit_verify"])
def test_audit_pages_need_the_view_auditevent_permission(client, name):
    url = reverse(f"admin:{name}")
    assert client.get(url).status_code == 302
    login_staff(client, UserFactory(is_staff=True))
    assert client.get(url).status_code == 403
    client.logout()
    login_staff(client, staff(Role.MODERATOR))
    assert client.get(url).status_code == 200


def test_auditors_cannot_post_to_audit_pages(client):
    login_staff(client, auditor())
    assert client.post(reverse("admin:audit_verify")).status_code == 403
    assert client.post(reverse("admin:audit_explorer")).status_code == 403


def test_the_api_offers_the_explorer_filters(client):
    from portal import services
    from portal.api_auth import Scope

    target = UserFactory()
    wanted = recorded(action=audit.PortalAction.USER_ROLES_CHANGED, actor=None, target=target)
    audit.record(action=audit.PortalAction.USER_CHANGED, actor=None, target=target)
    _key, secret = services.api_key_create(name="auditor", scopes=[Scope.AUDIT_READ], actor=None)
    response = client.get(
        reverse("api:audit-events"),
        {"action_prefix": "portal.user.roles", "actor_name": "system", "from_seq": wanted.seq},
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert response.status_code == 200
    assert [e["seq"] for e in response.json()["results"]] == [wanted.seq]
