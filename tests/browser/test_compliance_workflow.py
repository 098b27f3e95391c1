"""CNST MIS safety action 1, driven through the browser as new users would drive it: the
provider lead assesses it, adds evidence that also serves an Ockenden IEA and submits it;
the LMNS officer challenges one requirement and accepts the rest; the LMNS matrix and the
board workbooks (the provider's, and the LMNS-wide one built in the background) show
exactly that."""

import re
from contextlib import contextmanager
from datetime import timedelta

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from assurance import authoring
from assurance.frameworks import load_all
from assurance.models import Assessment, Evidence, Framework, RequirementAssessment, Verification
from lmns.demo import DEMO_PROVIDERS
from tests.browser.conftest import EXTERNAL_URL, fill_date, menu, sign_in

pytestmark = pytest.mark.browser

PROVIDER_NAMES = {ods_code: name for ods_code, name, _units in DEMO_PROVIDERS}
ZZA = PROVIDER_NAMES["ZZA"]
HOME_URL = re.compile(r"^http://[^/]+/$")
ASSESSMENT_URL = re.compile(r"/assurance/assessments/(\d+)/$")
ITEM_URL = re.compile(r"/assurance/items/(\d+)/$")
JOB_URL = re.compile(r"/assurance/workbooks/(\d+)/$")

MIS_NAME = "CNST Maternity Incentive Scheme"
MIS = f"{MIS_NAME} (Year 7)"
OCKENDEN = "Ockenden review (Interim report, 10 Dec 2020)"
# The "Requirements it supports" options: "<framework name> <version>: <code> <title>".
MIS_SA1_1 = (
    "CNST Maternity Incentive Scheme Year 7: SA1.1 Deaths notified to MBRRACE-UK within 7 working days"
)
OCKENDEN_IEA1_3 = (
    "Ockenden review Interim report, 10 Dec 2020: IEA1.3 Serious incident reports to the Trust Board and LMS"
)
SA1 = [f"SA1.{n}" for n in range(1, 6)]
CHALLENGED = "SA1.2"
CHALLENGE = "Please add the PMRT report of parent engagement: the 95% figure is not evidenced."
EVIDENCE = "MBRRACE-UK notifications report, 8 December 2023 to date"
# Small, but a real PDF: uploads are checked by content, not by name.
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


@pytest.fixture
def compliance_server(seeded_live_server):
    """The demo organisations and users and the framework files, but no demo compliance
    positions (assurance.demo is not run): every assessment starts empty. MIS Year 7 ships as an
    unchecked draft; here the LMNS has checked and published it, as the README says, with two keys."""
    load_all()
    year7 = Framework.objects.get(slug="cnst-mis-year-7")
    users = {
        u.username: u for u in get_user_model().objects.filter(username__in=["demo.admin", "demo.safetylead"])
    }
    authoring.framework_prepare(framework=year7, by=users["demo.admin"])
    authoring.framework_publish(framework=year7, by=users["demo.safetylead"])
    return seeded_live_server


@contextmanager
def signed_in(browser, live_server, username):
    """A separate browser context (own cookies) for another person, signed in."""
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}, locale="en-GB"
    )
    context.route(EXTERNAL_URL, lambda route: route.abort())
    context.set_default_timeout(5000)
    try:
        page = context.new_page()
        sign_in(page, username)
        expect(page).to_have_url(HOME_URL)
        yield page
    finally:
        context.close()


