"""The console home's dashboard and the transparency report, in a real browser, for the README."""

from __future__ import annotations

import pytest

from tests.browser.test_console_journey import _sign_in
from tests.dashboard.seed import busy_month
from tests.factories import UserFactory, totp_device

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def lead():
    busy_month()
    user = UserFactory(username="lead", is_staff=True, is_superuser=True)
    return user, totp_device(user)


def test_the_console_home_shows_the_dashboard_above_the_apps(page, shot, lead):
    _sign_in(page, *lead)
    page.wait_for_url("**/console/")

    for name in ("Moderation queue health", "Moderation team", "Seller vetting"):
        assert page.get_by_role("heading", name=name).is_visible()
    # The numbers behind a chart are in a table that assistive technology reads.
    assert page.get_by_role("table", name="Open cases by priority band (the chart's numbers)").count() == 1
    assert page.get_by_role("link", name="Transparency report").is_visible()
    shot(page, "dashboard")


def test_the_transparency_report_page_and_its_printable_version(page, shot, lead):
    _sign_in(page, *lead)
    page.wait_for_url("**/console/")
    page.get_by_role("link", name="Transparency report").click()
    page.wait_for_url("**/console/reports/transparency/")

    assert page.get_by_role("heading", name="Notices (DSA Art. 16) (DSA Art. 15(1)(b), 24(1))").is_visible()
    assert page.get_by_role("table", name="Notices received, by category and notifier").is_visible()
    shot(page, "transparency-report")

    page.get_by_label("First day").fill("2026-02-01")
    page.get_by_label("Last day").fill("2026-01-01")
    page.get_by_role("button", name="Show report").click()
    assert page.get_by_text("The last day must be on or after the first day.").is_visible()

    page.goto("/console/reports/transparency/")
    page.get_by_role("link", name="Printable version").click()
    page.wait_for_url("**/transparency/print/**")
    page.emulate_media(media="print")
    assert page.get_by_role("heading", name="Hallmark transparency report").is_visible()
    assert not page.get_by_text("Back to the console").is_visible()
    shot(page, "transparency-report-print")
