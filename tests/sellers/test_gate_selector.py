from datetime import date, timedelta

import pytest

from sellers.models import BrandAuthorization, Seller
from sellers.selectors import may_list
from tests.sellers.factories import BrandAuthorizationFactory, BrandFactory, SellerFactory

pytestmark = pytest.mark.django_db
TODAY = date(2026, 6, 15)


def test_unprotected_brand_is_open_to_active_sellers_only():
    brand = BrandFactory(protected=False)
    assert may_list(seller=SellerFactory(), brand=brand, on=TODAY).allowed
    assert not may_list(seller=SellerFactory(status=Seller.Status.SUSPENDED), brand=brand, on=TODAY).allowed


@pytest.mark.parametrize(
    ("on", "allowed"),
    [
        (TODAY, True),
        (TODAY + timedelta(days=30), True),
        (TODAY + timedelta(days=31), False),
        (TODAY - timedelta(1), False),
    ],
)
def test_first_and_last_valid_day(on, allowed):
    authz = BrandAuthorizationFactory(valid_from=TODAY, valid_until=TODAY + timedelta(days=30))
    assert may_list(seller=authz.seller, brand=authz.brand, on=on).allowed is allowed


def test_territory_and_category_scope():
    authz = BrandAuthorizationFactory(territories=["DE", "AT"], categories=["shoes"])
    args = {"seller": authz.seller, "brand": authz.brand, "on": TODAY}
    assert may_list(**args, country="de", category="shoes").allowed
    answer = may_list(**args, country="FR", category="shoes")
    assert not answer.allowed and "FR" in answer.reason
    assert not may_list(**args, country="DE", category="bags").allowed


def test_revoked_and_missing_authorizations_are_explained():
    authz = BrandAuthorizationFactory(status=BrandAuthorization.Status.REVOKED)
    answer = may_list(seller=authz.seller, brand=authz.brand, on=TODAY)
    assert not answer.allowed and "revoked" in answer.reason
    answer = may_list(seller=SellerFactory(), brand=authz.brand, on=TODAY)
    assert not answer.allowed and "no authorization" in answer.reason


def test_terminated_seller_is_never_allowed_even_with_a_right():
    authz = BrandAuthorizationFactory(seller=SellerFactory(status=Seller.Status.TERMINATED))
    answer = may_list(seller=authz.seller, brand=authz.brand, on=TODAY)
    assert not answer.allowed and "terminated" in answer.reason


def test_expired_and_rejected_explain_themselves():
    expired = BrandAuthorizationFactory(status=BrandAuthorization.Status.EXPIRED, valid_until=TODAY - timedelta(1))
    answer = may_list(seller=expired.seller, brand=expired.brand, on=TODAY)
    assert not answer.allowed and "expired" in answer.reason and str(TODAY - timedelta(1)) in answer.reason
    rejected = BrandAuthorizationFactory(status=BrandAuthorization.Status.REJECTED)
    assert "rejected" in may_list(seller=rejected.seller, brand=rejected.brand, on=TODAY).reason


def test_a_pending_request_is_not_a_right():
    pending = BrandAuthorizationFactory(status=BrandAuthorization.Status.IN_REVIEW)
    answer = may_list(seller=pending.seller, brand=pending.brand, on=TODAY)
    assert not answer.allowed and "under review" in answer.reason


def test_one_current_right_wins_over_old_ones_and_the_best_reason_is_given():
    current = BrandAuthorizationFactory(territories=["DE"], valid_until=TODAY + timedelta(days=5))
    seller, brand = current.seller, current.brand
    BrandAuthorizationFactory(seller=seller, brand=brand, status=BrandAuthorization.Status.REJECTED)
    BrandAuthorizationFactory(seller=seller, brand=brand, status=BrandAuthorization.Status.REVOKED)
    assert may_list(seller=seller, brand=brand, country="DE", on=TODAY).authorization == current
    # Outside its territory the explanation is about the territory, not the old rejection.
    answer = may_list(seller=seller, brand=brand, country="FR", on=TODAY)
    assert not answer.allowed and "does not cover FR" in answer.reason


def test_a_right_for_another_brand_or_seller_does_not_count():
    authz = BrandAuthorizationFactory()
    other_brand = BrandAuthorizationFactory(seller=authz.seller).brand
    BrandAuthorization.objects.filter(brand=other_brand).delete()
    assert not may_list(seller=authz.seller, brand=other_brand, on=TODAY).allowed
    assert not may_list(seller=SellerFactory(), brand=authz.brand, on=TODAY).allowed


def test_empty_scope_means_worldwide_and_every_category():
    authz = BrandAuthorizationFactory(territories=[], categories=[])
    assert may_list(seller=authz.seller, brand=authz.brand, country="JP", category="watches", on=TODAY).allowed


def test_the_gate_costs_one_query_however_many_rights(django_assert_num_queries):
    authz = BrandAuthorizationFactory()
    for status in (BrandAuthorization.Status.REVOKED, BrandAuthorization.Status.REJECTED):
        BrandAuthorizationFactory(seller=authz.seller, brand=authz.brand, status=status)
    with django_assert_num_queries(1):
        may_list(seller=authz.seller, brand=authz.brand, country="DE", category="shoes", on=TODAY)
