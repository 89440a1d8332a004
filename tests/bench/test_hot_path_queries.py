"""Statement budgets of the hot paths measured in bench/ (guards for CI)."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from portal import services
from portal.api_auth import Scope
from sellers.models import BrandAuthorization, Seller

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(capsys):
    call_command(
        "seed_scale",
        "--preset=small",
        "--json",
        "--sellers=40",
        "--brands=20",
        "--listings=0",
        "--reports=0",
        "--cases=0",
        "--events=0",
        "--fingerprints=0",
        "--moderators=0",
    )
    capsys.readouterr()


def test_the_gate_answers_in_four_statements_whatever_the_seller_holds(seeded, client, django_assert_max_num_queries):
    _key, secret = services.api_key_create(name="gate", scopes=[Scope.AUTHORIZATIONS_READ], actor=None)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    url = reverse("api:authorizations-check")
    client.get(url, {"seller": 1, "brand": 1, "country": "DE", "category": "bags"}, **headers)  # key's first use
    busiest = (
        BrandAuthorization.objects.filter(seller__status=Seller.Status.ACTIVE, status="approved")
        .values_list("seller_id", "brand_id")
        .first()
    )
    assert busiest is not None
    seller, brand = busiest
    with django_assert_max_num_queries(4):
        response = client.get(url, {"seller": seller, "brand": brand, "country": "DE", "category": "bags"}, **headers)
    assert response.status_code == 200
