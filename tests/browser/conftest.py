import os
import re
from pathlib import Path

import pytest

from lmns.demo import DEMO_PASSWORD, demo_seed
from tests.conftest import IN_CI, skip_or_fail

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Anything not served by the live server, such as the NHS.UK fonts on assets.nhs.uk.
EXTERNAL_URL = re.compile(r"^https?://(?!localhost[:/]|127\.0\.0\.1[:/])")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


# Package scope, not session: Playwright's sync API leaves an asyncio loop marked as
# running on the main thread for as long as it is started, which makes Django refuse
# ORM calls. Stopping it when this package's tests end keeps that (and the
# DJANGO_ALLOW_ASYNC_UNSAFE escape hatch) away from every other test in the run.
@pytest.fixture(scope="package")
def browser():
    if not CHROMIUM.exists():
        skip_or_fail(
            "Debian's chromium is not installed at /usr/bin/chromium (apt-get install chromium)",
            required=IN_CI,
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("Playwright is not installed (pip install -e '.[dev]')", required=IN_CI)

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as p:
            # Debian's build, not Playwright's download: nothing is fetched at test time.
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            yield WatchedBrowser(browser)
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


class WatchedBrowser:
    """The package's Chromium, each of whose contexts records Content-Security-Policy violations,
    so that any page a test opens, in any context, fails that test if the policy refused anything
    on it (``_no_csp_violations``)."""

    def __init__(self, browser):
        self._browser = browser
        self.csp_violations = []

    def new_context(self, **kwargs):
        context = self._browser.new_context(**kwargs)
        context.on("console", self._console)
        return context

    def _console(self, message):
        if "Content Security Policy" in message.text:
            self.csp_violations.append(f"{message.page.url if message.page else ''}: {message.text}")

    def __getattr__(self, name):
        return getattr(self._browser, name)


@pytest.fixture(autouse=True)
def _no_csp_violations(request):
    yield
    if "browser" in request.fixturenames:
        violations = request.getfixturevalue("browser").csp_violations
        found, violations[:] = list(violations), []
        assert not found, f"Content-Security-Policy violations: {found}"


@pytest.fixture
def seeded_live_server(live_server, transactional_db):
    # The live server runs in another thread, so the data must be committed, not wrapped in a
    # test transaction: hence transactional_db. (The reference data the migrations loaded is
    # there: tests/conftest.py puts it back after every transactional test.)
    demo_seed()
    return live_server


@pytest.fixture
def page(browser, seeded_live_server):
    # A fresh context per test: no cookies or session leak from one test to the next.
    context = browser.new_context(
        base_url=seeded_live_server.url, viewport={"width": 1280, "height": 900}, locale="en-GB"
    )
    # Tests must not depend on the internet; offline, each page load would also wait
    # for the font requests to fail.
    context.route(EXTERNAL_URL, lambda route: route.abort())
    # Local pages answer in well under a second; a broken page should fail fast
    # rather than wait out Playwright's 30 s default on every action.
    context.set_default_timeout(5000)
    yield context.new_page()
    context.close()


@pytest.fixture
def artifacts():
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def menu(page):
    """The header's menu, once the design system's script has laid it out. The script moves the
    menu's links as it starts, and a click on one in that moment was lost (seen in random-order
    runs, with the page still showing the one before). The load event, not the script's mark on
    the header: a download started before the page finished loading cancels the script, so the
    mark never comes (seen in CI), while the links stay where the server put them."""
    page.wait_for_load_state("load")
    return page.get_by_role("navigation", name="Menu")


def sign_in(page, username, password=DEMO_PASSWORD):
    """Submit the sign-in form; the caller asserts where it lands."""
    response = page.goto("/accounts/login/")
    assert response.ok, f"sign-in page answered {response.status}"
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()


def fill_date(page, legend, value):
    """Type a date in the NHS.UK date input whose legend is ``legend``."""
    group = page.get_by_role("group", name=legend, exact=True)
    group.get_by_label("Day", exact=True).fill(str(value.day))
    group.get_by_label("Month", exact=True).fill(str(value.month))
    group.get_by_label("Year", exact=True).fill(str(value.year))
