"""Seller pages: the statement of reasons and the appeal form, scoped to the seller's own decisions."""

from __future__ import annotations

import pytest

from moderation.models import Appeal
from moderation.models.decisions import Action
from moderation.services.decisions import case_decide
from portal.roles import Role
from tests.factories import staff
from tests.moderation.factories import CaseFactory, ListingFactory, PolicyFactory
from tests.sellers.factories import seller_with_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def decided():
    seller, member = seller_with_member()
    case = CaseFactory(listing=ListingFactory(seller=seller, title="Silk scarf 90"))
    decision = case_decide(case=case, actor=staff(Role.MODERATOR), action=Action.REMOVE_LISTING, policy=PolicyFactory())
    return decision, member


def test_the_seller_reads_the_statement_of_reasons(client, decided):
    decision, member = decided
    client.force_login(member)
    listing_page = client.get("/seller/decisions/")
    assert listing_page.status_code == 200
    assert f"/seller/decisions/{decision.pk}/" in listing_page.content.decode()
    html = client.get(f"/seller/decisions/{decision.pk}/").content.decode()
    for part in (
        "Measure",
        "Territorial scope",
        "Duration",
        "Facts and circumstances",
        "Automated means",
        "Ground",
        decision.policy.reference,
        "appeal",
    ):
        assert part in html, part
    assert '<label for="id_grounds">' in html


def test_the_seller_appeals_and_errors_stay_next_to_the_field(client, decided):
    decision, member = decided
    client.force_login(member)
    bad = client.post(f"/seller/decisions/{decision.pk}/appeal/", {"grounds": "no"})
    assert bad.status_code == 400
    assert 'id="id_grounds_error"' in bad.content.decode()
    ok = client.post(
        f"/seller/decisions/{decision.pk}/appeal/", {"grounds": "We hold a licence; see the attached invoice."}
    )
    assert ok.status_code == 302
    assert Appeal.objects.get().decision == decision
    page = client.get(f"/seller/decisions/{decision.pk}/").content.decode()
    assert "pending" in page.lower()
    assert "Send the appeal" not in page


def test_other_sellers_and_anonymous_users_see_nothing(client, decided):
    decision, _member = decided
    _other, stranger = seller_with_member()
    client.force_login(stranger)
    assert client.get(f"/seller/decisions/{decision.pk}/").status_code == 404
    assert client.post(f"/seller/decisions/{decision.pk}/appeal/", {"grounds": "Let me in please."}).status_code == 404
    assert f"/seller/decisions/{decision.pk}/" not in client.get("/seller/decisions/").content.decode()
    client.logout()
    assert client.get("/seller/decisions/").status_code == 302
    assert not Appeal.objects.exists()
