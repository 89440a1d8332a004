"""The transparency report counts a known history exactly, for the period asked."""

from __future__ import annotations

from datetime import timedelta

import pytest

from moderation import transparency
from moderation.models import Case, Decision, Notice, Notifier, Policy
from moderation.models.decisions import Action
from moderation.services.notifiers import notifier_set_standing
from portal.roles import Role
from sellers.models import Application
from sellers.services.seller import seller_reinstate, seller_suspend
from tests.dashboard import seed
from tests.dashboard.seed import DAY, HOUR
from tests.factories import staff
from tests.sellers.factories import SellerFactory

pytestmark = pytest.mark.django_db
K = Notifier.Kind
R = "counterfeit"


@pytest.fixture
def history():
    m = seed.midnight()
    mod_a, mod_b = staff(Role.MODERATOR), staff(Role.MODERATOR)
    senior, member = staff(Role.SENIOR_MODERATOR), staff(Role.SELLER_MEMBER)
    public = seed.notifier(K.PUBLIC, "Pat Public")
    flagger = seed.notifier(K.TRUSTED_FLAGGER, "Trusted Org")
    brand = seed.notifier(K.BRAND_OWNER, "Brand Co")
    outcome = Notice.Outcome

    # Notices: 7 in the period (its first moment included), 2 outside it.
    seed.notice(notifier=public, reason=R, received=m - 10 * DAY, outcome=outcome.UPHELD)
    seed.notice(notifier=public, reason=R, received=m - 9 * DAY, outcome=outcome.UNFOUNDED)
    seed.notice(notifier=public, reason="misleading_listing", received=m - 8 * DAY, outcome=outcome.REJECTED)
    seed.notice(notifier=public, reason="other", received=m - 29 * DAY)
    seed.notice(notifier=flagger, reason=R, received=m - 7 * DAY, outcome=outcome.UPHELD)
    seed.notice(notifier=flagger, reason=R, received=m - 7 * DAY + HOUR, outcome=outcome.UPHELD)
    seed.notice(notifier=brand, reason="trademark_infringement", received=m - DAY + HOUR)
    seed.notice(notifier=public, reason=R, received=m - 40 * DAY, outcome=outcome.UPHELD)
    seed.notice(notifier=flagger, reason=R, received=m + DAY)  # the first moment after the period

    illegal = seed.policy("counterfeit", Policy.Ground.ILLEGAL_CONTENT)
    terms = seed.policy("listing-rules", Policy.Ground.TERMS)
    src = Case.Source
    d1 = seed.decided_case(
        opened=m - 10 * DAY + HOUR,
        decided=m - 10 * DAY + 5 * HOUR,
        by=mod_a,
        policy_obj=illegal,
        source=src.TRUSTED_FLAGGER,
    )
    d2 = seed.decided_case(
        opened=m - 8 * DAY + HOUR,
        decided=m - 8 * DAY + 11 * HOUR,
        by=mod_b,
        action=Action.RESTRICT_LISTING,
        policy_obj=terms,
    )
    seed.decided_case(opened=m - 6 * DAY + HOUR, decided=m - 6 * DAY + 21 * HOUR, by=mod_a, action=Action.DISMISS)
    d4 = seed.decided_case(
        opened=m - 5 * DAY + HOUR,
        decided=m - 4 * DAY + 7 * HOUR,
        by=mod_b,
        policy_obj=illegal,
        source=src.AUTOMATED,
        automated=True,
    )
    seed.decided_case(
        opened=m - 4 * DAY + HOUR,
        decided=m - 4 * DAY + 3 * HOUR,
        by=mod_a,
        action=Action.SUSPEND_SELLER,
        policy_obj=illegal,
        source=src.AUTOMATED,
        automated=True,
        automation=Decision.Automation.PARTIALLY,
    )
    d6 = seed.decided_case(opened=m - 46 * DAY, decided=m - 45 * DAY, by=mod_b, action=Action.WARN, policy_obj=illegal)
    d7 = seed.decided_case(opened=m - 37 * DAY, decided=m - 36 * DAY, by=mod_a, policy_obj=illegal)

    people = {"by": member, "decider": senior}
    seed.appeal(d1, submitted=m - 9 * DAY, decided=m - 7 * DAY, **people)
    seed.appeal(d2, submitted=m - 7 * DAY, decided=m - 3 * DAY, overturned=True, **people)
    seed.appeal(d4, submitted=m - 2 * DAY, **people)
    seed.appeal(d6, submitted=m - 44 * DAY, decided=m - 43 * DAY, overturned=True, **people)
    seed.appeal(d7, submitted=m - 35 * DAY, decided=m - 5 * DAY, **people)
    seed.appeal(d7, submitted=m - 33 * DAY, **people)

    # Art. 23: a notifier warned, then suspended (through the service, which writes the audit events).
    notifier_set_standing(notifier=public, standing=Notifier.Standing.WARNED, actor=senior, reason="Unfounded.")
    notifier_set_standing(notifier=public, standing=Notifier.Standing.SUSPENDED, actor=senior, reason="Again.")

    A = Application.Status
    seed.application(A.APPROVED, submitted=m - 12 * DAY, decided=m - 9 * DAY)
    seed.application(A.REJECTED, submitted=m - 20 * DAY, decided=m - 8 * DAY)
    seed.application(A.APPROVED, kind=Application.Kind.RECERTIFICATION, submitted=m - 6 * DAY, decided=m - DAY)
    seed.application(A.APPROVED, submitted=m - 55 * DAY, decided=m - 50 * DAY)
    seed.application(A.IN_REVIEW, submitted=m - 2 * DAY)
    seller = SellerFactory()
    seller_suspend(seller=seller, actor=senior, reason="Overdue recertification.")
    seller_reinstate(seller=seller, actor=senior, reason="Recertified.")
    return m


