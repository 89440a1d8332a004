"""Decisions: each action's effect, its audit events, the statement of reasons and who learns what."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from moderation.audit_actions import ModerationAction
from moderation.models import Case, Decision, Listing, Notice, Notifier, Policy, Strike
from moderation.models.decisions import Action
from moderation.services.decisions import case_decide, cases_bulk_decide
from portal.audit.models import AuditEvent
from portal.errors import DomainError, InvalidTransition, PermissionDeniedError
from portal.models import Notification
from portal.roles import Role
from sellers.models import Seller
from tests.factories import staff
from tests.moderation.factories import CaseFactory, ListingFactory, NoticeFactory, NotifierFactory, PolicyFactory
from tests.sellers.factories import BrandFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator():
    return staff(Role.MODERATOR)


def _case_with_notice(**listing_kwargs):
    listing = ListingFactory(**listing_kwargs)
    case = CaseFactory(listing=listing)
    notice = NoticeFactory(listing=listing, case=case)
    return case, notice


def test_remove_listing_sends_the_statement_tells_the_notifier_and_adds_a_strike(
    moderator, django_capture_on_commit_callbacks
):
    case, notice = _case_with_notice(brand=BrandFactory(name="Maison Lumière"))
    policy = PolicyFactory()
    with django_capture_on_commit_callbacks(execute=True):
        decision = case_decide(
            case=case,
            actor=moderator,
            action=Action.REMOVE_LISTING,
            policy=policy,
            explanation="Test purchase confirmed a fake.",
        )

    case.refresh_from_db()
    listing = Listing.objects.get(pk=case.listing_id)
    assert case.status == Case.Status.DECIDED and case.assigned_to is None
    assert listing.status == Listing.Status.REMOVED
    assert "Maison Lumière" in decision.explanation and "Test purchase" in decision.explanation
    assert decision.from_notice and not decision.trusted_flagger
    for action in (
        ModerationAction.DECISION_MADE,
        ModerationAction.CASE_DECIDED,
        ModerationAction.LISTING_REMOVED,
        ModerationAction.STRIKE_ADDED,
    ):
        assert AuditEvent.objects.filter(action=action).exists(), action

    statement = Notification.objects.get(kind="moderation.decision.statement")
    assert statement.to_email == listing.seller.contact_email
    for part in (
        "removed",
        "Territorial scope",
        "Facts and circumstances",
        "notice",
        "automated",
        policy.reference,
        "appeal",
    ):
        assert part.lower() in statement.body.lower(), part
    assert f"http://127.0.0.1:8000/seller/decisions/{decision.pk}/" in statement.body

    notice.refresh_from_db()
    assert notice.outcome == Notice.Outcome.UPHELD
    outcome = Notification.objects.get(kind="moderation.notice.outcome")
    assert outcome.to_email == notice.notifier_email
    notifier = Notifier.objects.get(pk=notice.notifier_id)
    assert (notifier.notices_decided, notifier.notices_upheld) == (1, 1)
    assert Strike.objects.get(decision=decision).points == policy.strike_points


def test_dismiss_as_unfounded_counts_against_the_notifier_and_sends_no_statement(moderator):
    case, notice = _case_with_notice()
    case_decide(case=case, actor=moderator, action=Action.DISMISS, policy=None, unfounded=True)
    notice.refresh_from_db()
    assert notice.outcome == Notice.Outcome.UNFOUNDED
    assert Notifier.objects.get(pk=notice.notifier_id).notices_unfounded == 1
    assert not Notification.objects.filter(kind="moderation.decision.statement").exists()
    assert Listing.objects.get(pk=case.listing_id).status == Listing.Status.ACTIVE


def test_a_decided_case_cannot_be_decided_again(moderator):
    case, _notice = _case_with_notice()
    case_decide(case=case, actor=moderator, action=Action.DISMISS, policy=None)
    with pytest.raises(InvalidTransition, match="already decided by"):
        case_decide(case=case, actor=staff(Role.MODERATOR), action=Action.WARN, policy=PolicyFactory())
    assert Decision.objects.count() == 1


def test_a_case_claimed_by_someone_else_cannot_be_decided(moderator):
    case, _notice = _case_with_notice()
    Case.objects.filter(pk=case.pk).update(assigned_to=moderator, claimed_until=timezone.now() + timedelta(minutes=10))
    with pytest.raises(DomainError, match="claimed by"):
        case_decide(case=case, actor=staff(Role.MODERATOR), action=Action.DISMISS, policy=None)


def test_non_dismissals_need_a_policy_and_suspensions_an_end_date(moderator):
    case, _notice = _case_with_notice()
    with pytest.raises(DomainError, match="policy"):
        case_decide(case=case, actor=moderator, action=Action.REMOVE_LISTING, policy=None)
    with pytest.raises(DomainError, match="end date"):
        case_decide(case=case, actor=moderator, action=Action.SUSPEND_SELLER, policy=PolicyFactory())
    assert Decision.objects.count() == 0


def test_suspend_seller_restricts_its_listings(moderator, django_capture_on_commit_callbacks):
    case, _notice = _case_with_notice()
    other = ListingFactory(seller=case.listing.seller)
    until = timezone.now() + timedelta(days=30)
    with django_capture_on_commit_callbacks(execute=True):
        case_decide(case=case, actor=moderator, action=Action.SUSPEND_SELLER, policy=PolicyFactory(), ends_at=until)
    seller = Seller.objects.get(pk=case.listing.seller_id)
    assert seller.status == Seller.Status.SUSPENDED
    other.refresh_from_db()
    assert other.status == Listing.Status.RESTRICTED
    assert other.restricted_by == "seller_status"


def test_only_senior_moderators_terminate(moderator):
    case, _notice = _case_with_notice()
    with pytest.raises(PermissionDeniedError):
        case_decide(case=case, actor=moderator, action=Action.TERMINATE_SELLER, policy=PolicyFactory())
    senior = staff(Role.SENIOR_MODERATOR)
    case_decide(case=case, actor=senior, action=Action.TERMINATE_SELLER, policy=PolicyFactory())
    assert Seller.objects.get(pk=case.listing.seller_id).status == Seller.Status.TERMINATED


def test_escalated_cases_are_decided_by_seniors(moderator):
    case = CaseFactory(status=Case.Status.ESCALATED)
    with pytest.raises(PermissionDeniedError):
        case_decide(case=case, actor=moderator, action=Action.DISMISS, policy=None)


def test_trusted_flagger_notice_marks_the_decision(moderator):
    listing = ListingFactory()
    case = CaseFactory(listing=listing)
    NoticeFactory(listing=listing, case=case, notifier=NotifierFactory(kind=Notifier.Kind.TRUSTED_FLAGGER))
    decision = case_decide(case=case, actor=moderator, action=Action.RESTRICT_LISTING, policy=PolicyFactory())
    assert decision.trusted_flagger
    assert Listing.objects.get(pk=listing.pk).status == Listing.Status.RESTRICTED


def test_bulk_decide_reports_conflicts_and_keeps_the_rest(moderator):
    a, b = CaseFactory(), CaseFactory()
    case_decide(case=b, actor=moderator, action=Action.DISMISS, policy=None)
    done, problems = cases_bulk_decide(
        cases=[a, b], actor=moderator, action=Action.REMOVE_LISTING, policy=PolicyFactory()
    )
    assert done == 1
    assert len(problems) == 1 and f"#{b.pk}" in problems[0]


def test_policy_ground_terms_is_kept():
    policy = PolicyFactory(code="misleading", ground=Policy.Ground.TERMS)
    assert policy.get_ground_display()
