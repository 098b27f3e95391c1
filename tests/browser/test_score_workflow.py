"""The SCORE culture survey in Chromium, as a new lead would run it: start a wave, download the
mapping template, fill it in and upload it, import the results platform's export, see that a
setting with four responses shows nothing, record a debrief and an action; then an LMNS officer
reads the response rates and none of the results."""

from datetime import timedelta

import openpyxl
import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import fill_date, sign_in
from tests.workforce.score.factories import results_rows

pytestmark = pytest.mark.browser

SMALL_TEAM = [13.7, 14.3, 15.9, 16.1, 17.3, 18.9, 19.7]


def test_a_wave_is_mapped_by_spreadsheet_its_results_imported_and_four_responses_show_nothing(
    page, browser, seeded_live_server, artifacts, tmp_path
):
    today = timezone.localdate()
    sign_in(page, "demo.lead")
    page.goto("/workforce/score/")
    # The design system's button macro gives a link drawn as a button the button role.
    page.get_by_role("button", name="Start a wave").click()
    page.get_by_label("Name of the wave").fill("Wave 2")
    fill_date(page, "Survey opens", today - timedelta(days=30))
    fill_date(page, "Survey closes", today - timedelta(days=5))
    page.get_by_role("button", name="Start the wave").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("SCORE Wave 2")

    page.get_by_role("button", name="Map the work settings").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="mapping template").click()
    template = tmp_path / "template.xlsx"
    download.value.save_as(template)
    workbook = openpyxl.load_workbook(template)
    sheet = workbook.active
    header = next(row[0].row for row in sheet.iter_rows() if row[0].value == "Work setting")
    for offset, (name, headcount) in enumerate(
        [("Labour ward", 40), ("Community team", 9), ("Theatres", "lots")]
    ):
        sheet.cell(row=header + 1 + offset, column=1, value=name)
        sheet.cell(row=header + 1 + offset, column=2, value=headcount)
    workbook.save(template)
    page.get_by_label("File (.xlsx or .csv)").set_input_files(template)
    page.get_by_role("button", name="Upload the mapping").click()
    # A row with a problem stops the file: the page names the row.
    expect(page.get_by_role("table", name="Problems by row; nothing was imported")).to_contain_text(
        "Enter the headcount as a whole number"
    )
    sheet.cell(row=header + 3, column=2, value=18)
    workbook.save(template)
    page.get_by_label("File (.xlsx or .csv)").set_input_files(template)
    page.get_by_role("button", name="Upload the mapping").click()
    expect(page.get_by_text("3 work settings mapped.")).to_be_visible()

    results = openpyxl.Workbook()
    for row in results_rows(
        [
            ("Labour ward", 22, [71, 66, 62, 58, 41, 36, 47]),
            ("Community team", 4, SMALL_TEAM),
            ("Theatres", 11, [65, 59, 52, 48, 51, 46, 33]),
        ]
    ):
        results.active.append(row)
    export = tmp_path / "platform-export.xlsx"
    results.save(export)
    page.get_by_role("button", name="Import responses and results").click()
    page.get_by_label("File (.xlsx or .csv)").set_input_files(export)
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.get_by_text("Responses and results imported for 3 work settings.")).to_be_visible()

    table = page.get_by_role("table", name="Responses and % positive by domain, per work setting")
    expect(table.get_by_role("row", name="Labour ward")).to_contain_text("71.0%")
    expect(table.get_by_role("row", name="Community team")).to_contain_text(
        "Fewer than 5 responses: results not shown"
    )
    body = page.content()
    assert not any(str(value) in body for value in SMALL_TEAM)

    page.get_by_role("button", name="Record a debrief").click()
    page.get_by_label("Work setting").select_option(label="Labour ward")
    fill_date(page, "Date of the debrief", today)
    page.get_by_label("Facilitated by").fill("Improvement manager")
    page.get_by_role("button", name="Record the debrief").click()
    page.get_by_role("link", name="Add an action agreed with Labour ward").click()
    page.get_by_label("What the team agreed to do").fill("Protect a break on every shift.")
    page.get_by_label("Owner").select_option(label="Lee Lead")
    fill_date(page, "Due date", today + timedelta(days=14))
    page.get_by_role("button", name="Add the action").click()
    expect(
        page.get_by_role("table", name=f"Actions agreed with Labour ward on {today:%-d %B %Y}")
    ).to_contain_text("Protect a break")
    page.screenshot(path=artifacts / "score-wave.png", full_page=True)

    officer = browser.new_context(base_url=seeded_live_server.url, locale="en-GB").new_page()
    sign_in(officer, "demo.officer")
    expect(officer.get_by_role("heading", name="Welcome, Olivia Officer")).to_be_visible()
    officer.goto(page.url.split("#")[0])
    expect(
        officer.get_by_role("table", name="Headcount, responses and response rate per work setting")
    ).to_contain_text("55%")
    officer_body = officer.content()
    for secret in ["71.0", "Protect a break", *(str(value) for value in SMALL_TEAM)]:
        assert secret not in officer_body
    officer.screenshot(path=artifacts / "score-wave-lmns.png", full_page=True)
    officer.context.close()
