"""GET /api/v1/authorizations/check: the marketplace's question, its answers and its errors."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from portal import services
from portal.api_auth import Scope
from sellers.models import BrandAuthorization, Seller
from tests.sellers.factories import BrandAuthorizationFactory, BrandFactory, SellerFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/authorizations/check"


@pytest.fixture
def auth():
    _, key = services.api_key_create(name="marketplace", scopes=[Scope.AUTHORIZATIONS_READ], actor=None)
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def _check(client, auth, **params):
    return client.get(URL, {"country": "DE", "category": "shoes", **params}, **auth)


def test_url_is_mounted_under_the_api():
    assert reverse("api:authorizations-check") == URL


def test_allowed_answer_names_the_authorization(client, auth):
    today = timezone.localdate()
    authz = BrandAuthorizationFactory(
        basis=BrandAuthorization.Basis.LOA_FIRST_LEVEL, valid_from=today, valid_until=today + timedelta(days=10)
    )
    response = _check(client, auth, seller=authz.seller_id, brand=authz.brand_id)
    assert response.status_code == 200
    assert response.json() == {
        "allowed": True,
        "reason": "Authorized (letter of authorization from the owner).",
        "authorization": {"id": authz.pk, "basis": "loa_first_level", "valid_until": str(authz.valid_until)},
    }


def test_brand_by_name_case_insensitive_or_slug(client, auth):
    authz = BrandAuthorizationFactory(brand=BrandFactory(name="Acme Shoes", slug="acme-shoes"))
    for ref in ("acme shoes", "ACME SHOES", "acme-shoes"):
        assert _check(client, auth, seller=authz.seller_id, brand=ref).json()["allowed"] is True


def test_denied_with_reason_and_no_authorization(client, auth):
    today = timezone.localdate()
    authz = BrandAuthorizationFactory(valid_until=today - timedelta(days=1))
    body = _check(client, auth, seller=authz.seller_id, brand=authz.brand_id).json()
    assert body["allowed"] is False and "expired" in body["reason"] and body["authorization"] is None

    body = _check(client, auth, seller=authz.seller_id, brand=authz.brand_id, country="FR").json()
    assert body["allowed"] is False


def test_unprotected_brand_and_suspended_seller(client, auth):
    brand = BrandFactory(protected=False)
    assert _check(client, auth, seller=SellerFactory().pk, brand=brand.pk).json()["allowed"] is True
    suspended = SellerFactory(status=Seller.Status.SUSPENDED)
    body = _check(client, auth, seller=suspended.pk, brand=brand.pk).json()
    assert body["allowed"] is False and "suspended" in body["reason"]


def test_missing_parameters_are_each_named(client, auth):
    response = client.get(URL, **auth)
    assert response.status_code == 400
    assert set(response.json()) == {"seller", "brand", "country", "category"}


def test_malformed_parameters_are_named(client, auth):
    response = client.get(URL, {"seller": "abc", "brand": "x", "country": "XX", "category": "Bad Cat!"}, **auth)
    assert response.status_code == 400
    assert set(response.json()) == {"seller", "country", "category"}


def test_unknown_seller_or_brand_is_a_clear_404(client, auth):
    brand = BrandFactory()
    response = _check(client, auth, seller=999999, brand=brand.pk)
    assert (
        response.status_code == 404 and "seller" in response.json()["detail"] and "999999" in response.json()["detail"]
    )
    response = _check(client, auth, seller=SellerFactory().pk, brand="no-such-brand")
    assert response.status_code == 404 and "no-such-brand" in response.json()["detail"]


def test_key_needs_the_scope(client):
    _, key = services.api_key_create(name="flagger", scopes=[Scope.REPORTS_WRITE], actor=None)
    authz = BrandAuthorizationFactory()
    response = client.get(
        URL,
        {"seller": authz.seller_id, "brand": authz.brand_id, "country": "DE", "category": "shoes"},
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert response.status_code == 403 and "authorizations:read" in response.json()["detail"]
    assert client.get(URL).status_code == 401


@pytest.mark.parametrize("extra_rights", [0, 5])
def test_constant_query_count(client, auth, extra_rights, django_assert_num_queries):
    authz = BrandAuthorizationFactory()
    for _ in range(extra_rights):
        BrandAuthorizationFactory(seller=authz.seller, brand=authz.brand, status=BrandAuthorization.Status.REVOKED)
    _check(client, auth, seller=authz.seller_id, brand=authz.brand_id)  # the key's last_used_at is touched once
    # the key; then brand, seller status and authorizations in one query
    with django_assert_num_queries(2):
        assert _check(client, auth, seller=authz.seller_id, brand=authz.brand.name).status_code == 200


def test_schema_documents_the_gate(client):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    operation = schema["paths"]["/api/v1/authorizations/check"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"seller", "brand", "country", "category"}
    assert {"200", "400", "404"} <= set(operation["responses"])


def test_a_brand_owners_key_asks_only_about_its_own_brands(client, django_assert_num_queries):
    from sellers.models import BrandOwner
    from sellers.services.brands import brand_owner_api_key_issue

    owner = BrandOwner.objects.create(name="Acme Holding")
    own = BrandAuthorizationFactory(brand=BrandFactory(owner=owner))
    other = BrandAuthorizationFactory(brand=BrandFactory(owner=BrandOwner.objects.create(name="Rival AG")))
    link, secret = brand_owner_api_key_issue(owner=owner, actor=None)
    assert link.api_key.scopes == [Scope.AUTHORIZATIONS_READ]
    owner_auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}

    assert _check(client, owner_auth, seller=own.seller_id, brand=own.brand_id).json()["allowed"] is True
    with django_assert_num_queries(2):
        refused = _check(client, owner_auth, seller=other.seller_id, brand=other.brand_id)
    assert refused.status_code == 403 and "brand owner" in refused.json()["detail"]


def test_unknown_seller_is_named_even_when_the_brand_is_unknown_too(client, auth):
    response = _check(client, auth, seller=424242, brand="nothing-like-it")
    assert response.status_code == 404 and "424242" in response.json()["detail"]


def test_unprotected_brand_costs_two_queries(client, auth, django_assert_num_queries):
    brand, seller = BrandFactory(protected=False), SellerFactory()
    _check(client, auth, seller=seller.pk, brand=brand.pk)
    with django_assert_num_queries(2):
        assert _check(client, auth, seller=seller.pk, brand=brand.pk).json()["allowed"] is True


@pytest.mark.parametrize(
    ("overrides", "params", "allowed", "reason_part"),
    [
        ({}, {}, True, "Authorized"),
        ({"territories": ["AT"]}, {}, False, "does not cover DE"),
        ({"categories": ["bags"]}, {}, False, "category shoes"),
        ({"valid_until": "today"}, {}, True, "Authorized"),
        ({"valid_until": "yesterday"}, {}, False, "expired on"),
        ({"valid_from": "tomorrow"}, {}, False, "starts on"),
        ({"status": BrandAuthorization.Status.REVOKED}, {}, False, "revoked"),
        ({"status": BrandAuthorization.Status.REJECTED}, {}, False, "rejected"),
        ({"status": BrandAuthorization.Status.IN_REVIEW}, {}, False, "under review"),
        ({"territories": [], "categories": []}, {"country": "JP", "category": "watches"}, True, "Authorized"),
    ],
)
def test_every_scope_and_date_edge_through_the_api(client, auth, overrides, params, allowed, reason_part):
    today = timezone.localdate()
    days = {"today": today, "yesterday": today - timedelta(days=1), "tomorrow": today + timedelta(days=1)}
    values = {"territories": ["DE"], "categories": ["shoes"]}
    values |= {k: days[v] if isinstance(v, str) and v in days else v for k, v in overrides.items()}
    authz = BrandAuthorizationFactory(**values)
    body = _check(client, auth, seller=authz.seller_id, brand=authz.brand.slug, **params).json()
    assert body["allowed"] is allowed and reason_part in body["reason"]
    assert (body["authorization"] is not None) is allowed


def test_the_usable_right_wins_among_several(client, auth):
    today = timezone.localdate()
    current = BrandAuthorizationFactory(territories=["DE"], valid_until=today + timedelta(days=3))
    for status in (BrandAuthorization.Status.REVOKED, BrandAuthorization.Status.EXPIRED):
        BrandAuthorizationFactory(seller=current.seller, brand=current.brand, status=status)
    BrandAuthorizationFactory(brand=current.brand)  # another seller's right does not leak in
    body = _check(client, auth, seller=current.seller_id, brand=current.brand_id).json()
    assert body["authorization"]["id"] == current.pk
    body = _check(client, auth, seller=current.seller_id, brand=current.brand_id, country="FR").json()
    assert body["allowed"] is False and "does not cover FR" in body["reason"]


def test_a_name_that_is_another_brands_slug_picks_one_brand(client, auth):
    older = BrandFactory(name="alpha", slug="alpha-original")
    BrandFactory(name="Beta", slug="alpha")
    authz = BrandAuthorizationFactory(brand=older)
    body = _check(client, auth, seller=authz.seller_id, brand="alpha").json()
    assert body["allowed"] is True and body["authorization"]["id"] == authz.pk


@pytest.mark.parametrize("brand_ref", ["9" * 30, "²", "  "])
def test_odd_references_are_answered_not_crashed(client, auth, brand_ref):
    seller = SellerFactory()
    response = _check(client, auth, seller=seller.pk, brand=brand_ref)
    assert response.status_code in (400, 404)
    assert _check(client, auth, seller="9" * 30, brand="x").status_code == 400
