"""Browser tests: Playwright drives Debian's Chromium against a live Tandem server.

Never downloads a browser: `make test` installs Debian's chromium when it is missing.
"""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

# Playwright's sync API runs an event loop in this thread; the ORM calls in test bodies are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 375, "height": 812}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-results"


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            "Browser tests need Debian's Chromium: run `apt-get update && apt-get install -y chromium`."
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def phone(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport=PHONE, device_scale_factor=1, is_mobile=True, has_touch=True)
    yield context
    context.close()


@pytest.fixture
def axe_phone(browser: Browser) -> Iterator[BrowserContext]:
    """A phone context that lets a test inject axe-core. Tandem's CSP blocks injected scripts, as it should;
    every other browser test keeps it enforced."""
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, bypass_csp=True)
    yield context
    context.close()


def sign_in(context: BrowserContext, live_server, user) -> Page:
    """A new page in `context`, signed in as `user` (by session cookie, without the sign-in form)."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])
    return context.new_page()


@pytest.fixture
def signed_in_page(phone: BrowserContext, live_server):
    """A phone-sized page signed in as the user given: `signed_in_page(user)`."""
    return lambda user: sign_in(phone, live_server, user)


AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")


def serious_violations(page: Page) -> list[str]:
    """axe-core's serious and critical findings on the page as it is now (needs a context from axe_phone)."""
    if not AXE.exists():
        pytest.fail("axe-core is missing: run `make test-tools` (npm ci).")
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate("async () => (await axe.run(document)).violations")
    return [
        f"{violation['id']} ({violation['impact']}): {[node['target'] for node in violation['nodes']][:3]}"
        for violation in violations
        if violation["impact"] in BLOCKING
    ]


def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def has_no_sideways_scroll(page: Page) -> bool:
    # A mobile context widens its layout viewport to fit wide content, so compare with the device width.
    width = page.viewport_size["width"] if page.viewport_size else PHONE["width"]
    return page.evaluate("document.documentElement.scrollWidth") <= width
