"""A seller requests a brand authorization with an LoA, an officer approves it, the gate says yes;
the LoA expires and the gate says no, with the reason."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from pypdf import PdfWriter

from portal import services
from portal.api_auth import Scope
from portal.roles import Role
from sellers.models import BrandAuthorization, Document, TrademarkRegistration
from sellers.services.brands import authorization_expire
from tests.browser.test_console_journey import _sign_in
from tests.factories import TEST_PASSWORD, staff, totp_device
from tests.sellers.factories import BrandFactory, seller_with_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _letter_pdf(tmp_path):
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    path = tmp_path / "nordlicht-letter-of-authorization.pdf"
    path.write_bytes(buffer.getvalue())
    return path


def _gate(page, key, *, seller, brand):
    response = page.request.get(
        f"/api/v1/authorizations/check?seller={seller.pk}&brand={brand.name}&country=AT&category=boots",
        headers={"Authorization": f"Bearer {key}"},
    )
    assert response.status == 200
    return response.json()


def test_request_approve_gate_expire(page, shot, tmp_path):
    today = timezone.localdate()
    seller, member = seller_with_member(legal_name="Alpenhaus Handels GmbH", trading_name="Alpenhaus")
    brand = BrandFactory(name="Nordlicht", slug="nordlicht")
    TrademarkRegistration.objects.create(
        brand=brand, office="EUIPO", number="018765432", owner_name="Nordlicht Outdoor AG", nice_classes=[18, 25]
    )
    _, key = services.api_key_create(name="marketplace", scopes=[Scope.AUTHORIZATIONS_READ], actor=None)

    # The seller asks, with the letter of authorization.
    page.goto("/accounts/login/?next=/seller/brands/")
    page.get_by_label("Username").fill(member.username)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/seller/brands/")
    page.get_by_role("link", name="Request an authorization").click()
    page.get_by_label("Brand").select_option(label="Nordlicht")
    page.get_by_label("letter of authorization from the owner").check()
    page.get_by_label("Countries").fill("DE, AT")
    page.get_by_label("Product categories").fill("boots, jackets")
    page.get_by_label("First day of the right").fill(today.isoformat())
    page.get_by_label("Last day of the right").fill((today + timedelta(days=3)).isoformat())
    page.get_by_label("Who signed your letter of authorization").fill("Nordlicht Outdoor AG")
    page.locator("#id_document").set_input_files(str(_letter_pdf(tmp_path)))
    shot(page, "seller-brand-authorization-request")
    page.get_by_role("button", name="Send request").click()
    page.wait_for_url("**/seller/brands/")
    page.get_by_text("Your request to list Nordlicht was sent").wait_for()
    authz = BrandAuthorization.objects.get(seller=seller, brand=brand)
    assert authz.documents.get().status == Document.Status.ACCEPTED

    assert _gate(page, key, seller=seller, brand=brand)["allowed"] is False

    # An officer reviews it in the console with the checklist.
    page.wait_for_load_state("networkidle")  # no late answer may renew the session cookie
    page.context.clear_cookies()
    officer = staff(Role.VETTING_OFFICER, first_name="Olivia")
    _sign_in(page, officer, totp_device(officer))
    page.wait_for_url("**/console/")
    page.goto(f"/console/sellers/brandauthorization/{authz.pk}/change/")
    page.get_by_role("button", name="Take into review").click()
    page.get_by_text("Taken into review.").wait_for()
    assert page.get_by_role("link", name="download").count() == 1
    for box in page.locator("ul.checklist input[type=checkbox]").all():
        box.check()
    page.get_by_label("Note to the seller (optional)").fill("Letter checked against the owner's letterhead.")
    shot(page, "console-brand-authorization-review")
    page.get_by_role("button", name="Approve").click()
    page.get_by_text("Approved. The seller has been told.").wait_for()
    authz.refresh_from_db()
    assert authz.status == BrandAuthorization.Status.APPROVED

    answer = _gate(page, key, seller=seller, brand=brand)
    assert answer["allowed"] is True and answer["authorization"]["id"] == authz.pk

    # The letter's term ends; the sweep expires the right and the gate explains why.
    authorization_expire(authorization=authz, today=authz.valid_until + timedelta(days=1))
    answer = _gate(page, key, seller=seller, brand=brand)
    assert answer["allowed"] is False
    assert answer["reason"] == f"The seller's authorization for this brand expired on {authz.valid_until.isoformat()}."

    page.wait_for_load_state("networkidle")  # no late answer may renew the session cookie
    page.context.clear_cookies()
    page.goto("/accounts/login/?next=/seller/brands/")
    page.get_by_label("Username").fill(member.username)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/seller/brands/")
    page.get_by_text("Request a new authorization to keep listing this brand").wait_for()
    shot(page, "seller-brand-authorizations-expired")
