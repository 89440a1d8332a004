"""Invitation, wizard with uploads, approval by an officer with two factors, the seller sees it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from portal.roles import Role
from sellers.models import Application, Seller
from sellers.services import onboarding as services
from tests.browser.test_console_journey import _sign_in
from tests.factories import staff, totp_device
from tests.sellers.onboarding_helpers import jpeg_bytes, pdf_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-and-unusual-passphrase-42"


def _images_loaded(page) -> None:
    # SQLite's live test server may drop a parallel preview request; PostgreSQL does not.
    for _ in range(3):
        page.wait_for_load_state("networkidle")
        if page.evaluate("() => [...document.images].every(i => i.complete && i.naturalWidth > 0)"):
            return
        page.reload()


def _continue(page):
    page.get_by_role("button", name="Save and continue").click()


def test_invitation_to_approval(page, chromium, live_server, tmp_path, shot):
    officer = staff(Role.VETTING_OFFICER, username="olivia", first_name="Olivia")
    device = totp_device(officer)
    _invitation, token = services.invitation_create(
        email="erika@lindenhof.example", business_name="Lindenhof Lederwaren GmbH", actor=officer
    )
    files = {
        "id.jpg": jpeg_bytes(1, size=(900, 600)),
        "register.pdf": pdf_bytes(),
        "bill.jpg": jpeg_bytes(2, size=(900, 600)),
        "tax.pdf": pdf_bytes(2),
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)

    # the seller accepts the invitation
    page.goto(f"/invite/{token}/")
    shot(page, "seller-invitation")
    page.get_by_label("First name").fill("Erika")
    page.get_by_label("Last name").fill("Mustermann")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_role("button", name="Create my account").click()
    page.wait_for_url("**/seller/application/business/")

    # business identity, with a wrong VAT id first: the error sits next to the field
    page.get_by_label("Legal name").fill("Lindenhof Lederwaren GmbH")
    page.get_by_label("Trading name").fill("Lindenhof Leather")
    page.get_by_label("a company").check()
    page.get_by_label("Country of registration").select_option("DE")
    page.get_by_label("Trade register").fill("Amtsgericht München")
    page.get_by_label("Registration number").fill("HRB 245781")
    page.get_by_label("Tax / VAT id").fill("DE136695977")
    _continue(page)
    assert page.locator("#id_tax_id_error").is_visible()
    shot(page, "seller-wizard-error")
    page.get_by_label("Tax / VAT id").fill("DE136695976")
    _continue(page)

    page.wait_for_url("**/contacts/")
    page.get_by_label("Street and number").fill("Sendlinger Straße 12")
    page.get_by_label("Postal code").fill("80331")
    page.get_by_label("City").fill("München")
    page.get_by_label("Country", exact=True).select_option("DE")
    page.get_by_label("Phone").fill("+49 89 2339 6000")
    page.get_by_label("E-mail for customers and notices").fill("shop@lindenhof.example")
    _continue(page)

    page.wait_for_url("**/representative/")
    page.get_by_label("First name").fill("Erika")
    page.get_by_label("Last name").fill("Mustermann")
    page.get_by_label("Role in the business").fill("Managing director")
    page.get_by_label("Date of birth").fill("1980-04-01")
    page.get_by_label("Nationality").select_option("DE")
    page.get_by_label("ID document (passport or identity card)").set_input_files(str(tmp_path / "id.jpg"))
    _continue(page)

    page.wait_for_url("**/payment/")
    page.get_by_label("Account holder").fill("Lindenhof Lederwaren GmbH")
    page.get_by_label("IBAN (Europe and elsewhere)").check()
    page.get_by_label("IBAN", exact=True).fill("DE89 3704 0044 0532 0130 00")
    page.get_by_label("Country of the bank").select_option("DE")
    _continue(page)

    page.wait_for_url("**/documents/")
    page.get_by_label("Business registration (extract from the trade register)").set_input_files(
        str(tmp_path / "register.pdf")
    )
    page.get_by_label("Proof of address (utility bill or bank statement)").set_input_files(str(tmp_path / "bill.jpg"))
    page.get_by_label("Date on the proof of address").fill((timezone.localdate() - timedelta(days=12)).isoformat())
    page.get_by_label("Tax document (VAT or tax registration certificate)").set_input_files(str(tmp_path / "tax.pdf"))
    _continue(page)

    page.wait_for_url("**/certification/")
    page.get_by_role("checkbox").check()
    _continue(page)

    page.wait_for_url("**/review/")
    assert page.get_by_role("button", name="Submit the application").is_visible()
    shot(page, "seller-wizard-review")
    page.get_by_role("button", name="Submit the application").click()
    page.wait_for_url("**/seller/")
    page.get_by_text("Our vetting team is reviewing it").wait_for()
    shot(page, "seller-status-submitted")

    application = Application.objects.get(seller__legal_name="Lindenhof Lederwaren GmbH")
    assert application.status == Application.Status.SUBMITTED

    # the officer signs in with two factors and approves
    console = chromium.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    officer_page = console.new_page()
    try:
        _sign_in(officer_page, officer, device)
        officer_page.wait_for_url("**/console/")
        officer_page.goto("/console/sellers/application/")
        shot(officer_page, "console-application-queue")
        officer_page.get_by_role("link", name=str(application.pk), exact=True).click()
        officer_page.wait_for_load_state("networkidle")
        officer_page.get_by_role("button", name="Assign to me and start the review").click()
        officer_page.get_by_text("In review by").wait_for()
        officer_page.wait_for_load_state("networkidle")
        for select in officer_page.locator("select[name$='-status']").all():
            select.select_option("verified")
        officer_page.get_by_role("button", name="Save the checklist").click()
        officer_page.get_by_text("Checklist saved (9 change(s)).").wait_for()
        _images_loaded(officer_page)
        officer_page.get_by_label("Approve — note to the seller (optional)").fill("Welcome to the marketplace.")
        shot(officer_page, "console-application-review")
        officer_page.get_by_role("button", name="Approve", exact=True).click()
        officer_page.get_by_text("Approved. The seller is active").wait_for()
    finally:
        console.close()

    # the seller sees the approval
    page.goto("/seller/")
    page.get_by_text("You may sell on the marketplace").wait_for()
    shot(page, "seller-status-approved")
    assert Seller.objects.get(pk=application.seller_id).status == Seller.Status.ACTIVE
