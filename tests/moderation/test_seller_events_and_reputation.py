"""Seller-side signals restrict listings; notifier reputation and standing (DSA Art. 23)."""

from __future__ import annotations

import pytest

from moderation.audit_actions import ModerationAction
from moderation.models import Listing, Notifier
from moderation.models.decisions import Action
from moderation.services.decisions import case_decide
from moderation.services.notifiers import notifier_set_standing
from portal.audit.models import AuditEvent
from portal.errors import InvalidTransition, PermissionDeniedError
from portal.models import Notification
from portal.roles import Role
from sellers import signals
from sellers.models import BrandAuthorization
from sellers.services.seller import seller_reinstate, seller_suspend
from tests.factories import staff
from tests.moderation.factories import CaseFactory, ListingFactory, NoticeFactory, NotifierFactory
from tests.sellers.factories import BrandAuthorizationFactory, SellerFactory

pytestmark = pytest.mark.django_db


def test_suspension_restricts_and_reinstatement_restores_only_what_it_restricted(django_capture_on_commit_callbacks):
    seller = SellerFactory()
    a, b = ListingFactory(seller=seller), ListingFactory(seller=seller)
    decided = ListingFactory(seller=seller, status=Listing.Status.REMOVED, restricted_by="decision")
    with django_capture_on_commit_callbacks(execute=True):
        seller_suspend(seller=seller, actor=None, reason="Unpaid fees")
    a.refresh_from_db()
    assert a.status == Listing.Status.RESTRICTED and "Unpaid fees" in a.status_reason
    with django_capture_on_commit_callbacks(execute=True):
        seller_reinstate(seller=seller, actor=None, reason="Paid")
    for listing in (a, b):
        listing.refresh_from_db()
        assert listing.status == Listing.Status.ACTIVE
    decided.refresh_from_db()
    assert decided.status == Listing.Status.REMOVED


def test_ended_authorization_restricts_that_brands_listings_and_says_why():
    authz = BrandAuthorizationFactory(status=BrandAuthorization.Status.EXPIRED)
    of_brand = ListingFactory(seller=authz.seller, brand=authz.brand)
    other = ListingFactory(seller=authz.seller)
    signals.authorization_ended.send(sender=BrandAuthorization, authorization=authz, actor=None, reason="term ended")
    of_brand.refresh_from_db()
    other.refresh_from_db()
    assert of_brand.status == Listing.Status.RESTRICTED
    assert authz.brand.name in of_brand.status_reason and "term ended" in of_brand.status_reason
    assert of_brand.restricted_by == "authorization"
    assert other.status == Listing.Status.ACTIVE
    assert AuditEvent.objects.filter(action=ModerationAction.LISTING_RESTRICTED, target_id=str(of_brand.pk)).exists()


def _dismiss_unfounded(notifier):
    listing = ListingFactory()
    case = CaseFactory(listing=listing)
    NoticeFactory(listing=listing, case=case, notifier=notifier)
    case_decide(case=case, actor=staff(Role.MODERATOR), action=Action.DISMISS, policy=None, unfounded=True)


def test_repeatedly_unfounded_notifiers_are_warned_automatically():
    notifier = NotifierFactory()
    for _ in range(3):
        _dismiss_unfounded(notifier)
    notifier.refresh_from_db()
    assert notifier.standing == Notifier.Standing.WARNED
    assert notifier.accuracy == 0
    assert Notification.objects.filter(kind="moderation.notifier.standing", to_email=notifier.email).exists()


def test_seniors_deprioritise_or_suspend_only_after_a_warning():
    senior = staff(Role.SENIOR_MODERATOR)
    notifier = NotifierFactory()
    with pytest.raises(PermissionDeniedError):
        notifier_set_standing(
            notifier=notifier, standing=Notifier.Standing.WARNED, actor=staff(Role.MODERATOR), reason="x"
        )
    with pytest.raises(InvalidTransition, match="Warn"):
        notifier_set_standing(notifier=notifier, standing=Notifier.Standing.SUSPENDED, actor=senior, reason="Abuse")
    notifier_set_standing(notifier=notifier, standing=Notifier.Standing.WARNED, actor=senior, reason="Abuse")
    notifier_set_standing(
        notifier=notifier, standing=Notifier.Standing.DEPRIORITISED, actor=senior, reason="Still abusing"
    )
    assert (
        AuditEvent.objects.filter(action=ModerationAction.NOTIFIER_STANDING_CHANGED, target_id=str(notifier.pk)).count()
        == 2
    )


def test_deprioritised_notifiers_lower_the_priority():
    good, bad = NotifierFactory(), NotifierFactory(standing=Notifier.Standing.DEPRIORITISED)
    from moderation.services.cases import case_open_or_raise, rescore

    scores = []
    for notifier in (good, bad):
        listing = ListingFactory()
        case, _ = case_open_or_raise(listing=listing, reason="counterfeit", source="notice", actor=None)
        NoticeFactory(listing=listing, case=case, notifier=notifier)
        scores.append(rescore(case).priority)
    assert scores[1] < scores[0]
