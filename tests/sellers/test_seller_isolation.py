"""Seller A cannot read or change anything of seller B through any seller page or document link."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, get_resolver, reverse

from sellers.models import Application, Document, Seller
from sellers.services import onboarding as services
from tests.sellers.factories import seller_with_member
from tests.sellers.onboarding_helpers import complete_application

pytestmark = pytest.mark.django_db


def _seller_patterns():
    """Every URL of the sellers namespace: (name, pattern, converter names)."""
    resolver = get_resolver()
    for entry in resolver.url_patterns:
        if getattr(entry, "namespace", None) != "sellers":
            continue
        for pattern in entry.url_patterns:
            if isinstance(pattern, URLPattern):
                yield pattern.name, pattern


@pytest.fixture
def two_sellers(django_capture_on_commit_callbacks):
    seller_a, user_a = seller_with_member(status=Seller.Status.ONBOARDING)
    seller_b, user_b = seller_with_member(status=Seller.Status.ONBOARDING, legal_name="Secret Rival Ltd")
    for seller in (seller_a, seller_b):
        Application.objects.create(seller=seller)
    with django_capture_on_commit_callbacks(execute=True):
        complete_application(seller_b, user_b, seed=3)
    return (seller_a, user_a), (seller_b, user_b)


def test_every_id_bearing_seller_url_refuses_another_sellers_objects(client, two_sellers):
    (_a, user_a), (seller_b, _user_b) = two_sellers
    client.force_login(user_a)
    foreign_ids = set(Document.objects.filter(seller=seller_b).values_list("pk", flat=True))
    foreign_ids |= set(Application.objects.filter(seller=seller_b).values_list("pk", flat=True))
    foreign_ids |= set(seller_b.brand_authorizations.values_list("pk", flat=True))
    checked = 0
    for name, pattern in _seller_patterns():
        int_args = [k for k, conv in pattern.pattern.converters.items() if conv.__class__.__name__ == "IntConverter"]
        if len(int_args) != 1:
            continue
        for pk in foreign_ids:
            url = reverse(f"sellers:{name}", kwargs={int_args[0]: pk})
            for method in ("get", "post"):
                response = getattr(client, method)(url)
                assert response.status_code in (403, 404, 405), (url, method, response.status_code)
                checked += 1
    assert checked >= 2 * 2 * len(foreign_ids)  # at least download and preview, by GET and POST


def test_pages_without_ids_show_only_the_own_sellers_data(client, two_sellers):
    (_seller_a, user_a), (seller_b, _user_b) = two_sellers
    client.force_login(user_a)
    b_docs = list(Document.objects.filter(seller=seller_b))
    for name, pattern in _seller_patterns():
        if pattern.pattern.converters:
            if name != "wizard-step":
                continue
            urls = [
                reverse("sellers:wizard-step", args=[s])
                for s in ("business", "contacts", "representative", "payment", "documents", "certification", "review")
            ]
        else:
            urls = [reverse(f"sellers:{name}")]
        for url in urls:
            body = client.get(url, follow=True).content.decode()
            assert "Secret Rival Ltd" not in body and "Example Trading GmbH" not in body, url
            for doc in b_docs:
                assert reverse("sellers:document-download", args=[doc.pk]) not in body, url


def test_a_seller_cannot_change_or_submit_another_sellers_application(client, two_sellers):
    (_seller_a, user_a), (seller_b, _user_b) = two_sellers
    client.force_login(user_a)
    b_app = seller_b.applications.get()
    before = dict(b_app.data)
    client.post(reverse("sellers:wizard-step", args=["business"]), {"legal_name": "Hijacked", "application": b_app.pk})
    client.post(reverse("sellers:wizard-step", args=["review"]), {"application": b_app.pk})
    b_app.refresh_from_db()
    assert b_app.data == before and b_app.status == Application.Status.DRAFT
    assert services.application_missing(b_app) == []  # B's complete draft is untouched, not submitted by A


def test_selectors_scope_every_query(two_sellers):
    from sellers.selectors import applications_visible_to, documents_visible_to

    (seller_a, user_a), (seller_b, user_b) = two_sellers
    assert set(applications_visible_to(user_a).values_list("seller_id", flat=True)) == {seller_a.pk}
    assert not documents_visible_to(user_a).filter(seller=seller_b).exists()
    assert documents_visible_to(user_b).filter(seller=seller_b).count() == 4
