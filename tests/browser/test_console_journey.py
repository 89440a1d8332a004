"""A vetting officer signs in with two factors; an auditor looks but cannot touch."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from portal.models import AuditorAccess
from portal.roles import Role
from tests.factories import TEST_PASSWORD, staff, totp_device
from tests.helpers import current_totp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page, user, device, *, code=None):
    page.goto("/console/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_label("Authentication code").fill(code or current_totp(device))
    page.get_by_role("button", name="Sign in").click()


def test_officer_needs_the_code_then_reaches_the_console(page, shot):
    officer = staff(Role.VETTING_OFFICER, first_name="Olivia")
    device = totp_device(officer)

    _sign_in(page, officer, device, code="000000")
    assert page.locator(".errornote").first.is_visible()
    assert page.url.endswith("/console/login/")
    shot(page, "console-login-error")

    device.refresh_from_db()
    device.throttle_reset()
    _sign_in(page, officer, device)
    page.wait_for_url("**/console/")
    assert page.get_by_role("heading", name="Trust & safety").is_visible()
    shot(page, "console-home")


def test_auditor_sees_the_read_only_banner_and_cannot_add(page):
    auditor = staff(Role.AUDITOR)
    now = timezone.now()
    AuditorAccess.objects.create(
        user=auditor, firm="Example Assurance", starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=30)
    )
    _sign_in(page, auditor, totp_device(auditor))
    page.wait_for_url("**/console/")
    assert page.get_by_text("Read-only auditor access").is_visible()
    response = page.goto("/console/portal/apikey/add/")
    assert response.status == 403


def test_home_page_reads_well_on_a_phone(page, shot):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/")
    assert page.get_by_role("heading", name="Trust & safety for our marketplace").is_visible()
    # Keyboard users land on the skip link first.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent").strip() == "Skip to content"
    shot(page, "home-mobile")
