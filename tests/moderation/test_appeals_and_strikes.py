"""Appeals (four eyes, six months, reversal) and strikes (180 days, warning before suspension)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from moderation.audit_actions import ModerationAction
from moderation.models import Appeal, Case, Decision, Listing, Strike
from moderation.models.decisions import Action
from moderation.selectors import live_strike_points, live_strikes
from moderation.services.appeals import appeal_decide, appeal_submit
from moderation.services.cases import facts_for
from moderation.services.decisions import case_decide
from moderation.services.listings import listing_upsert
from portal.audit.models import AuditEvent
from portal.errors import DomainError, InvalidTransition, PermissionDeniedError
from portal.models import Notification
from portal.roles import Role
from sellers.models import Seller
from tests.factories import staff
from tests.moderation.factories import CaseFactory, ListingFactory, PolicyFactory
from tests.sellers.factories import seller_with_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    seller, member = seller_with_member()
    listing = ListingFactory(seller=seller)
    case = CaseFactory(listing=listing)
    decider = staff(Role.SENIOR_MODERATOR)
    decision = case_decide(case=case, actor=decider, action=Action.REMOVE_LISTING, policy=PolicyFactory())
    return {
        "seller": seller,
        "member": member,
        "listing": listing,
        "case": case,
        "decider": decider,
        "decision": decision,
    }


def test_overturning_restores_the_listing_voids_the_strike_and_explains(setup):
    appeal = appeal_submit(
        decision=setup["decision"], actor=setup["member"], grounds="We hold a licence from the owner."
    )
    assert Case.objects.get(pk=setup["case"].pk).status == Case.Status.APPEALED
    other_senior = staff(Role.SENIOR_MODERATOR)
    appeal_decide(appeal=appeal, actor=other_senior, overturn=True, explanation="The licence covers this product line.")

    assert Listing.objects.get(pk=setup["listing"].pk).status == Listing.Status.ACTIVE
    strike = Strike.objects.get(decision=setup["decision"])
    assert strike.voided_at is not None
    assert live_strike_points(setup["seller"].pk) == 0
    assert Decision.objects.get(pk=setup["decision"].pk).status == Decision.Status.OVERTURNED
    assert Case.objects.get(pk=setup["case"].pk).status == Case.Status.CLOSED
    for action in (
        ModerationAction.APPEAL_SUBMITTED,
        ModerationAction.APPEAL_OVERTURNED,
        ModerationAction.STRIKE_VOIDED,
        ModerationAction.LISTING_RESTORED,
    ):
        assert AuditEvent.objects.filter(action=action).exists(), action
    outcome = Notification.objects.get(kind="moderation.appeal.outcome")
    assert "overturned" in outcome.body and "licence covers" in outcome.body


def test_upholding_keeps_the_effects_and_explains(setup):
    appeal = appeal_submit(decision=setup["decision"], actor=setup["member"], grounds="It is genuine.")
    appeal_decide(
        appeal=appeal,
        actor=staff(Role.SENIOR_MODERATOR),
        overturn=False,
        explanation="The test purchase proved otherwise.",
    )
    assert Listing.objects.get(pk=setup["listing"].pk).status == Listing.Status.REMOVED
    assert Appeal.objects.get(pk=appeal.pk).status == Appeal.Status.UPHELD
    assert "upheld" in Notification.objects.get(kind="moderation.appeal.outcome").body


def test_the_first_decider_and_plain_moderators_cannot_decide_the_appeal(setup):
    appeal = appeal_submit(decision=setup["decision"], actor=setup["member"], grounds="It is genuine.")
    with pytest.raises(PermissionDeniedError, match="another senior"):
        appeal_decide(appeal=appeal, actor=setup["decider"], overturn=True, explanation="Mine.")
    with pytest.raises(PermissionDeniedError):
        appeal_decide(appeal=appeal, actor=staff(Role.MODERATOR), overturn=True, explanation="No.")
    assert Appeal.objects.get(pk=appeal.pk).status == Appeal.Status.PENDING


def test_only_the_sellers_member_may_appeal_once_within_six_months(setup):
    _other_seller, stranger = seller_with_member()
    with pytest.raises(PermissionDeniedError):
        appeal_submit(decision=setup["decision"], actor=stranger, grounds="Not mine.")
    appeal_submit(decision=setup["decision"], actor=setup["member"], grounds="First.")
    with pytest.raises(InvalidTransition, match="pending"):
        appeal_submit(decision=setup["decision"], actor=setup["member"], grounds="Second.")


def test_the_appeal_window_is_at_least_six_months(setup):
    decision = setup["decision"]
    Decision.objects.filter(pk=decision.pk).update(decided_at=timezone.now() - timedelta(days=182))
    decision.refresh_from_db()
    assert decision.appealable
    appeal_submit(decision=decision, actor=setup["member"], grounds="Still in time.")
    Appeal.objects.all().delete()
    Decision.objects.filter(pk=decision.pk).update(decided_at=timezone.now() - timedelta(days=200))
    decision.refresh_from_db()
    with pytest.raises(InvalidTransition, match="appeal period"):
        appeal_submit(decision=decision, actor=setup["member"], grounds="Too late.")


def test_empty_grounds_are_refused(setup):
    with pytest.raises(DomainError):
        appeal_submit(decision=setup["decision"], actor=setup["member"], grounds="  ")


def _remove(seller, points, actor):
    case = CaseFactory(listing=ListingFactory(seller=seller))
    policy = PolicyFactory(code=f"p{points}", strike_points=points)
    return case_decide(case=case, actor=actor, action=Action.REMOVE_LISTING, policy=policy)


def test_warning_comes_before_suspension_even_when_one_decision_crosses_both():
    seller, _member = seller_with_member()
    mod = staff(Role.MODERATOR)
    _remove(seller, 30, mod)  # 30 points at once: past "suspend" (24), but nobody warned yet
    seller.refresh_from_db()
    assert seller.status == Seller.Status.ACTIVE
    assert AuditEvent.objects.filter(action=ModerationAction.STRIKE_WARNING, target_id=str(seller.pk)).exists()
    assert Notification.objects.filter(kind="moderation.strike.warning", to_email=seller.contact_email).exists()

    _remove(seller, 1, mod)
    seller.refresh_from_db()
    assert seller.status == Seller.Status.SUSPENDED
    assert seller.suspended_until and seller.suspended_until - timezone.now() > timedelta(days=29)


def test_expired_strikes_do_not_count_and_many_points_restrict_new_listings():
    seller, _member = seller_with_member()
    mod = staff(Role.MODERATOR)
    decision = _remove(seller, 20, mod)
    assert live_strike_points(seller.pk) == 20
    listing, _ = listing_upsert(
        external_id="NEW-1",
        data={
            "seller": seller,
            "title": "New bag",
            "price": 10,
            "currency": "EUR",
            "url": "https://shop.example.com/n1",
        },
        actor=None,
    )
    assert listing.status == Listing.Status.RESTRICTED and listing.restricted_by == "strikes"
    Strike.objects.filter(decision=decision).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert live_strike_points(seller.pk) == 0


def test_termination_is_proposed_to_seniors_at_48_points():
    seller, _member = seller_with_member()
    senior = staff(Role.SENIOR_MODERATOR)
    _remove(seller, 12, senior)  # warning
    seller.refresh_from_db()
    Seller.objects.filter(pk=seller.pk).update(status=Seller.Status.ACTIVE)
    _remove(seller, 40, senior)
    assert AuditEvent.objects.filter(
        action=ModerationAction.STRIKE_TERMINATION_PROPOSED, target_id=str(seller.pk)
    ).exists()
    assert Seller.objects.get(pk=seller.pk).status != Seller.Status.TERMINATED  # a senior decides, not the counter


def test_one_definition_of_live_strikes_serves_the_seller_pages_and_case_scoring():
    seller, _member = seller_with_member()
    mod = staff(Role.MODERATOR)
    live = _remove(seller, 5, mod)
    expired = _remove(seller, 7, mod)
    voided = _remove(seller, 11, mod)
    Strike.objects.filter(decision=expired).update(expires_at=timezone.now() - timedelta(seconds=1))
    Strike.objects.filter(decision=voided).update(voided_at=timezone.now())

    # what the seller's pages and the case screen list, and what thresholds and scoring add up
    assert [s.decision_id for s in live_strikes(seller)] == [live.pk]
    assert live_strike_points(seller) == live_strike_points(seller.pk) == 5
    case = Case.objects.get(pk=CaseFactory(listing=ListingFactory(seller=seller)).pk)  # seller read by subquery
    assert facts_for(case).live_strike_points == 5

    # a strike stops counting at the moment it expires, for every caller
    expires_at = Strike.objects.get(decision=live).expires_at
    assert live_strike_points(seller, now=expires_at - timedelta(seconds=1)) == 5
    assert not live_strikes(seller, now=expires_at).exists()
