"""An auditor's access window is set through one audited service, from the console or anywhere else."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from portal import services
from portal.audit.models import AuditEvent
from portal.errors import DomainError
from portal.models import AuditorAccess
from portal.roles import Role
from tests.factories import UserFactory, staff
from tests.helpers import login_staff

pytestmark = pytest.mark.django_db

NOV_1 = datetime(2026, 11, 1, tzinfo=UTC)
DEC_1 = datetime(2026, 12, 1, tzinfo=UTC)
JAN_1 = datetime(2027, 1, 1, tzinfo=UTC)


def _window_events():
    return AuditEvent.objects.filter(action="portal.auditor.window_set").order_by("seq")


def _console_post(client, url, *, user=None, firm="Example Assurance", starts=NOV_1, ends=DEC_1):
    data = {
        "firm": firm,
        "starts_at_0": starts.date().isoformat(),
        "starts_at_1": starts.time().isoformat(),
        "ends_at_0": ends.date().isoformat(),
        "ends_at_1": ends.time().isoformat(),
    }
    if user is not None:
        data["user"] = user.pk
    return client.post(url, data)


def test_the_service_sets_a_window_and_records_what_changed():
    officer = UserFactory(is_staff=True, is_superuser=True)
    auditor = staff(Role.AUDITOR)

    access = services.auditor_access_set(
        user=auditor, firm=" Example Assurance ", starts_at=NOV_1, ends_at=DEC_1, actor=officer
    )

    assert AuditorAccess.objects.get(user=auditor) == access and access.firm == "Example Assurance"
    event = _window_events().get()
    assert event.actor == officer and event.target_id == str(auditor.pk) and event.target_type == "portal.user"
    assert event.changes == {
        "firm": {"before": None, "after": "Example Assurance"},
        "starts_at": {"before": None, "after": "2026-11-01T00:00:00.000000Z"},
        "ends_at": {"before": None, "after": "2026-12-01T00:00:00.000000Z"},
    }

    # moving the end records only the end; setting the same window again records nothing
    services.auditor_access_set(user=auditor, firm="Example Assurance", starts_at=NOV_1, ends_at=JAN_1, actor=officer)
    services.auditor_access_set(user=auditor, firm="Example Assurance", starts_at=NOV_1, ends_at=JAN_1, actor=officer)
    assert [e.changes for e in _window_events()][1:] == [
        {"ends_at": {"before": "2026-12-01T00:00:00.000000Z", "after": "2027-01-01T00:00:00.000000Z"}}
    ]
    assert AuditorAccess.objects.get(user=auditor).ends_at == JAN_1


@pytest.mark.parametrize(
    ("role", "starts", "ends", "field", "message"),
    [
        (Role.MODERATOR, NOV_1, DEC_1, "user", "only auditors get an access window"),
        (Role.AUDITOR, DEC_1, NOV_1, "ends_at", "The window must end after it starts."),
        (Role.AUDITOR, NOV_1, NOV_1, "ends_at", "The window must end after it starts."),
    ],
)
def test_the_service_refuses_a_bad_window_and_saves_nothing(role, starts, ends, field, message):
    user = staff(role)
    events = AuditEvent.objects.count()

    with pytest.raises(DomainError, match=message) as refused:
        services.auditor_access_set(user=user, firm="Example Assurance", starts_at=starts, ends_at=ends, actor=None)

    assert refused.value.field == field
    assert not AuditorAccess.objects.exists()
    assert AuditEvent.objects.count() == events


def test_the_console_sets_and_moves_a_window_through_the_service(client):
    officer = UserFactory(is_staff=True, is_superuser=True)
    login_staff(client, officer)
    auditor = staff(Role.AUDITOR)

    response = _console_post(client, reverse("admin:portal_auditoraccess_add"), user=auditor)
    assert response.status_code == 302
    access = AuditorAccess.objects.get(user=auditor)
    assert (access.starts_at, access.ends_at) == (NOV_1, DEC_1)

    response = _console_post(client, reverse("admin:portal_auditoraccess_change", args=[access.pk]), ends=JAN_1)
    assert response.status_code == 302
    access.refresh_from_db()
    assert access.ends_at == JAN_1
    created, moved = _window_events()
    assert created.actor == officer and set(created.changes) == {"firm", "starts_at", "ends_at"}
    assert moved.changes == {
        "ends_at": {"before": "2026-12-01T00:00:00.000000Z", "after": "2027-01-01T00:00:00.000000Z"}
    }


def test_the_console_does_not_hand_a_window_to_another_user(client):
    officer = UserFactory(is_staff=True, is_superuser=True)
    login_staff(client, officer)
    auditor, other = staff(Role.AUDITOR), staff(Role.AUDITOR)
    access = services.auditor_access_set(
        user=auditor, firm="Example Assurance", starts_at=NOV_1, ends_at=DEC_1, actor=officer
    )

    response = _console_post(client, reverse("admin:portal_auditoraccess_change", args=[access.pk]), user=other)

    assert response.status_code == 302
    access.refresh_from_db()
    assert access.user == auditor
    assert not AuditorAccess.objects.filter(user=other).exists()


def test_a_window_ending_before_it_starts_is_a_form_error_in_the_console(client):
    officer = UserFactory(is_staff=True, is_superuser=True)
    login_staff(client, officer)
    auditor = staff(Role.AUDITOR)
    events = AuditEvent.objects.count()

    response = _console_post(client, reverse("admin:portal_auditoraccess_add"), user=auditor, starts=DEC_1, ends=NOV_1)

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors == {"ends_at": ["The window must end after it starts."]}
    assert not AuditorAccess.objects.exists()
    assert AuditEvent.objects.count() == events


def test_the_demo_auditors_window_is_set_through_the_service_once():
    import io

    from django.core.management import call_command

    call_command("seed_demo", stdout=io.StringIO())
    access = AuditorAccess.objects.get(user__username="demo-auditor")
    (event,) = _window_events().filter(target_id=str(access.user_id))
    assert event.changes["firm"] == {"before": None, "after": "Example Assurance LLP"}
    call_command("seed_demo", stdout=io.StringIO())  # make run seeds on every start
    assert _window_events().filter(target_id=str(access.user_id)).count() == 1
    assert AuditorAccess.objects.get(pk=access.pk).ends_at == access.ends_at