def open_assurance(page):
    menu(page).get_by_role("link", name="Assurance", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Assurance")


def expect_status_message(page, text):
    expect(page.get_by_role("status")).to_contain_text(text)


def summary_row(page, key):
    """The value of a summary-list row (<dt>key</dt><dd>value</dd>), whatever whitespace the
    design system's summary list writes around the key."""
    return (
        page.locator(".nhsuk-summary-list__row")
        .filter(has=page.locator("dt", has_text=re.compile(rf"^\s*{re.escape(key)}\s*$")))
        .locator("dd")
    )


def requirement_row(page, code):
    """A requirement's row in an assessment page's table for its action."""
    return page.locator("tbody tr").filter(has=page.get_by_role("link", name=code, exact=True))


def open_requirement(page, code):
    """From an assessment page, the requirement's own page."""
    page.get_by_role("link", name=code, exact=True).click()
    expect(page).to_have_url(ITEM_URL)
    expect(page.get_by_role("heading", level=1)).to_contain_text(code)


def back_to_assessment(page):
    """The caption of a requirement's page links back to its assessment."""
    page.locator(".nhsuk-caption-l").get_by_role("link").click()
    expect(page).to_have_url(ASSESSMENT_URL)


def start_assessment(page, framework):
    open_assurance(page)
    page.get_by_role("button", name="Start an assessment", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Start an assessment")
    page.get_by_label("Provider", exact=True).select_option(label=ZZA)
    page.get_by_label("Framework", exact=True).select_option(label=framework)
    page.get_by_role("button", name="Start", exact=True).click()
    expect(page).to_have_url(ASSESSMENT_URL)
    expect_status_message(page, f"Assessment of {framework} ready.")
    expect(page.locator(".nhsuk-caption-l")).to_have_text(ZZA)


def table_rows(sheet):
    """A board workbook table as dicts: cover lines, a blank row, then the header row."""
    rows = list(sheet.iter_rows(values_only=True))
    header_at = next(i for i, row in enumerate(rows) if row and row[0] in {"Action", "Provider"})
    header = rows[header_at]
    return [dict(zip(header, row, strict=False)) for row in rows[header_at + 1 :]]


def open_workbook(download, directory):
    """Playwright keeps a download under a name without ".xlsx", which openpyxl refuses."""
    path = directory / download.suggested_filename
    download.save_as(path)
    return openpyxl.load_workbook(path)


def provider_sheet(workbook, provider_name):
    """The provider's sheet, found by its first line (sheet names are cut to 31 characters)."""
    return next(sheet for sheet in workbook.worksheets if sheet["A1"].value == provider_name)


def test_mis_safety_action_assessed_verified_and_reported(
    page, browser, compliance_server, artifacts, tmp_path
):
    today = timezone.localdate()
    pdf = tmp_path / "mbrrace-notifications.pdf"
    pdf.write_bytes(PDF)

    # 1. The provider lead starts the MIS and the Ockenden interim assessments.
    sign_in(page, "demo.lead")
    expect(page).to_have_url(HOME_URL)
    start_assessment(page, OCKENDEN)
    ockenden = Assessment.objects.get(provider__ods_code="ZZA", framework__slug="ockenden-interim-2020")
    start_assessment(page, MIS)
    mis = Assessment.objects.get(provider__ods_code="ZZA", framework__slug="cnst-mis-year-7")
    assert page.url.endswith(mis.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_contain_text(MIS_NAME)
    expect(requirement_row(page, "SA1.1")).to_contain_text("Not started")

    # 2. Each SA1 requirement is met, with commentary.
    for code in SA1:
        open_requirement(page, code)
        page.get_by_role("button", name="Change the position", exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(code)
        page.get_by_label("Met", exact=True).check()
        page.get_by_label("Provider commentary", exact=True).fill(
            f"{code}: audited quarterly by the bereavement midwife; see the PMRT report."
        )
        page.get_by_role("button", name="Save", exact=True).click()
        expect(page).to_have_url(ITEM_URL)
        expect_status_message(page, f"{code} saved.")
        expect(summary_row(page, "Status")).to_have_text("Met")
        expect(summary_row(page, "LMNS verification")).to_have_text("Not yet submitted")
        if code != SA1[-1]:
            back_to_assessment(page)

    # One piece of evidence for SA1.1 that serves Ockenden IEA1.3 too.
    back_to_assessment(page)
    open_requirement(page, "SA1.1")
    page.get_by_role("button", name="Add evidence", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add evidence")
    supports = page.get_by_role("group", name="Requirements it supports", exact=True)
    # Starting from the requirement's page ticks it already.
    expect(supports.get_by_label(MIS_SA1_1, exact=True)).to_be_checked()
    page.get_by_label("Description", exact=True).fill(EVIDENCE)
    page.get_by_label("File", exact=True).set_input_files(pdf)
    fill_date(page, "Effective from", today - timedelta(days=30))
    # Found by filtering the list, and added.
    supports.get_by_label("Filter the list", exact=True).fill("IEA1.3")
    supports.get_by_label(OCKENDEN_IEA1_3, exact=True).check()
    expect(supports.locator(".app-picker__chosen-list li")).to_have_count(2)
    page.get_by_role("button", name="Add evidence", exact=True).click()
    expect(page).to_have_url(ITEM_URL)
    expect_status_message(page, "Evidence added.")
    evidence_table = page.get_by_role("table", name="Evidence")
    expect(evidence_table.get_by_role("link", name=EVIDENCE, exact=True)).to_be_visible()
    expect(evidence_table).to_contain_text("mbrrace-notifications.pdf")
    evidence = Evidence.objects.get(description=EVIDENCE)
    assert (evidence.provider.ods_code, evidence.content_type) == ("ZZA", "application/pdf")
    assert {(link.item.assessment_id, link.item.requirement.code) for link in evidence.links.all()} == {
        (mis.pk, "SA1.1"),
        (ockenden.pk, "IEA1.3"),
    }

    # The Ockenden IEA1.3 page lists the same evidence.
    open_assurance(page)
    page.get_by_role("link", name=f"{ZZA}: {OCKENDEN}", exact=True).click()
    expect(page).to_have_url(re.compile(rf"{ockenden.get_absolute_url()}$"))
    expect(requirement_row(page, "IEA1.3").locator("td").nth(3)).to_have_text("1")
    open_requirement(page, "IEA1.3")
    expect(page.get_by_role("table", name="Evidence").get_by_role("link", name=EVIDENCE)).to_be_visible()
    expect(summary_row(page, "Status")).to_have_text("Not started")

    # 3. The lead submits what is assessed; SA2 to SA10 are not started and stay behind.
    open_assurance(page)
    page.get_by_role("link", name=f"{ZZA}: {MIS}", exact=True).click()
    expect(requirement_row(page, "SA1.1").locator("td").nth(3)).to_have_text("1")
    page.get_by_role("button", name="Submit to the LMNS for verification").click()
    # The lead sees what goes before it goes: SA1's requirements only.
    sending = page.get_by_role("table", name="Requirements to send")
    expect(sending.locator("tbody tr")).to_have_count(len(SA1))
    page.get_by_role("button", name=re.compile(r"^Confirm and submit")).click()
    expect(page).to_have_url(re.compile(rf"{mis.get_absolute_url()}$"))
    # Either message: a refusal (before 2f8bdca, any requirement not started refused the whole
    # submission) fails here with its own words.
    expect(page.get_by_role("status").or_(page.get_by_role("alert"))).to_be_visible()
    refusal = page.get_by_role("alert")
    assert not refusal.count(), f"Submitting was refused: {refusal.inner_text()}"
    expect_status_message(page, "Assessed requirements submitted to the LMNS for verification.")
    for code in SA1:
        expect(requirement_row(page, code).locator("td").nth(2)).to_have_text("Awaiting LMNS verification")
    expect(requirement_row(page, "SA2.1").locator("td").nth(2)).to_have_text("Not yet submitted")
    assert set(
        mis.items.filter(verification=Verification.AWAITING).values_list("requirement__code", flat=True)
    ) == set(SA1)
    assert (
        not mis.items.exclude(requirement__action__code="SA1")
        .exclude(verification=Verification.NOT_SUBMITTED)
        .exists()
    )

    # 4. The LMNS officer finds ZZA in the matrix, challenges SA1.2 and accepts the rest.
    with signed_in(browser, compliance_server, "demo.officer") as officer:
        open_assurance(officer)
        officer.get_by_role("link", name=f"Providers and actions for {MIS_NAME} (Year 7)", exact=True).click()
        expect(officer.get_by_role("heading", level=1)).to_have_text("Providers and actions")
        officer.get_by_role("rowheader").get_by_role("link", name=ZZA, exact=True).click()
        expect(officer).to_have_url(re.compile(rf"{mis.get_absolute_url()}$"))
        # An LMNS officer verifies; only the provider lead submits.
        expect(officer.get_by_role("button", name="Submit to the LMNS for verification")).to_have_count(0)

        for code in [CHALLENGED] + [code for code in SA1 if code != CHALLENGED]:
            open_requirement(officer, code)
            expect(summary_row(officer, "LMNS verification")).to_have_text("Awaiting LMNS verification")
            if code == "SA1.1":
                expect(
                    officer.get_by_role("table", name="Evidence").get_by_role("link", name=EVIDENCE)
                ).to_be_visible()
                officer.screenshot(path=artifacts / "compliance-item.png", full_page=True)
            if code == CHALLENGED:
                officer.get_by_label("Challenge and return to the provider", exact=True).check()
                officer.get_by_label("Comment", exact=True).fill(CHALLENGE)
                officer.get_by_role("button", name="Record verification").click()
                expect_status_message(officer, "Challenged and returned to the provider.")
                expect(summary_row(officer, "LMNS verification")).to_have_text("Challenged by the LMNS")
                expect(officer.get_by_role("heading", name="LMNS challenges")).to_be_visible()
                expect(officer.get_by_text(CHALLENGE, exact=True)).to_be_visible()
            else:
                officer.get_by_label("Accept", exact=True).check()
                officer.get_by_role("button", name="Record verification").click()
                expect_status_message(officer, "Accepted.")
                expect(summary_row(officer, "LMNS verification")).to_have_text("Accepted by the LMNS")
            # Verified once: the form is gone.
            expect(officer.get_by_role("button", name="Record verification")).to_have_count(0)
            back_to_assessment(officer)

        verifications = dict(
            mis.items.filter(requirement__action__code="SA1").values_list("requirement__code", "verification")
        )
        assert verifications == {
            code: Verification.CHALLENGED if code == CHALLENGED else Verification.ACCEPTED for code in SA1
        }
        assert (
            RequirementAssessment.objects.get(assessment=mis, requirement__code=CHALLENGED).challenge_comment
            == CHALLENGE
        )
        for code in SA1:
            expected = "Challenged by the LMNS" if code == CHALLENGED else "Accepted by the LMNS"
            expect(requirement_row(officer, code).locator("td").nth(2)).to_have_text(expected)

        # 5a. The provider's board workbook, from the assessment page.
        with officer.expect_download() as download_info:
            officer.get_by_role("button", name="Board workbook (xlsx)", exact=True).click()
        download = download_info.value
        # The file is named on the server's date, which may have moved on since ``today``.
        dates = {today, timezone.localdate()}
        assert download.suggested_filename in {f"board-cnst-mis-year-7-ZZA-{day}.xlsx" for day in dates}
        workbook = open_workbook(download, tmp_path)
        assert workbook.sheetnames[:2] == ["Cover", "Summary"]
        rows = {row["Requirement"]: row for row in table_rows(provider_sheet(workbook, ZZA))}
        for code in SA1:
            assert rows[code]["Self-assessed status"] == "Met"
            expected = "Challenged by the LMNS" if code == CHALLENGED else "Accepted by the LMNS"
            assert rows[code]["LMNS verification"] == expected, code
        assert rows["SA1.1"]["Evidence items"] == 1
        assert rows["SA2.1"]["Self-assessed status"] == "Not started"
        assert rows["SA2.1"]["LMNS verification"] == "Not yet submitted"
        (summary,) = table_rows(workbook["Summary"])
        assert (summary["Provider"], summary["ODS code"]) == (ZZA, "ZZA")
        assert (summary["Self-assessed actions met"], summary["LMNS-verified actions met"]) == (1, 0)
        assert summary["SA1"] == "Red: 1 challenged by the LMNS"
        assert summary["SA2"] == "Grey: No requirement assessed yet"

        # 5b. The LMNS matrix: SA1 at ZZA is red, because one requirement is challenged.
        open_assurance(officer)
        officer.get_by_role("link", name=f"Providers and actions for {MIS_NAME} (Year 7)", exact=True).click()
        matrix = officer.get_by_role("table", name="Compliance by provider and action")
        zza_row = matrix.locator("tbody tr").filter(
            has=officer.get_by_role("rowheader", name=ZZA, exact=True)
        )
        sa1 = zza_row.locator("td.app-rag").first
        expect(sa1).to_have_class(re.compile(r"\bapp-rag--red\b"))
        expect(sa1).to_have_attribute("title", re.compile("1 challenged"))
        expect(sa1).to_contain_text("5/5")
        expect(sa1).to_contain_text("1 challenged by the LMNS")
        expect(zza_row.locator("td").first).to_have_text("1 of 10 (0)")
        expect(zza_row.locator("td.app-rag").nth(1)).to_have_class(re.compile(r"\bapp-rag--grey\b"))
        officer.screenshot(path=artifacts / "compliance-matrix.png", full_page=True)

        # 5c. The LMNS-wide board workbook, built in the background (eagerly in tests).
        officer.get_by_role("button", name="Build the LMNS board workbook").click()
        expect(officer).to_have_url(JOB_URL)
        expect(officer.get_by_role("heading", level=1)).to_have_text(f"Board workbook: {MIS}")
        download_button = officer.get_by_role("button", name="Download the workbook (xlsx)")
        # The page refreshes itself every 3 seconds while the workbook is being built.
        expect(download_button).to_be_visible(timeout=10_000)
        expect(summary_row(officer, "Status")).to_have_text("Ready")
        with officer.expect_download() as download_info:
            download_button.click()
        download = download_info.value
        assert download.suggested_filename.startswith("board-cnst-mis-year-7-northshire-")
        workbook = open_workbook(download, tmp_path)
        provider_rows = {
            row["Requirement"]: row["LMNS verification"] for row in table_rows(provider_sheet(workbook, ZZA))
        }
        assert {code: provider_rows[code] for code in SA1} == {
            code: "Challenged by the LMNS" if code == CHALLENGED else "Accepted by the LMNS" for code in SA1
        }
        summary = {row["ODS code"]: row for row in table_rows(workbook["Summary"])}
        assert set(summary) == set(PROVIDER_NAMES)
        assert summary["ZZA"]["SA1"] == "Red: 1 challenged by the LMNS"
        assert (summary["ZZA"]["Self-assessed actions met"], summary["ZZA"]["LMNS-verified actions met"]) == (
            1,
            0,
        )
        assert summary["ZZB"]["SA1"] == "Grey: assessment not started"
