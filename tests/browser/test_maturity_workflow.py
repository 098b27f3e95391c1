"""A maturity round scored in the browser, as a new LMNS officer would: the demo's local learning
system model (an unpublished draft, its wording unchecked) already has the LMNS's rounds of six
months ago and last month; the officer starts today's round, scores each domain, submits it, and
reads the change since last month's, domain by domain and overall."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from assurance.maturity import demo as maturity_demo
from lmns.demo import DEMO_LMNS
from lmns.models import Lmns
from tests.browser.conftest import fill_date, sign_in

pytestmark = pytest.mark.browser

# Today's levels against last month's demo round (purpose 3, learning 3, measurement 2, culture 2,
# leadership 2, voice 2): three up, one down, two the same.
LEVELS = {
    "Shared purpose and aims": 4,
    "Learning together": 3,
    "Measurement and data": 3,
    "Safety culture": 1,
    "Leadership and governance": 3,
    "Women's and families' voices": 2,
}


def test_the_officer_scores_a_round_and_sees_the_change_since_the_last(page, seeded_live_server, artifacts):
    lmns = Lmns.objects.get(code=DEMO_LMNS["code"])
    maturity_demo.demo_seed(lmns=lmns)
    sign_in(page, "demo.officer")
    page.goto("/assurance/maturity/")
    expect(page.get_by_text("Wording not checked").first).to_be_visible()
    page.get_by_role("link", name="Local learning system maturity assessment (draft 1)").click()
    expect(
        page.get_by_role("heading", level=2, name="Unpublished draft: wording not checked")
    ).to_be_visible()
    page.screenshot(path=artifacts / "maturity-model.png", full_page=False)
    page.get_by_role("link", name="Maturity", exact=True).click()
    # The design system's button macro gives a link drawn as a button the button role.
    page.get_by_role("button", name="Start a round").click()
    page.get_by_label("Maturity model").select_option(
        label="Local learning system maturity assessment (draft 1)"
    )
    page.get_by_label("Whose round is it").select_option(label=f"{lmns.name} (the LMNS itself)")
    fill_date(page, "Date of the round", timezone.localdate())
    page.get_by_role("button", name="Start the round").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Score the domains")
    expect(page.get_by_text("Unpublished draft: wording not checked")).to_be_visible()
    for domain, level in LEVELS.items():
        group = page.get_by_role("group", name=f"Level of {domain}")
        group.get_by_label(re.compile(rf"^\s*{level}\. ")).check()
    page.get_by_role("group", name="Safety culture", exact=True).get_by_label("Note and evidence").fill(
        "No debriefs held since the survey closed."
    )
    page.screenshot(path=artifacts / "maturity-score.png", full_page=False)
    page.get_by_role("button", name="Save the scores").click()
    page.get_by_role("button", name="Submit the round").click()

    expect(page.get_by_text("Round submitted.")).to_be_visible()
    table = page.locator("table").filter(has_text="Previous round")
    culture = table.get_by_role("row").filter(has=page.get_by_role("rowheader", name="Safety culture"))
    expect(culture).to_contain_text("1. Not yet started")
    expect(culture).to_contain_text("2. Emerging")
    expect(culture).to_contain_text("Down")
    expect(culture).to_contain_text("No debriefs held since the survey closed.")
    expect(
        table.get_by_role("row").filter(has=page.get_by_role("rowheader", name="Shared purpose and aims"))
    ).to_contain_text("Up")
    expect(
        table.get_by_role("row").filter(
            has=page.get_by_role("rowheader", name="Women's and families' voices")
        )
    ).to_contain_text("Same")
    expect(page.get_by_text("3 domains up, 1 down, 2 the same")).to_be_visible()
    expect(page.get_by_text("Unpublished draft: wording not checked")).to_be_visible()
    page.screenshot(path=artifacts / "maturity-round.png", full_page=True)
    # On paper: the links and buttons go, the table prints whole in 9 pt type, the tags in colour.
    page.emulate_media(media="print")
    expect(page.get_by_role("link", name="Download for the board (xlsx)")).to_be_hidden()
    expect(table).to_have_css("font-size", "12px")  # 9 pt
    page.screenshot(path=artifacts / "maturity-round-print.png", full_page=True)
