"""Who sees which panel on the console home, and what it costs in queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from portal import dashboard
from portal.models import AuditorAccess
from portal.roles import Role
from tests.dashboard import seed
from tests.factories import UserFactory, staff
from tests.helpers import login_staff

pytestmark = pytest.mark.django_db

PANEL_HEADINGS = {
    "queue": 'id="panel-queue"',
    "team": 'id="panel-team"',
    "vetting": 'id="panel-vetting"',
}
REPORT_LINK = 'href="/console/reports/transparency/"'


def _auditor():
    user = staff(Role.AUDITOR)
    now = timezone.now()
    AuditorAccess.objects.create(
        user=user, firm="Example Assurance", starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=30)
    )
    return user


def _home(client, user) -> str:
    login_staff(client, user)
    response = client.get("/console/")
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize(
    ("role", "panels", "report"),
    [
        (Role.VETTING_OFFICER, {"vetting"}, False),
        (Role.MODERATOR, {"queue"}, True),
        (Role.SENIOR_MODERATOR, {"queue", "team"}, True),
    ],
)
def test_each_role_sees_its_panels(client, role, panels, report):
    html = _home(client, staff(role))

    shown = {key for key, marker in PANEL_HEADINGS.items() if marker in html}
    assert shown == panels
    assert (REPORT_LINK in html) is report


def test_auditors_see_every_panel_and_the_report(client):
    html = _home(client, _auditor())

    assert all(marker in html for marker in PANEL_HEADINGS.values())
    assert REPORT_LINK in html
    assert "Read-only auditor access" in html


def test_panels_sit_above_the_app_list(client):
    html = _home(client, UserFactory(is_staff=True, is_superuser=True))

    assert html.index('id="panel-queue"') < html.index('id="panel-team"') < html.index('id="panel-vetting"')
    assert html.index('id="panel-vetting"') < html.index('class="app-')


def test_a_staff_member_without_a_second_factor_gets_no_dashboard(client):
    user = staff(Role.SENIOR_MODERATOR)
    client.force_login(user)  # password only: not verified

    response = client.get("/console/")

    assert response.status_code == 302
    assert response["Location"].startswith("/console/login/")


def test_the_registry_finds_every_apps_panels():
    assert [p.key for p in dashboard.panels()] == ["queue", "team", "vetting"]
    assert [r.key for r in dashboard.reports()] == ["transparency"]


def test_the_console_home_query_count_is_bounded(client, django_assert_max_num_queries):
    """A busy history costs the same number of queries as an empty one."""
    now = timezone.now()
    moderator, senior, member = staff(Role.MODERATOR), staff(Role.SENIOR_MODERATOR), staff(Role.SELLER_MEMBER)
    for i in range(12):
        seed.case(opened=now - timedelta(days=i % 5), priority=i * 10)
        decision = seed.decided_case(
            opened=now - timedelta(days=i % 7, hours=5), decided=now - timedelta(days=i % 7), by=moderator
        )
        seed.appeal(
            decision,
            submitted=now - timedelta(hours=3),
            decided=now - timedelta(hours=1),
            overturned=i % 2 == 0,
            by=member,
            decider=senior,
        )
        seed.application("submitted", submitted=now - timedelta(days=i))
        seed.authorization(valid_until=timezone.localdate() + timedelta(days=i))
        seed.recertification(due_on=timezone.localdate() + timedelta(days=i))
    admin = UserFactory(is_staff=True, is_superuser=True)
    login_staff(client, admin)

    with django_assert_max_num_queries(40) as captured:
        response = client.get("/console/")

    assert response.status_code == 200
    assert 'id="panel-queue"' in response.content.decode()
    panel_queries = len(captured.captured_queries)
    print("console home queries:", panel_queries)
    # Twice the rows, the same queries.
    for i in range(12):
        seed.case(opened=now - timedelta(days=i % 5), priority=i * 10)
        seed.recertification(due_on=timezone.localdate() + timedelta(days=i))
    with django_assert_max_num_queries(panel_queries):
        client.get("/console/")


def test_the_numbers_lead_to_the_filtered_lists(client):
    html = _home(client, UserFactory(is_staff=True, is_superuser=True))

    assert 'href="/console/moderation/case/?queue=overdue"' in html
    assert 'href="/console/moderation/case/?queue=escalated"' in html
    assert 'href="/console/sellers/application/?deadline=overdue"' in html
