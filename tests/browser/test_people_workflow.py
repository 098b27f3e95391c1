"""Joiners, driven through the browser: the system administrator opens People from the menu,
invites a midwife, and the midwife follows the emailed link, chooses a password and signs in."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from tests.browser.conftest import menu, sign_in
from tests.browser.test_pages import HEADING_SKIPS_JS, UNLABELLED_FIELDS_JS

pytestmark = pytest.mark.browser

NEW_PASSWORD = "a-long-new-password-2026"


def _assert_accessible_basics(page):
    assert page.evaluate(HEADING_SKIPS_JS) == [], page.url
    assert page.evaluate(UNLABELLED_FIELDS_JS) == [], page.url


def test_an_administrator_invites_a_midwife_who_then_signs_in(page, seeded_live_server, artifacts):
    sign_in(page, "demo.admin")
    menu(page).get_by_role("link", name="People").click()
    expect(page.get_by_role("heading", name="People", exact=True)).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("Lee Lead"))).to_contain_text("Provider lead")
    page.screenshot(path=artifacts / "people.png", full_page=True)
    _assert_accessible_basics(page)

    page.get_by_role("button", name="Invite someone").click()
    _assert_accessible_basics(page)
    page.get_by_label("First name").fill("Nia")
    page.get_by_label("Last name").fill("Newstarter")
    page.get_by_label("Email address").fill("nia.newstarter@example.invalid")
    page.get_by_label("Where").select_option(label="Northshire Hospitals NHS Foundation Trust (ZZA)")
    page.get_by_label("Role").select_option(label="Provider contributor")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_role("heading", name="Nia Newstarter")).to_be_visible()
    expect(page.get_by_text("Invited", exact=True)).to_be_visible()
    page.screenshot(path=artifacts / "person.png", full_page=True)
    _assert_accessible_basics(page)
    page.get_by_role("link", name="History of changes").click()
    expect(page.get_by_role("row", name=re.compile("Given: Provider contributor"))).to_contain_text(
        "Ash Administrator"
    )
    _assert_accessible_basics(page)

    (message,) = [m for m in mail.outbox if m.to == ["nia.newstarter@example.invalid"]]
    link = re.search(r"https?://\S+?(/accounts/reset/\S+/)", message.body).group(1)
    page.get_by_role("button", name="Sign out").click()
    page.goto(link)
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password confirmation").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set password").click()
    sign_in(page, "nia.newstarter@example.invalid", NEW_PASSWORD)
    expect(page.get_by_role("heading", name="Welcome, Nia Newstarter")).to_be_visible()
    role = "Provider contributor at Northshire Hospitals NHS Foundation Trust"
    expect(page.get_by_text(role)).to_be_visible()

    page.goto(link)
    expect(page.get_by_role("heading", name="This link has expired or been used")).to_be_visible()
