"""PUT /api/v1/listings/<external_id> and the batch endpoint: idempotent upsert, clear 400s."""

from __future__ import annotations

import pytest
from django.db import IntegrityError

from moderation.audit_actions import ModerationAction
from moderation.models import Case, Listing, ListingImage
from portal.api_auth import Scope
from portal.audit.models import AuditEvent
from tests.moderation.factories import ListingFactory, api_key
from tests.sellers.factories import BrandAuthorizationFactory, BrandFactory, SellerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def auth():
    _key, full = api_key(Scope.LISTINGS_WRITE)
    return {"HTTP_AUTHORIZATION": f"Bearer {full}"}


def _body(seller, **over):
    body = {
        "seller": seller.pk,
        "title": "Silk scarf",
        "description": "100% silk",
        "category": "scarves",
        "price": "89.00",
        "currency": "EUR",
        "url": "https://shop.example.com/items/A1",
        "image_urls": [],
    }
    body.update(over)
    return body


def test_put_creates_then_updates_and_repeating_changes_nothing(client, auth):
    seller = SellerFactory()
    url = "/api/v1/listings/A1"

    first = client.put(url, _body(seller), content_type="application/json", **auth)
    assert first.status_code == 201, first.content
    assert first.json()["external_id"] == "A1"

    again = client.put(url, _body(seller), content_type="application/json", **auth)
    assert again.status_code == 200
    assert Listing.objects.count() == 1
    assert AuditEvent.objects.filter(action=ModerationAction.LISTING_UPDATED).count() == 0

    changed = client.put(url, _body(seller, price="79.00"), content_type="application/json", **auth)
    assert changed.status_code == 200
    assert str(Listing.objects.get().price) == "79.00"
    event = AuditEvent.objects.get(action=ModerationAction.LISTING_UPDATED)
    assert event.changes["price"] == {"before": "89.00", "after": "79.00"}


def test_bad_input_names_each_field_and_saves_nothing(client, auth):
    response = client.put(
        "/api/v1/listings/A2",
        {"seller": 999999, "title": "", "price": "-1", "currency": "euro", "url": "not a url"},
        content_type="application/json",
        **auth,
    )
    assert response.status_code == 400
    errors = response.json()
    assert {"seller", "title", "price", "currency", "url"} <= set(errors)
    assert Listing.objects.count() == 0


def test_wrong_scope_is_refused(client):
    _key, full = api_key(Scope.REPORTS_WRITE)
    response = client.put(
        "/api/v1/listings/A3",
        _body(SellerFactory()),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {full}",
    )
    assert response.status_code == 403
    assert "listings:write" in response.json()["detail"]


def test_batch_upserts_many_and_rejects_the_whole_batch_on_one_bad_item(client, auth):
    seller = SellerFactory()
    items = [dict(_body(seller, url=f"https://shop.example.com/items/B{i}"), external_id=f"B{i}") for i in range(3)]
    ok = client.post("/api/v1/listings/batch", {"listings": items}, content_type="application/json", **auth)
    assert ok.status_code == 200, ok.content
    assert [r["created"] for r in ok.json()["results"]] == [True, True, True]

    items[1]["price"] = "abc"
    items.append(dict(_body(seller), external_id="B9"))
    bad = client.post("/api/v1/listings/batch", {"listings": items}, content_type="application/json", **auth)
    assert bad.status_code == 400
    errors = bad.json()["listings"]
    assert set(errors) == {"1"}  # only the bad item is named
    assert "price" in errors["1"]
    assert not Listing.objects.filter(external_id="B9").exists()


def test_batch_refuses_more_than_500_and_duplicates(client, auth):
    seller = SellerFactory()
    item = dict(_body(seller), external_id="C1")
    too_many = client.post(
        "/api/v1/listings/batch", {"listings": [item] * 501}, content_type="application/json", **auth
    )
    assert too_many.status_code == 400
    dupes = client.post("/api/v1/listings/batch", {"listings": [item, item]}, content_type="application/json", **auth)
    assert dupes.status_code == 400
    assert "once" in str(dupes.json()["listings"])


def test_protected_brand_without_authorization_opens_an_automated_case(client, auth):
    seller = SellerFactory()
    brand = BrandFactory(protected=True)
    response = client.put("/api/v1/listings/D1", _body(seller, brand=brand.pk), content_type="application/json", **auth)
    assert response.status_code == 201
    case = Case.objects.get(listing__external_id="D1")
    assert case.automated is True
    assert case.source == Case.Source.AUTOMATED
    assert case.findings["no_authorization"] == brand.name
    assert any(s["code"] == "no_authorization" for s in case.signals)

    # an unchanged re-sync leaves the case alone
    events = AuditEvent.objects.count()
    client.put("/api/v1/listings/D1", _body(seller, brand=brand.pk), content_type="application/json", **auth)
    assert AuditEvent.objects.count() == events


def test_authorized_seller_gets_no_case(client, auth):
    authz = BrandAuthorizationFactory()
    response = client.put(
        "/api/v1/listings/E1", _body(authz.seller, brand=authz.brand.pk), content_type="application/json", **auth
    )
    assert response.status_code == 201
    assert not Case.objects.exists()


def test_image_urls_become_images_the_fetch_task_checks(client, auth, settings, django_capture_on_commit_callbacks):
    settings.MODERATION_IMAGE_HOSTS = []  # nothing allowed: the task refuses, the listing is still saved
    seller = SellerFactory()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.put(
            "/api/v1/listings/F1",
            _body(seller, image_urls=["https://img.example.com/a.jpg"]),
            content_type="application/json",
            **auth,
        )
    assert response.status_code == 201
    image = ListingImage.objects.get()
    assert image.status == ListingImage.Status.REFUSED
    assert "allow-list" in image.refusal_reason


def test_external_id_is_unique_in_the_database():
    listing = ListingFactory()
    with pytest.raises(IntegrityError):
        ListingFactory(external_id=listing.external_id)


def test_price_below_30_percent_of_the_reference_price_is_a_signal(client, auth):
    from sellers.models import BrandReferencePrice

    authz = BrandAuthorizationFactory()  # authorized: only the price speaks
    BrandReferencePrice.objects.create(brand=authz.brand, category="scarves", currency="EUR", amount="300.00")
    cheap = client.put(
        "/api/v1/listings/G1",
        _body(authz.seller, brand=authz.brand.pk, price="60.00"),
        content_type="application/json",
        **auth,
    )
    assert cheap.status_code == 201
    case = Case.objects.get(listing__external_id="G1")
    assert case.automated and case.reason == "counterfeit"
    assert case.findings["price_ratio"] == 0.2
    assert any(s["code"] == "price" for s in case.signals)

    fair = client.put(
        "/api/v1/listings/G2",
        _body(authz.seller, brand=authz.brand.pk, price="120.00"),
        content_type="application/json",
        **auth,
    )
    assert fair.status_code == 201
    assert not Case.objects.filter(listing__external_id="G2").exists()


def test_an_image_url_given_twice_is_a_field_error_not_a_crash(client, auth):
    seller = SellerFactory()
    url = "https://cdn.marketplace.example/a.jpg"
    response = client.put(
        "/api/v1/listings/DUP-1", _body(seller, image_urls=[url, url]), content_type="application/json", **auth
    )
    assert response.status_code == 400
    assert "image_urls" in response.json()
    assert Listing.objects.count() == 0
