"""Every seller page goes through one gate (sellers.decorators.seller_member_required).

Onboarding, brand authorization and decision pages each keep their own refusal
page; log-in redirects and the seller the view is given are the same everywhere.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.test import RequestFactory

from portal.roles import Role
from sellers.decorators import seller_member_required
from sellers.models import Application
from tests.factories import staff
from tests.sellers.factories import seller_with_member

pytestmark = pytest.mark.django_db

PAGES = [
    # url, what the page tells an account that acts for no seller
    ("/seller/", "These pages are for invited sellers"),
    ("/seller/application/", "These pages are for invited sellers"),
    ("/seller/brands/", "Your account does not belong to one."),
    ("/seller/brands/request/", "Your account does not belong to one."),
    ("/seller/decisions/", "Your account does not act for a seller."),
]


@pytest.mark.parametrize(("url", "_refusal"), PAGES)
def test_a_visitor_who_is_not_signed_in_is_sent_to_log_in_and_back(client, url, _refusal):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={url}"


@pytest.mark.parametrize(("url", "refusal"), PAGES)
def test_an_account_that_acts_for_no_seller_gets_the_pages_own_refusal(client, url, refusal):
    client.force_login(staff(Role.VETTING_OFFICER))
    response = client.get(url)
    assert response.status_code == 403
    assert refusal in response.content.decode()


@pytest.mark.parametrize(("url", "_refusal"), PAGES)
def test_a_member_reaches_the_page(client, url, _refusal):
    seller, member = seller_with_member()
    Application.objects.create(seller=seller)
    client.force_login(member)
    response = client.get(url)
    if response.status_code == 302:  # the wizard sends a member on to its current step, never to log in
        assert response["Location"].startswith("/seller/") and "login" not in response["Location"], response["Location"]
        response = client.get(response["Location"])
    assert response.status_code == 200


def _seller_of(request):
    return HttpResponse(str(request.seller.pk))


def test_the_gate_hands_the_view_its_seller_and_names_the_refusal_page():
    seller, member = seller_with_member()
    factory = RequestFactory()

    member_request = factory.get("/somewhere/")
    member_request.user = member
    assert seller_member_required(_seller_of)(member_request).content == str(seller.pk).encode()

    anonymous = factory.get("/somewhere/?x=1")
    anonymous.user = AnonymousUser()
    assert seller_member_required(_seller_of)(anonymous)["Location"] == "/accounts/login/?next=/somewhere/%3Fx%3D1"

    outsider = factory.get("/somewhere/")
    outsider.user = staff(Role.MODERATOR)
    refused = seller_member_required(refusal_template="moderation/no_seller.html")(_seller_of)(outsider)
    assert refused.status_code == 403 and "does not act for a seller" in refused.content.decode()
