"""Two-factor sign-in in a real browser: an LMNS that requires it, a member setting up an
authenticator app from the page's own setup key, then signing in with a code."""

import base64
import re

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from lmns.demo import DEMO_LMNS
from lmns.models import Lmns
from tests.browser.conftest import sign_in
from tests.browser.test_pages import HEADING_SKIPS_JS, UNLABELLED_FIELDS_JS
from tests.factories import app_code

pytestmark = pytest.mark.browser

HOME_URL = re.compile(r"^http://[^/]+/$")


def code_from_key(secret: str) -> str:
    """What an authenticator app shows now for the setup key typed into it."""
    return f"{totp(base64.b32decode(secret)):06d}"


def look_at(page, path):
    """Basic accessibility of a new page, then a picture of it for review."""
    expect(page.locator("h1")).to_have_count(1)
    assert page.evaluate(HEADING_SKIPS_JS) == []
    assert page.evaluate(UNLABELLED_FIELDS_JS) == []
    page.screenshot(path=path, full_page=True)


def test_lmns_staff_set_up_an_app_then_sign_in_with_a_code(page, artifacts):
    Lmns.objects.filter(name=DEMO_LMNS["name"]).update(two_factor_required=True)

    sign_in(page, "demo.officer")
    expect(page).to_have_url(re.compile(r"/accounts/two-factor/set-up/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-factor sign-in")
    expect(page.get_by_alt_text(re.compile("QR code"))).to_be_visible()
    # Nothing else opens until the app is set up.
    page.goto("/incidents/")
    expect(page).to_have_url(re.compile(r"/accounts/two-factor/set-up/$"))
    look_at(page, artifacts / "two-factor-set-up.png")

    secret = page.locator("#secret-key").inner_text().replace(" ", "")
    page.get_by_label("Code from your authenticator app").fill(code_from_key(secret))
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Two-factor sign-in is on")
    codes = page.get_by_role("list", name="Recovery codes").get_by_role("listitem")
    expect(codes).to_have_count(10)
    look_at(page, artifacts / "two-factor-recovery-codes.png")
    page.get_by_role("button", name="I have saved my recovery codes").click()
    expect(page).to_have_url(HOME_URL)

    page.get_by_role("link", name="Two-factor sign-in").click()
    expect(page.get_by_text("You have 10 unused recovery codes.")).to_be_visible()
    expect(page.get_by_text("you cannot turn it off")).to_be_visible()
    look_at(page, artifacts / "two-factor-account.png")
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, "demo.officer")
    expect(page).to_have_url(re.compile(r"/accounts/login/code/$"))
    look_at(page, artifacts / "two-factor-code.png")
    page.get_by_label("Code").fill("000000")
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_title(re.compile(r"^Error: Enter your sign-in code"))
    expect(page.locator(".nhsuk-error-summary")).to_be_focused()
    page.screenshot(path=artifacts / "two-factor-code-error.png", full_page=True)

    # Past the app's 1-second wait after a wrong code.
    page.wait_for_timeout(1100)
    page.get_by_label("Code").fill(app_code(TOTPDevice.objects.get(user__username="demo.officer")))
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(HOME_URL)
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("^Welcome"))
