"""Importing incidents through the browser: a file with a problem is shown row by row
and cannot be applied; the corrected file is previewed, applied, and re-importing it
changes nothing."""

import pytest
from playwright.sync_api import expect

from incidents.models import Incident
from tests.browser.conftest import menu, sign_in
from tests.browser.test_improvement_workflow import screenshot
from tests.incidents.imports.helpers import row, xlsx_bytes

pytestmark = pytest.mark.browser


def upload(page, tmp_path, rows, artifacts=None):
    menu(page).get_by_role("link", name="Incidents", exact=True).click()
    # The incidents overview is the first page this server draws for the test, with its charts:
    # on a busy machine (CI runs the suite on both cores) it may take longer than an action's 5 s.
    page.get_by_role("navigation", name="Incidents and learning").get_by_role(
        "link", name="Imports", exact=True
    ).click(timeout=20_000)
    page.get_by_role("button", name="Import incidents", exact=True).click()
    path = tmp_path / "datix-export.xlsx"
    path.write_bytes(xlsx_bytes(rows))
    page.get_by_label("Column mapping").select_option("datix")
    page.get_by_label("Exported file (.xlsx or .csv)").set_input_files(path)
    if artifacts:
        screenshot(page, artifacts, "import-00-upload.png")
    page.get_by_role("button", name="Upload and check").click()


def test_upload_preview_apply(page, artifacts, tmp_path):
    sign_in(page, "demo.lead")
    good = [row("DX-9001", ods="ZZA"), row("DX-9002", ods="ZZA", Result="Moderate harm")]

    upload(page, tmp_path, [good[0], row("DX-9002", ods="ZZB")], artifacts)
    expect(page.locator(".nhsuk-error-summary h2")).to_have_text(
        "The file has 1 problem: nothing can be imported"
    )
    problems = page.locator("#problems tbody tr")
    expect(problems).to_have_count(1)
    expect(problems.first).to_contain_text("3")
    expect(problems.first).to_contain_text("Trust code")
    expect(problems.first).to_contain_text(
        "“ZZB” is not Northshire Hospitals NHS Foundation Trust's ODS code"
    )
    expect(page.get_by_role("button", name="Apply the import")).to_have_count(0)
    screenshot(page, artifacts, "import-01-problems.png")

    upload(page, tmp_path, good)
    expect(page.locator("#summary")).to_have_text("2 created, 0 updated, 0 unchanged")
    # Each row as it will be recorded, so that a wrongly mapped label shows before it is applied.
    expect(page.locator("#changes tbody tr").nth(1)).to_contain_text("Shoulder dystocia")
    expect(page.locator("#changes tbody tr").nth(1)).to_contain_text("Moderate physical harm")
    screenshot(page, artifacts, "import-02-preview.png")
    assert not Incident.objects.filter(local_reference__startswith="DX-900").exists()

    page.get_by_role("button", name="Apply the import").click()
    expect(page.get_by_role("status")).to_contain_text("Import applied: 2 created, 0 updated.")
    expect(page.get_by_role("heading", name="Imported")).to_be_visible()
    screenshot(page, artifacts, "import-03-applied.png")
    assert (
        Incident.objects.filter(
            local_reference__startswith="DX-900", created_by__username="demo.lead"
        ).count()
        == 2
    )

    upload(page, tmp_path, good)
    expect(page.locator("#summary")).to_have_text("0 created, 0 updated, 2 unchanged")
    expect(page.get_by_role("button", name="Apply the import")).to_have_count(0)


def test_a_mapping_is_started_from_a_ready_made_one(page, artifacts):
    sign_in(page, "demo.lead")
    page.goto("/incidents/imports/mappings/")
    screenshot(page, artifacts, "import-04-mappings.png")
    page.get_by_role("link", name="start a mapping from this").first.click()
    expect(page.get_by_label("Columns")).to_contain_text("Ref = local_reference")
    screenshot(page, artifacts, "import-05-mapping-form.png")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("saved")
    expect(page.get_by_role("link", name="Datix", exact=True)).to_be_visible()
