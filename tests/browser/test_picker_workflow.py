"""The search-and-add list (lmns.forms.Picker) in Chromium, as a contributor records learning:
the incidents are filtered by what is typed, two are added, one is removed from the list of those
chosen, and the learning is saved with the one left."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from incidents.models import Learning
from tests.browser.conftest import sign_in
from tests.browser.test_incident_workflow import HOME_URL, LEARNING_URL, workflow_server  # noqa: F401

pytestmark = pytest.mark.browser


def test_a_contributor_finds_adds_and_removes_incidents(page, workflow_server, artifacts):  # noqa: F811
    sign_in(page, "demo.contributor")
    expect(page).to_have_url(HOME_URL)
    page.goto(reverse("incidents:incident-list"))
    # The next SSIG's date and deadline are on each page of the way.
    expect(page.locator(".app-ssig-deadline")).to_contain_text(
        re.compile(r"Next SSIG: .*; submissions close ")
    )
    page.goto(reverse("incidents:learning-create"))
    deadline = page.locator(".app-ssig-deadline")
    expect(deadline).to_contain_text(re.compile(r"Next SSIG: .*; submissions close "))
    deadline.screenshot(path=artifacts / "picker-ssig-deadline.png")
    page.get_by_label("Title", exact=True).fill("Calling for help early at a difficult birth")
    page.get_by_label("What happened", exact=True).fill("Two births where help was called late.")
    page.get_by_label("What we learned", exact=True).fill("The emergency call was not made at once.")
    page.get_by_label("What we changed", exact=True).fill("Drills now practise the call first.")
    page.get_by_label("Fetal monitoring", exact=True).check()

    incidents = page.get_by_role("group", name="Incidents", exact=True)
    filter_box = incidents.get_by_label("Filter the list", exact=True)
    items = incidents.locator(".app-picker__list .nhsuk-checkboxes__item")
    total = items.count()
    assert total > 10, "the demo should offer a long list"
    expect(incidents.locator(".app-picker__shown")).to_have_text(f"{total} to choose from")

    filter_box.fill("zza-0001")
    expect(items.locator("visible=true")).to_have_count(1)
    expect(incidents.locator(".app-picker__shown")).to_have_text(f"1 of {total} shown")
    incidents.get_by_label(re.compile(r"^DEMO-ZZA-0001: Shoulder dystocia")).check()
    # Enter in the filter box does not send the form.
    filter_box.fill("ZZA-0002 haemorrhage")
    filter_box.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Record learning")
    incidents.get_by_label(re.compile(r"^DEMO-ZZA-0002: ")).check()

    chosen = incidents.locator(".app-picker__chosen-list li")
    expect(chosen).to_have_count(2)
    expect(incidents.locator(".app-picker__count")).to_have_text("(2)")
    # The first choice is filtered out of sight, yet listed as chosen and still ticked.
    first = incidents.get_by_label(re.compile(r"^DEMO-ZZA-0001: "))
    expect(first).to_be_hidden()
    page.screenshot(path=artifacts / "picker-two-chosen.png", full_page=True)

    incidents.get_by_role("button", name=re.compile(r"^Remove DEMO-ZZA-0001: ")).click()
    expect(chosen).to_have_count(1)
    expect(chosen).to_contain_text("DEMO-ZZA-0002")
    # The focus moves on to what is left, not back to the top of the page.
    expect(incidents.get_by_role("button", name=re.compile(r"^Remove DEMO-ZZA-0002: "))).to_be_focused()
    filter_box.fill("")
    expect(first).not_to_be_checked()
    incidents.screenshot(path=artifacts / "picker-one-removed.png")

    page.get_by_role("button", name="Save learning").click()
    expect(page).to_have_url(LEARNING_URL)
    learning = Learning.objects.get(pk=int(LEARNING_URL.search(page.url).group(1)))
    assert list(learning.incidents.values_list("local_reference", flat=True)) == ["DEMO-ZZA-0002"]
