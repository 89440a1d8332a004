"""The seller-vetting panel counts a known history exactly."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import RequestFactory

from portal.dashboard import PanelContext
from portal.models import User
from sellers.dashboard import vetting_panel
from sellers.models import Application, BrandAuthorization, Recertification
from tests.dashboard.seed import DAY, application, authorization, midnight, recertification

pytestmark = pytest.mark.django_db
A = Application.Status


@pytest.fixture
def now():
    return midnight() + timedelta(hours=12)


@pytest.fixture
def data(now):
    today = now.date()
    # given: open applications, one waiting past its 10-day deadline
    application(A.DRAFT)
    application(A.SUBMITTED, submitted=now - 12 * DAY)  # due 2 days ago
    application(A.SUBMITTED, submitted=now - 2 * DAY)
    application(A.IN_REVIEW, submitted=now - 4 * DAY)
    application(A.CHANGES_REQUESTED, submitted=now - 20 * DAY, due=now - 10 * DAY)  # the seller's turn: not overdue
    # decided in the last 90 days: 3, 12 and 5 days after submission
    application(A.APPROVED, submitted=now - 20 * DAY, decided=now - 17 * DAY)
    application(A.APPROVED, submitted=now - 30 * DAY, decided=now - 18 * DAY)
    application(A.REJECTED, submitted=now - 10 * DAY, decided=now - 5 * DAY)
    # decided before the window: counted by state, not in the timing
    application(A.APPROVED, submitted=now - 110 * DAY, decided=now - 100 * DAY)
    # authorizations: two expire within 30 days (the 30th day included)
    authorization(valid_until=today + timedelta(days=30))
    authorization(valid_until=today + timedelta(days=5))
    authorization(valid_until=today + timedelta(days=31))
    authorization(valid_until=today - timedelta(days=1))
    authorization(status=BrandAuthorization.Status.REVOKED, valid_until=today + timedelta(days=10))
    # recertifications
    recertification(due_on=today + timedelta(days=10))
    recertification(due_on=today - timedelta(days=3))
    recertification(due_on=today + timedelta(days=40))
    recertification(status=Recertification.Status.SUBMITTED, due_on=today + timedelta(days=2))
    recertification(status=Recertification.Status.LAPSED, due_on=today - timedelta(days=30))


def _build(now, django_assert_max_num_queries):
    request = RequestFactory().get("/console/")
    request.user = User(is_superuser=True, is_staff=True)
    with django_assert_max_num_queries(8):
        return vetting_panel(PanelContext(request=request, user=request.user, now=now))


def test_applications_by_state(data, now, django_assert_max_num_queries):
    panel = _build(now, django_assert_max_num_queries)

    assert dict(panel["by_state"]) == {
        "draft": 1,
        "submitted": 2,
        "in review": 1,
        "changes requested": 1,
        "approved": 3,
        "rejected": 1,
        "withdrawn": 0,
    }
    assert panel["states_chart"].rows[4] == ["approved", "3"]


def test_waiting_and_overdue_against_the_ten_day_deadline(data, now, django_assert_max_num_queries):
    panel = _build(now, django_assert_max_num_queries)

    assert panel["waiting"] == 3
    assert panel["waiting_overdue"] == 1
    assert panel["oldest_waiting_days"] == 12.0


def test_median_days_to_decision_and_histogram(data, now, django_assert_max_num_queries):
    panel = _build(now, django_assert_max_num_queries)

    assert panel["decided"] == 3
    assert panel["median_days"] == 5.0
    assert panel["decided_on_time"] == 2
    assert [int(row[1]) for row in panel["time_chart"].rows] == [1, 1, 0, 0, 1, 0]
    assert panel["time_chart"].rows[4][0] == "10 to 15 days"


def test_authorizations_expiring_within_thirty_days(data, now, django_assert_max_num_queries):
    panel = _build(now, django_assert_max_num_queries)

    today = now.date()
    assert panel["expiring_count"] == 2
    assert [a.valid_until for a in panel["expiring"]] == [today + timedelta(days=5), today + timedelta(days=30)]
    assert [a.days_left for a in panel["expiring"]] == [5, 30]


def test_recertifications_due(data, now, django_assert_max_num_queries):
    panel = _build(now, django_assert_max_num_queries)

    today = now.date()
    assert panel["recert"] == {"due_soon": 1, "overdue": 1, "submitted": 1, "lapsed": 1}
    assert [r.due_on for r in panel["recert_due"]] == [today - timedelta(days=3), today + timedelta(days=10)]


def test_empty_history_shows_no_median(db, now, django_assert_max_num_queries):
    panel = _build(now, django_assert_max_num_queries)

    assert panel["median_days"] is None
    assert panel["on_time_share"] is None
    assert panel["expiring_count"] == 0
