"""A provider lead chooses, from the header, how to hear of work arriving for them."""

import pytest
from playwright.sync_api import expect

from lmns.work_email.models import Frequency, WorkEmailPreference
from tests.browser.conftest import sign_in
from tests.browser.test_pages import HEADING_SKIPS_JS, UNLABELLED_FIELDS_JS

pytestmark = pytest.mark.browser


def test_a_lead_chooses_a_daily_summary_from_the_header(page, artifacts):
    sign_in(page, "demo.lead")
    page.get_by_role("navigation", name="Account").get_by_role("link", name="Email settings").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Emails about your work")
    expect(page.get_by_label("Straight away, one email each time")).to_be_checked()
    assert page.evaluate(HEADING_SKIPS_JS) == []
    assert page.evaluate(UNLABELLED_FIELDS_JS) == []

    page.get_by_label("Once a day, in one morning summary").check()
    page.get_by_role("button", name="Save email settings").click()
    expect(page.get_by_role("status")).to_contain_text("Your email settings are saved.")
    expect(page.get_by_label("Once a day, in one morning summary")).to_be_checked()
    page.screenshot(path=artifacts / "work-email-settings.png", full_page=True)
    assert WorkEmailPreference.objects.get(user__username="demo.lead").frequency == Frequency.DAILY
