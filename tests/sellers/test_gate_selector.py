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
