"""The queue-health and team panels count a known history exactly."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from moderation.dashboard import queue_panel, team_panel
from moderation.models import Case, Decision, Policy
from moderation.models.decisions import Action
from portal.dashboard import PanelContext
from portal.models import User
from portal.roles import Role
from tests.dashboard import seed
from tests.dashboard.seed import DAY, HOUR
from tests.factories import staff

pytestmark = pytest.mark.django_db
S = Case.Source


@pytest.fixture
def now():
    return seed.midnight() + 12 * HOUR


@pytest.fixture
def history(now):
    m = seed.midnight()
    mod_a = staff(Role.MODERATOR, username="ada")
    mod_b = staff(Role.MODERATOR, username="ben")
    senior, member = staff(Role.SENIOR_MODERATOR), staff(Role.SELLER_MEMBER)
    # Open cases: one per priority band, two high, one escalated medium; two past their SLA.
    seed.case(opened=m + HOUR, priority=120, due=now - HOUR)
    seed.case(opened=m + 2 * HOUR, priority=70, due=now + DAY)
    seed.case(opened=m - DAY + HOUR, priority=65, due=now - 2 * HOUR)
    seed.case(opened=m - 3 * DAY + HOUR, priority=40, source=S.AUTOMATED, automated=True, due=now + DAY)
    seed.case(opened=m - 6 * DAY, priority=10, due=now + DAY)
    seed.case(opened=m - 6 * DAY + HOUR, priority=59, status=Case.Status.ESCALATED, due=now + DAY)
    seed.case(opened=m - 6 * DAY, priority=500, status=Case.Status.CLOSED)  # not open: not counted

    illegal = seed.policy("counterfeit", Policy.Ground.ILLEGAL_CONTENT)
    terms = seed.policy("listing-rules", Policy.Ground.TERMS)
    x1 = seed.decided_case(
        opened=m - 2 * DAY + HOUR,
        decided=m - 2 * DAY + 5 * HOUR,
        by=mod_a,
        policy_obj=illegal,
        source=S.TRUSTED_FLAGGER,
    )
    x2 = seed.decided_case(opened=m - DAY + HOUR, decided=m - DAY + 11 * HOUR, by=mod_b, policy_obj=terms)
    seed.decided_case(
        opened=m - DAY + HOUR,
        decided=m - DAY + 7 * HOUR,
        by=mod_a,
        action=Action.DISMISS,
        reason="misleading_listing",
    )
    x4 = seed.decided_case(
        opened=m - 3 * DAY + HOUR,
        decided=m - 3 * DAY + 3 * HOUR,
        by=mod_a,
        policy_obj=illegal,
        source=S.AUTOMATED,
        automated=True,
    )
    x5 = seed.decided_case(opened=m - 41 * DAY, decided=m - 40 * DAY, by=mod_b, policy_obj=illegal)
    people = {"by": member, "decider": senior}
    seed.appeal(x1, submitted=m - DAY, decided=m - DAY + 2 * HOUR, overturned=True, **people)
    seed.appeal(x2, submitted=m - DAY, decided=m - DAY + 2 * HOUR, **people)
    seed.appeal(x4, submitted=m - DAY, decided=m - DAY + 3 * HOUR, **people)
    seed.appeal(x5, submitted=m - 101 * DAY, decided=m - 100 * DAY, overturned=True, **people)  # before 90 days
    return m


def _ctx(now):
    request = RequestFactory().get("/console/")
    request.user = User(is_superuser=True, is_staff=True)
    return PanelContext(request=request, user=request.user, now=now)


def test_queue_health(history, now, django_assert_max_num_queries):
    with django_assert_max_num_queries(5):
        panel = queue_panel(_ctx(now))

    assert panel["open"] == 6
    assert panel["overdue"] == 2
    assert panel["escalated"] == 1
    assert panel["oldest_days"] == 6.5
    assert [n for _label, n in panel["bands"]] == [1, 2, 2, 1]


def test_notices_waiting_for_triage_and_a_stalled_triage(history, now):
    from tests.moderation.factories import NoticeFactory

    minute = HOUR / 60
    assert queue_panel(_ctx(now))["awaiting_triage"] == 0
    NoticeFactory(case=None, received_at=now - 2 * minute)
    panel = queue_panel(_ctx(now))
    assert (panel["awaiting_triage"], panel["triage_stalled"]) == (1, False)

    NoticeFactory(case=None, received_at=now - 6 * minute)
    panel = queue_panel(_ctx(now))
    assert (panel["awaiting_triage"], panel["triage_stalled"]) == (2, True)


def test_inflow_and_decisions_per_day(history, now):
    panel = queue_panel(_ctx(now))

    assert len(panel["opened_per_day"]) == 30
    # today, yesterday, 2 and 3 days ago (the open and the decided cases' opening days)
    assert panel["opened_per_day"][-4:] == [2, 1, 3, 2]
    assert panel["opened_per_day"][-7] == 3  # six days ago: the escalated, the low and the closed one
    assert panel["decided_per_day"][-4:] == [1, 1, 2, 0]
    assert sum(panel["decided_per_day"]) == 4  # the decision 40 days ago is out of the window
    assert panel["trend_chart"].rows[-1][1:] == ["2", "0"]


def test_median_hours_to_decision_by_source_and_reason(history, now):
    panel = queue_panel(_ctx(now))

    assert panel["by_source"] == [("automated signal", 1, 2.0), ("notice", 2, 8.0), ("trusted flagger", 1, 4.0)]
    assert panel["by_reason"] == [("counterfeit", 3, 4.0), ("misleading listing", 1, 6.0)]


def test_team_decisions_per_moderator_per_day(history, now, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        panel = team_panel(_ctx(now))

    moderators = {m["name"]: m for m in panel["moderators"]}
    assert set(moderators) == {"ada", "ben"}
    assert moderators["ada"]["days"] == [0, 0, 0, 1, 1, 1, 0]
    assert moderators["ada"]["total"] == 3
    assert moderators["ben"]["days"] == [0, 0, 0, 0, 0, 1, 0]
    assert moderators["ben"]["per_day"] == 1 / 7


def test_appeal_overturn_rate_per_policy_and_moderator(history, now):
    panel = team_panel(_ctx(now))

    assert panel["by_policy"] == [
        {"label": "counterfeit", "decided": 2, "overturned": 1, "rate": 0.5},
        {"label": "listing-rules", "decided": 1, "overturned": 0, "rate": 0.0},
    ]
    assert [(r["label"], r["decided"], r["overturned"]) for r in panel["by_moderator"]] == [
        ("ada", 2, 1),
        ("ben", 1, 0),
    ]
    assert panel["overturn_chart"].rows == [["ada", "50 %"], ["ben", "0 %"]]


def test_share_of_automated_detections(history, now):
    panel = team_panel(_ctx(now))

    # Cases opened in 30 days: 7 seeded open or closed + 4 decided; automated: one open, one decided.
    assert (panel["cases_automated"], panel["cases_total"]) == (2, 11)
    assert (panel["decisions_detected"], panel["decisions_total"]) == (1, 4)
    assert panel["decisions_automated"] == 0


def test_a_decision_by_automated_means_is_counted(history, now):
    decision = Decision.objects.filter(automated_detection=True).get()
    decision.automated_decision = Decision.Automation.PARTIALLY
    decision.save(update_fields=["automated_decision"])

    assert team_panel(_ctx(now))["decisions_automated"] == 1
