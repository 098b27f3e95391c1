"""A Saving Babies' Lives quarter downloaded from its page, driven through the browser: the
provider lead opens the provider's validated quarter and downloads it as a workbook."""

import openpyxl
import pytest
from playwright.sync_api import expect

from assurance.sbl import demo as sbl_demo
from assurance.sbl.models import SblAssessment
from lmns.demo import DEMO_LMNS
from lmns.models import Lmns
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


def test_the_lead_downloads_a_quarter_as_a_workbook(page, seeded_live_server, artifacts, tmp_path):
    sbl_demo.demo_seed(lmns=Lmns.objects.get(code=DEMO_LMNS["code"]))
    assessment = SblAssessment.objects.get(provider__ods_code="ZZA")
    sign_in(page, "demo.lead")
    page.goto(assessment.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_have_text(assessment.quarter_label)
    page.screenshot(path=artifacts / "sbl-quarter.png", full_page=False)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download this quarter as a spreadsheet (xlsx)").click()
    assert download.value.suggested_filename == f"sbl-ZZA-{assessment.quarter_start:%Y-%m}.xlsx"
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    workbook = openpyxl.load_workbook(saved)
    assert workbook.sheetnames == ["Summary", "Interventions"]
    assert "Validated by the LMNS" in workbook["Summary"]["A3"].value
