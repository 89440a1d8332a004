"""A notice arrives by API; a moderator claims it and removes the listing under a policy; the seller reads
the statement of reasons and appeals; a senior moderator overturns the decision; the listing is back."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from moderation.demo import add_demo_images
from moderation.models import Case, Decision, Listing, Notifier
from moderation.services.cases import rescore
from moderation.services.listings import listing_upsert
from moderation.services.notices import notice_submit
from portal import services
from portal.api_auth import Scope
from portal.roles import Role
from tests.browser.test_console_journey import _sign_in
from tests.factories import TEST_PASSWORD, staff, totp_device
from tests.moderation.factories import CaseFactory, ListingFactory, NotifierFactory, PolicyFactory
from tests.sellers.factories import BrandFactory, SellerFactory, seller_with_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _busy_queue():
    """Other work in the queue, so the screenshot shows why cases are where they are."""
    other = SellerFactory(legal_name="Quickship Trading Ltd", trading_name="Quickship")
    protected = BrandFactory(name="Kirin Time", slug="kirin-time", protected=True)
    listing_upsert(
        external_id="MKT-2001",
        data={
            "seller": other,
            "brand": protected,
            "title": "Kirin Time chronograph, boxed",
            "price": Decimal("69.00"),
            "currency": "EUR",
            "url": "https://marketplace.example/items/MKT-2001",
            "category": "watches",
        },
        actor=None,
    )
    charger = ListingFactory(seller=other, title="USB fast charger 65 W", external_id="MKT-2002")
    for name in ("Bea Buyer", "Carl Customer"):
        notifier = NotifierFactory(name=name)
        notice_submit(
            listing=charger,
            notifier=notifier,
            reason="prohibited_or_unsafe",
            explanation="No CE marking; it got hot enough to melt the plug within minutes.",
            notifier_name=name,
            notifier_email=notifier.email,
            good_faith=True,
            channel="form",
        )
    late = CaseFactory(
        listing=ListingFactory(seller=other, title="Leather weekender bag", external_id="MKT-2003"),
        reason="misleading_listing",
        due_at=timezone.now() - timedelta(hours=3),
    )
    rescore(late)


def _sign_out(page):
    # Let the page's last requests (lazy images) finish first: each answer renews the
    # session cookie, and one arriving after the clear would sign the user back in.
    page.wait_for_load_state("networkidle")
    page.context.clear_cookies()


def test_notice_claim_remove_statement_appeal_overturn(page, shot):
    seller, member = seller_with_member(legal_name="Bazaar Deals Ltd", trading_name="Bazaar Deals")
    brand = BrandFactory(name="Nordlicht", slug="nordlicht", protected=False)
    listing = ListingFactory(
        seller=seller, brand=brand, title="Nordlicht Fjell down jacket", price="39.00", external_id="MKT-1001"
    )
    ListingFactory(seller=seller, title="Travel pillow", external_id="MKT-1002")
    add_demo_images(listing, colours=[(24, 46, 84), (150, 32, 40)])
    policy = PolicyFactory(
        statement_template="The listing “{listing}” offers goods bearing the {brand} trade mark that are not genuine."
    )
    key_row, key = services.api_key_create(name="Counterfeit Watch", scopes=[Scope.REPORTS_WRITE], actor=None)
    NotifierFactory(kind=Notifier.Kind.TRUSTED_FLAGGER, api_key=key_row, name="Counterfeit Watch e.V.")
    _busy_queue()

    # 1. A notice arrives by API.
    response = page.request.post(
        "/api/v1/reports",
        headers={"Authorization": f"Bearer {key}", "Idempotency-Key": "cw-2026-0001"},
        data={
            "listing": "MKT-1001",
            "reason": "counterfeit",
            "explanation": "Test purchase: synthetic filling, misaligned logo patch, no hologram tag.",
            "evidence_urls": ["https://evidence.example.org/cw-2026-0001"],
            "notifier_name": "Counterfeit Watch",
            "notifier_email": "desk@counterfeit-watch.example",
            "good_faith": True,
        },
    )
    assert response.status == 201, response.text()
    case = Case.objects.get(listing=listing)

    # 2. A moderator claims the next case from the queue and removes the listing under the policy.
    moderator = staff(Role.MODERATOR, username="mara-moderator")
    _sign_in(page, moderator, totp_device(moderator))
    page.wait_for_url("**/console/")
    page.set_viewport_size({"width": 1600, "height": 900})
    page.goto("/console/moderation/case/")
    assert page.get_by_role("button", name="Claim next case").is_visible()
    assert page.get_by_text("Trusted flagger (DSA Art. 22) (+40)").is_visible()
    shot(page, "moderation-queue")
    page.set_viewport_size({"width": 1280, "height": 860})
    page.get_by_role("button", name="Claim next case").click()
    page.wait_for_url(f"**/console/moderation/case/{case.pk}/change/")
    assert page.get_by_text("You hold this case").is_visible()
    photo = page.get_by_role("img", name="Listing image 2, as fetched")
    photo.scroll_into_view_if_needed()
    assert photo.evaluate("img => img.complete && img.naturalWidth > 0"), "the stored preview did not load"
    page.get_by_label("Action").select_option("remove_listing")
    page.get_by_label("Policy").select_option(str(policy.pk))
    page.get_by_label("Explanation for the seller").fill("Our test purchase confirmed the notifier's findings.")
    shot(page, "moderation-case")
    page.get_by_role("button", name="Decide and send the statement of reasons").click()
    page.wait_for_url(f"**/console/moderation/case/{case.pk}/change/")
    assert page.get_by_text("Decided:").is_visible()
    listing.refresh_from_db()
    assert listing.status == Listing.Status.REMOVED
    decision = Decision.objects.get(case=case)

    # 3. The seller reads the statement of reasons and appeals.
    _sign_out(page)
    page.goto("/accounts/login/?next=/seller/decisions/")
    page.get_by_label("Username").fill(member.username)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/seller/decisions/")
    page.get_by_role("link", name=f"#{decision.pk}").click()
    assert page.get_by_text("Statement of reasons").first.is_visible()
    assert page.get_by_text(policy.reference).is_visible()
    page.get_by_label("Why is the decision wrong?").fill(
        "We buy from Nordlicht's authorised distributor; invoices attached to our account."
    )
    shot(page, "seller-statement-and-appeal")
    page.get_by_role("button", name="Send the appeal").click()
    assert page.get_by_text("Your appeal was received").is_visible()

    # 4. A senior moderator who did not decide overturns it; the listing is back.
    _sign_out(page)
    senior = staff(Role.SENIOR_MODERATOR, username="sami-senior")
    _sign_in(page, senior, totp_device(senior))
    page.wait_for_url("**/console/")
    page.goto(f"/console/moderation/case/{case.pk}/change/")
    page.get_by_label("Overturn it and reverse its effects").check()
    page.get_by_label("Explanation for the seller").fill("The distributor invoices are genuine and cover this jacket.")
    page.get_by_role("button", name="Decide the appeal").click()
    assert page.get_by_text("Appeal decided.").is_visible()
    listing.refresh_from_db()
    assert listing.status == Listing.Status.ACTIVE
    decision.refresh_from_db()
    assert decision.status == Decision.Status.OVERTURNED
