"""Monthly highlight reports driven through the browser (issue 23, "Done when"): a provider lead
writes a report whose measures fill themselves in, submits it, and the LMNS officer reviews it
from the page of every plan's latest report, which also prints on A4."""

import re

import pytest
from playwright.sync_api import expect

from incidents import demo as incidents_demo
from incidents.highlights import demo as highlights_demo
from incidents.highlights.models import HighlightReport, ReportStatus
from incidents.improvement import demo as improvement_demo
from lmns.models import Lmns
from tests.browser.conftest import sign_in
from tests.browser.test_improvement_workflow import open_improvement, open_tab, screenshot

pytestmark = pytest.mark.browser

HOME_URL = re.compile(r"^http://[^/]+/$")
PLAN = "Fresh eyes on every CTG"


def test_a_lead_writes_a_highlight_report_and_the_officer_reviews_it(page, browser, artifacts):
    lmns = Lmns.objects.get()
    incidents_demo.demo_seed(lmns=lmns)
    improvement_demo.demo_seed(lmns=lmns)

    # 1. The provider lead opens the plan's highlight reports and starts this month's.
    sign_in(page, "demo.lead")
    expect(page).to_have_url(HOME_URL)
    open_improvement(page)
    page.get_by_role("link", name=PLAN).click()
    open_tab(page, "Highlight reports")
    expect(page.get_by_text("No highlight reports yet.")).to_be_visible()
    page.get_by_role("button", name="Write a highlight report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Write a highlight report")
    # The plan's measures are there already: their latest values, chart and reading.
    measure = page.locator(".app-highlight-measure").filter(
        has_text="CTGs with every hourly fresh-eyes review"
    )
    expect(measure.get_by_text("Latest values")).to_be_visible()
    expect(measure.locator("svg")).to_have_count(1)
    expect(measure.get_by_text("What the chart shows")).to_be_visible()

    # 2. At risk without a reason is refused, with what was typed kept.
    page.get_by_label("At risk", exact=True).check()
    page.get_by_label("Progress this month").fill("Huddle prompt in use on most shifts.")
    page.get_by_role("button", name="Save draft").click()
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_contain_text("Enter why the plan is at risk")
    expect(page.get_by_label("Progress this month")).to_have_value("Huddle prompt in use on most shifts.")
    page.get_by_label("Why is it at risk or off track?").fill("Two audit midwives are on leave.")
    page.get_by_label("Support asked of the LMNS").fill("An analyst to check our chart's baseline.")
    screenshot(page, artifacts, "highlight-report-form.png")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Highlight report: ")
    page.get_by_role("button", name="Submit to the LMNS").click()
    expect(page.locator(".nhsuk-tag").first).to_have_text("Submitted")
    page.get_by_role("button", name="Sign out").click()

    # 3. The officer finds it on the LMNS's page of every plan's latest report, and reviews it.
    sign_in(page, "demo.officer")
    open_improvement(page)
    page.get_by_role("link", name="Highlight reports").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Highlight reports")
    row = page.locator("tr").filter(has_text=PLAN)
    expect(row).to_contain_text("Submitted")
    expect(row).to_contain_text("An analyst to check our chart's baseline.")
    screenshot(page, artifacts, "highlight-report-list.png")
    page.emulate_media(media="print")
    page.screenshot(path=artifacts / "highlight-report-list-print.png", full_page=True)
    # In print the table's text stays at 9 pt or more.
    sizes = page.locator(".app-highlight-table td").evaluate_all(
        "cells => cells.map(c => parseFloat(getComputedStyle(c).fontSize))"
    )
    assert sizes and min(sizes) >= 12  # CSS pixels: 9 pt is 12 px
    page.emulate_media(media="screen")
    row.get_by_role("link").nth(1).click()
    page.get_by_role("button", name="Review the report").click()
    page.get_by_role("button", name="Save review").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Enter your comment for the provider")
    page.get_by_label("Your comment for the provider").fill("We will send the analyst next week.")
    page.get_by_role("button", name="Save review").click()
    expect(page.locator(".nhsuk-tag").first).to_have_text("Reviewed")
    expect(page.get_by_text("We will send the analyst next week.")).to_be_visible()
    screenshot(page, artifacts, "highlight-report-reviewed.png")
    report = HighlightReport.objects.get()
    assert (report.status, report.overall_status) == (ReportStatus.REVIEWED, "at_risk")


def test_the_demos_late_report_is_flagged_on_the_plan_and_the_lmns_page(page, artifacts):
    lmns = Lmns.objects.get()
    incidents_demo.demo_seed(lmns=lmns)
    improvement_demo.demo_seed(lmns=lmns)
    highlights_demo.demo_seed(lmns=lmns)
    sign_in(page, "demo.lead")
    open_improvement(page)
    page.get_by_role("link", name=PLAN).click()
    # The design system's warning callout is a warning card now: found by the class the page gives it.
    flag = page.locator(".app-highlight-late")
    expect(flag).to_contain_text("Highlight report late")
    expect(flag).to_contain_text("is still a draft")
    screenshot(page, artifacts, "highlight-late-on-plan.png")
    open_tab(page, "Highlight reports")
    expect(page.locator("tbody tr")).to_have_count(2)
    screenshot(page, artifacts, "highlight-plan-reports.png")
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, "demo.officer")
    open_improvement(page)
    page.get_by_role("link", name="Highlight reports").click()
    page.get_by_label("Late only").check()
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("tbody tr").filter(has_text=PLAN)).to_contain_text("Late")
