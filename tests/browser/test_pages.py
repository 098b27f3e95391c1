import re

import pytest
from playwright.sync_api import expect

from lmns.demo import DEMO_LMNS, DEMO_PROVIDERS, DEMO_USERS
from tests.browser.conftest import menu, sign_in

pytestmark = pytest.mark.browser

PROVIDER_NAMES = {ods_code: name for ods_code, name, _units in DEMO_PROVIDERS}
SIGN_IN_URL = re.compile(r"/accounts/login/(\?.*)?$")
HOME_URL = re.compile(r"^http://[^/]+/$")

# Document-order heading levels that jump more than one level down (h1 -> h3).
# Visually hidden headings count: screen reader users navigate by them.
HEADING_SKIPS_JS = """
() => {
  const skips = [];
  let previous = 0;
  for (const h of document.querySelectorAll("h1, h2, h3, h4, h5, h6")) {
    const level = Number(h.tagName[1]);
    if (level > previous + 1) skips.push(`h${previous} -> h${level} "${h.textContent.trim()}"`);
    previous = level;
  }
  return skips;
}
"""

# Visible form controls with no accessible label; el.labels covers both
# <label for=id> and a wrapping <label>.
UNLABELLED_FIELDS_JS = """
() => [...document.querySelectorAll("input, select, textarea")]
  .filter((el) => el.type !== "hidden" && el.checkVisibility())
  .filter((el) => el.labels.length === 0 && !el.getAttribute("aria-label")
                  && !el.getAttribute("aria-labelledby"))
  .map((el) => el.outerHTML)
"""


def role_label(role, ods_code):
    organisation = PROVIDER_NAMES[ods_code] if ods_code else DEMO_LMNS["name"]
    return f"{role.label} at {organisation}"


@pytest.mark.parametrize(("username", "full_name", "role", "ods_code"), DEMO_USERS, ids=lambda v: str(v))
def test_demo_user_signs_in_to_their_home_page(page, artifacts, username, full_name, role, ods_code):
    sign_in(page, username)

    expect(page).to_have_url(HOME_URL)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Welcome, {full_name}")
    roles = page.get_by_role("heading", name="Your roles").locator("xpath=following-sibling::ul[1]")
    expect(roles.get_by_role("listitem")).to_contain_text([role_label(role, ods_code)])
    if username == "demo.lead":
        # One picture of a real page for reviewers; test-artifacts/ is git-ignored.
        page.screenshot(path=artifacts / "home.png", full_page=True)


def test_wrong_password_shows_the_error_summary(page):
    sign_in(page, "demo.lead", password="not-the-password")

    expect(page).to_have_url(SIGN_IN_URL)
    expect(page).to_have_title(re.compile(r"^Error: "))
    summary = page.locator(".nhsuk-error-summary")
    # NHS.UK frontend moves focus to the summary so screen readers announce it first.
    expect(summary).to_be_focused()
    expect(summary.get_by_role("alert")).to_be_visible()
    expect(summary.get_by_role("heading", name="There is a problem")).to_be_visible()


# The summary alone is not enough under the NHS error pattern: the field needs its own
# message, and the summary entry should link to it. Strict, so fixing it fails here
# and the marker gets removed.
def test_wrong_password_marks_only_the_password_field(page):
    sign_in(page, "demo.lead", password="not-the-password")

    expect(page).to_have_url(SIGN_IN_URL)
    expect(page.locator("#id_password_error")).to_be_visible(timeout=1000)
    expect(page.locator(".nhsuk-error-message")).to_have_count(1)
    expect(page.locator(".nhsuk-error-summary a[href='#id_password']")).to_be_visible()


def test_home_page_basic_accessibility(page):
    sign_in(page, "demo.lead")
    expect(page).to_have_url(HOME_URL)

    expect(page.locator("h1")).to_have_count(1)
    assert page.evaluate(HEADING_SKIPS_JS) == []
    assert page.evaluate(UNLABELLED_FIELDS_JS) == []

    # Reload so focus starts from the top of a freshly loaded page.
    page.reload()
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()

    # Every header menu link can be reached with Tab alone, in order.
    header_menu = menu(page)
    for name in ["Home", "Incidents", "Assurance", "Workforce", "Quality"]:
        link = header_menu.get_by_role("link", name=name, exact=True)
        for _ in range(15):
            page.keyboard.press("Tab")
            if link.evaluate("el => el === document.activeElement"):
                break
        expect(link).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/quality/$"))


def test_sign_in_page_fields_are_labelled(page):
    page.goto("/accounts/login/")
    assert page.evaluate(UNLABELLED_FIELDS_JS) == []
    assert page.evaluate(HEADING_SKIPS_JS) == []


def test_provider_user_cannot_open_another_providers_page(page):
    sign_in(page, "demo.contributor")
    expect(page).to_have_url(HOME_URL)

    response = page.goto("/providers/ZZB/")

    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(page.locator("body")).not_to_contain_text(PROVIDER_NAMES["ZZB"])


def test_sign_out_ends_the_session(page):
    sign_in(page, "demo.lead")
    expect(page).to_have_url(HOME_URL)

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(SIGN_IN_URL)

    page.goto("/")
    expect(page).to_have_url(SIGN_IN_URL)
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to LMNS Safety")