def _report(m, *, days_back=29, ends=0):
    today = m.date()
    period = transparency.Period(start=today - timedelta(days=days_back), end=today - timedelta(days=ends))
    return transparency.by_key(transparency.build(period))


def test_notices_by_category_and_notifier(history):
    r = _report(history)["notices_by_category"]

    assert r["counterfeit"] == {"public": 2, "trusted_flagger": 2, "brand_owner": 0, "platform": 0, "total": 4}
    assert r["trademark_infringement"]["brand_owner"] == 1
    assert r["misleading_listing"]["public"] == 1
    assert r["other"]["public"] == 1
    assert r["total"] == {"public": 4, "trusted_flagger": 2, "brand_owner": 1, "platform": 0, "total": 7}


def test_notice_outcomes_with_trusted_flaggers_apart(history):
    r = _report(history)["notice_outcomes"]

    assert r == {
        "pending": {"all": 2, "trusted_flagger": 0},
        "upheld": {"all": 3, "trusted_flagger": 2},
        "rejected": {"all": 1, "trusted_flagger": 0},
        "unfounded": {"all": 1, "trusted_flagger": 0},
    }


def test_actions_by_measure_and_ground(history):
    r = _report(history)["actions_by_type"]

    assert r["remove_listing"] == {"illegal_content": 2, "terms_and_conditions": 0, "none": 0, "total": 2}
    assert r["restrict_listing"]["terms_and_conditions"] == 1
    assert r["dismiss"]["none"] == 1
    assert r["suspend_seller"]["illegal_content"] == 1
    assert r["warn"]["total"] == 0  # decided before the period
    assert r["total"] == {"illegal_content": 3, "terms_and_conditions": 1, "none": 1, "total": 5}


def test_median_time_to_action_by_basis(history):
    r = _report(history)["time_to_action"]

    assert r["notice"] == {"decisions": 2, "median_hours": 15.0}
    assert r["trusted_flagger"] == {"decisions": 1, "median_hours": 4.0}
    assert r["own_initiative"] == {"decisions": 2, "median_hours": 16.0}
    assert r["total"] == {"decisions": 5, "median_hours": 10.0}


def test_automated_detection_and_decisions(history):
    r = _report(history)["automation"]

    assert r["cases_opened"] == {"count": 5}
    assert r["cases_automated"] == {"count": 2}
    assert r["decisions_detected"] == {"count": 2}
    assert r[Decision.Automation.PARTIALLY] == {"count": 1}
    assert r[Decision.Automation.FULLY] == {"count": 0}
    assert r[Decision.Automation.NOT_AUTOMATED] == {"count": 4}


def test_appeals_received_decided_and_pending(history):
    r = {k: v["count"] for k, v in _report(history)["appeals"].items()}

    assert r == {
        "received": 3,
        "decided": 3,
        "upheld": 2,
        "overturned": 1,
        "pending_at_end": 2,
        "median_days": 4.0,
    }


def test_suspensions_for_misuse(history):
    r = {k: v["count"] for k, v in _report(history)["misuse"].items()}

    assert r == {
        "sellers_suspended": 1,
        "sellers_terminated": 0,
        "notifiers_warned": 1,
        "notifiers_deprioritised": 0,
        "notifiers_suspended": 1,
    }


def test_sellers_vetted_approved_rejected_and_suspended(history):
    report = _report(history)

    vetting = report["vetting"]
    assert vetting["vetted"] == {"initial": 2, "recertification": 1, "total": 3}
    assert vetting["approved"] == {"initial": 1, "recertification": 1, "total": 2}
    assert vetting["rejected"] == {"initial": 1, "recertification": 0, "total": 1}
    assert vetting["late"] == {"initial": 1, "recertification": 0, "total": 1}
    assert report["vetting_time"]["median_days"] == {"days": 5.0}
    assert {k: v["count"] for k, v in report["sellers"].items()} == {"suspended": 1, "reinstated": 1, "terminated": 0}


def test_a_period_that_ended_yesterday_leaves_out_todays_events(history):
    report = _report(history, days_back=29, ends=1)

    assert report["notices_by_category"]["total"]["total"] == 7  # all received before today
    assert report["misuse"]["notifiers_suspended"] == {"count": 0}
    assert report["sellers"]["suspended"] == {"count": 0}
    assert report["vetting"]["vetted"]["total"] == 3  # decided at yesterday's first moment


def test_the_cross_check_names_numbers_the_audit_trail_does_not_show(history):
    """The seeded rows were written without their services: the cross-check says so."""
    r = _report(history)["audit_cross_check"]

    assert r["notices"] == {"report": 7, "events": 0, "matches": "NO"}
    assert r["decisions"]["report"] == 5


def test_a_one_day_period():
    today = seed.midnight().date()
    period = transparency.Period(start=today, end=today)

    assert period.until - period.since == timedelta(days=1)
    with pytest.raises(ValueError):
        transparency.Period(start=today, end=today - timedelta(days=1))
