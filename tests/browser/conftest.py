"""Browser journeys: Playwright driving Debian's Chromium against live_server.

Never downloads a browser: Chromium comes from apt (`.ci/run` installs it).
Use the ``page`` fixture (its base URL is the live server) and ``shot(page,
name)`` to take a screenshot; ``HALLMARK_SCREENSHOTS=1 make test
PYTEST_ARGS=tests/browser`` refreshes the README's images in docs/screenshots/.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import CHROMIUM

# Playwright's sync API runs an event loop in this thread; Django's ORM calls
# made by the test itself (fixtures, assertions) are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, live_server):
    context = chromium.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 860})
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def shot(tmp_path):
    """Screenshots go to docs/screenshots/ (for the README) only when
    HALLMARK_SCREENSHOTS=1; otherwise to a temporary folder, so an ordinary test
    run still takes them but does not rewrite the committed images."""
    target = SCREENSHOTS if os.environ.get("HALLMARK_SCREENSHOTS") == "1" else tmp_path / "screenshots"

    def _shot(page, name: str, *, full_page: bool = True) -> Path:
        target.mkdir(parents=True, exist_ok=True)
        path = target / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return _shot
