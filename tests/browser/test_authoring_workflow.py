"""Authoring next year's MIS in the browser, as new users would: the LMNS safety lead copies a
published Year 7 into Year 8, changes two requirements, retires one, adds one and attaches the
guidance; the deployment administrator approves it (the safety lead cannot approve their own); the
provider lead starts Year 8 and finds last year's evidence carried forward to review, the changed
requirements marked with their word-level difference, and a board workbook that says which
wording is checked."""

import os
import re
from datetime import date
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from assurance import authoring, services
from assurance.frameworks import FRAMEWORKS_DIR, load_parsed, parse_files
from assurance.models import Assessment, EvidenceLink, Framework, FrameworkStatus
from lmns.models import Provider
from tests.browser.conftest import fill_date, sign_in
from tests.browser.test_compliance_workflow import (
    HOME_URL,
    PDF,
    ZZA,
    expect_status_message,
    open_assurance,
    open_workbook,
    provider_sheet,
    requirement_row,
    signed_in,
    summary_row,
    table_rows,
)

pytestmark = pytest.mark.browser

MIS_NAME = "CNST Maternity Incentive Scheme"
YEAR_8 = f"{MIS_NAME} (Year 8)"
FRAMEWORK_URL = re.compile(r"/assurance/frameworks/([\w-]+)/$")
ITEM_URL = re.compile(r"/assurance/items/(\d+)/$")
SA1_2_TEXT = (
    "Parents are told that the death of their baby will be reviewed, and their perspectives and "
    "questions are sought, for at least 95% of deaths."
)
SA1_3_THRESHOLD = "95% within 2 months"
NEW_CODE = "SA1.6"
NEW_TITLE = "Review findings shared with the family"
EVIDENCE = "PMRT quarterly report, Q1 2026"
SHOTS_ENV = "JOURNEY_SHOTS"
SHOT_HEIGHT = 1600


@pytest.fixture
def authoring_server(seeded_live_server):
    """Year 6 and a published Year 7 (Year 8 is left for the safety lead to write), and ZZA's Year 7
    assessment with evidence on SA1.1, SA1.2 and SA1.5."""
    year_6_and_7 = [FRAMEWORKS_DIR / f"cnst-mis-year-{n}.yaml" for n in (6, 7)]
    for data in parse_files(year_6_and_7):
        load_parsed(data)
    users = {
        u.username: u
        for u in get_user_model().objects.filter(username__in=["demo.admin", "demo.safetylead", "demo.lead"])
    }
    year7 = Framework.objects.get(slug="cnst-mis-year-7")
    authoring.framework_prepare(framework=year7, by=users["demo.admin"])
    year7 = authoring.framework_publish(framework=year7, by=users["demo.safetylead"])
    zza = Provider.objects.get(ods_code="ZZA")
    assessment = services.assessment_start(provider=zza, framework=year7, by=users["demo.lead"])
    services.evidence_add(
        provider=zza,
        by=users["demo.lead"],
        description=EVIDENCE,
        effective_from=timezone.localdate(),
        url="https://intranet.example.invalid/pmrt-q1",
        items=assessment.items.filter(requirement__code__in=["SA1.1", "SA1.2", "SA1.5"]),
    )
    return seeded_live_server


@pytest.fixture
def shots():
    """Screenshots of every page of the journey, to look at, when JOURNEY_SHOTS names a folder:
    some fifty full-width images would slow every run of the suite."""
    folder = os.environ.get(SHOTS_ENV)
    if not folder:
        return lambda page, name: None
    directory = Path(folder)
    directory.mkdir(parents=True, exist_ok=True)

    def shoot(page, name):
        # In pieces a screen or two high: a whole framework page is one image too tall to read.
        height = page.evaluate("document.documentElement.scrollHeight")
        for number, top in enumerate(range(0, height, SHOT_HEIGHT), start=1):
            clip = {"x": 0, "y": top, "width": 1280, "height": min(SHOT_HEIGHT, height - top)}
            page.screenshot(path=directory / f"{name}-{number}.png", full_page=True, clip=clip)

    return shoot


def framework_row(page, code):
    """A requirement's row on a framework page (a summary list: the code heads the row)."""
    return page.locator(".nhsuk-summary-list__row").filter(
        has=page.locator("dt", has_text=re.compile(rf"^\s*{re.escape(code)}\b"))
    )


def edit_requirement(page, code, shots, **fields):
    page.get_by_role("link", name=f"Edit {code}", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Edit {code}")
    for label, value in fields.items():
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_label("Wording checked against the source", exact=True).check()
    shots(page, f"03-edit-{code}")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page).to_have_url(FRAMEWORK_URL)
    expect_status_message(page, f"{code} saved.")


def test_a_safety_lead_writes_year_8_another_person_publishes_it_and_a_provider_assesses_it(
    page, browser, authoring_server, shots, tmp_path
):
    guidance = tmp_path / "mis-year-8-guidance.pdf"
    guidance.write_bytes(PDF)

    # 1. The safety lead finds Year 7 among the frameworks and starts Year 8 from it.
    sign_in(page, "demo.safetylead")
    expect(page).to_have_url(HOME_URL)
    open_assurance(page)
    shots(page, "01-assurance")
    page.get_by_role("link", name=f"{MIS_NAME} Year 7", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{MIS_NAME} (Year 7)")
    page.get_by_role("button", name="Start a new version from this one", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Start a new version")
    expect(page.get_by_label("Name", exact=True)).to_have_value(MIS_NAME)
    page.get_by_label("Version", exact=True).fill("Year 8")
    page.get_by_label("What this version changes", exact=True).fill("Year 8 guidance, 2026/27.")
    shots(page, "02-new-version")
    page.get_by_role("button", name="Start the draft", exact=True).click()
    expect(page).to_have_url(FRAMEWORK_URL)
    expect_status_message(page, f"{YEAR_8} started as a draft from {MIS_NAME} (Year 7).")
    year8 = Framework.objects.get(name=MIS_NAME, version="Year 8")
    # A safety lead authors for their own LMNS; only the deployment administrator writes for all.
    assert (year8.status, year8.previous.slug, year8.lmns.code) == (
        FrameworkStatus.DRAFT,
        "cnst-mis-year-7",
        "northshire",
    )

    # 2. Two requirements change, one is retired and one is added.
    edit_requirement(page, "SA1.2", shots, Requirement=SA1_2_TEXT)
    edit_requirement(page, "SA1.3", shots, Threshold=SA1_3_THRESHOLD)
    page.get_by_role("button", name="Retire SA1.5", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Retire SA1.5?")
    expect(page.get_by_text("providers' evidence for it is not carried forward")).to_be_visible()
    shots(page, "04-retire")
    page.get_by_role("button", name="Yes, retire SA1.5", exact=True).click()
    expect_status_message(page, "SA1.5 retired.")
    page.get_by_role("link", name="Add a requirement to SA1", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a requirement to SA1")
    page.get_by_label("Code", exact=True).fill(NEW_CODE)
    page.get_by_label("Title", exact=True).fill(NEW_TITLE)
    page.get_by_label("Requirement", exact=True).fill(
        "The family is offered the review's findings and a meeting to discuss them."
    )
    expect(page.get_by_label("Replaces, from the previous version", exact=True)).to_have_value("")
    shots(page, "04-add-requirement")
    page.get_by_role("button", name="Save", exact=True).click()
    expect_status_message(page, f"{NEW_CODE} added.")

    # 3. The guidance itself is kept with the framework.
    page.get_by_role("link", name="Attach the source document", exact=True).click()
    page.get_by_label("The published guidance", exact=True).set_input_files(guidance)
    shots(page, "05-source")
    page.get_by_role("button", name="Upload", exact=True).click()
    expect_status_message(page, "mis-year-8-guidance.pdf kept as the source document.")
    expect(summary_row(page, "Source document")).to_contain_text(
        "Download the kept copy (mis-year-8-guidance.pdf)"
    )
    # Copied from Year 7, the declaration deadline is Year 7's until it is changed.
    declaration = "Board declaration to NHS Resolution"
    expect(summary_row(page, "Deadlines")).to_contain_text(f"{declaration}: 3 March 2026")
    page.get_by_role("link", name=f"Change {declaration}", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Change a deadline")
    fill_date(page, "Due on", date(2027, 3, 2))
    shots(page, "05-deadline")
    page.get_by_role("button", name="Save", exact=True).click()
    expect_status_message(page, f"{declaration} saved.")
    expect(summary_row(page, "Deadlines")).to_contain_text(f"{declaration}: 2 March 2027")
    expect(framework_row(page, "SA1.2")).to_contain_text("Changed")
    expect(framework_row(page, NEW_CODE)).to_contain_text("New")
    expect(framework_row(page, "SA1.1")).to_contain_text("Wording not checked against the source")
    expect(framework_row(page, "SA1.2")).to_contain_text("Wording checked")
    expect(framework_row(page, "SA1.5")).to_have_count(0)
    expect(page.get_by_text("Retired requirements (1)")).to_be_visible()
    shots(page, "06-draft")

    # 4. The first key; the preparer is not offered the second.
    page.get_by_role("button", name="Ready: ask another person to approve it", exact=True).click()
    expect_status_message(page, "Ready for approval: a different person must now approve it.")
    expect(page.get_by_role("button", name="Approve and publish")).to_have_count(0)
    expect(
        page.get_by_text("A different person, a safety lead or the deployment administrator, approves it.")
    ).to_be_visible()
    shots(page, "07-awaiting-approval")
    # Nor can the safety lead publish by posting the step anyway.
    page.evaluate(
        """() => {
            const form = document.querySelector('input[name=step][value=return]').form;
            form.querySelector('input[name=step]').value = 'publish';
            form.submit();
        }"""
    )
    expect(page.get_by_role("alert")).to_contain_text(
        "A different person must approve the framework from the one who prepared it."
    )
    year8.refresh_from_db()
    assert year8.status == FrameworkStatus.AWAITING_APPROVAL

    # 5. The deployment administrator approves and publishes it.
    with signed_in(browser, authoring_server, "demo.admin") as admin:
        open_assurance(admin)
        admin.get_by_role("link", name=f"{MIS_NAME} Year 8", exact=True).click()
        expect(admin.get_by_role("heading", level=1)).to_have_text(YEAR_8)
        shots(admin, "08-approval")
        admin.get_by_role("button", name="Approve and publish", exact=True).click()
        expect_status_message(admin, "Published: providers can now assess it.")
        shots(admin, "09-published")
    year8.refresh_from_db()
    assert year8.status == FrameworkStatus.PUBLISHED
    assert year8.approved_by.username == "demo.admin"

    # 6. The provider lead starts Year 8: last year's evidence is carried forward to review.
    with signed_in(browser, authoring_server, "demo.lead") as lead:
        open_assurance(lead)
        lead.get_by_role("button", name="Start an assessment", exact=True).click()
        lead.get_by_label("Provider", exact=True).select_option(label=ZZA)
        lead.get_by_label("Framework", exact=True).select_option(label=YEAR_8)
        lead.get_by_role("button", name="Start", exact=True).click()
        expect_status_message(lead, f"Assessment of {YEAR_8} ready.")
        expect(lead.get_by_text("Next deadline:")).to_contain_text(f"{declaration}, 2 March 2027")
        summary = lead.locator(".nhsuk-inset-text").filter(has_text="carried forward")
        expect(summary).to_contain_text(
            f"Year 8 follows {MIS_NAME} (Year 7): 1 new, 2 changed and 1 retired requirement."
        )
        expect(summary).to_contain_text(
            "2 pieces of evidence were carried forward from Year 7, marked to review"
        )
        shots(lead, "10-assessment")
        assessment = Assessment.objects.get(provider__ods_code="ZZA", framework=year8)
        assert set(
            EvidenceLink.objects.filter(item__assessment=assessment, to_review=True).values_list(
                "item__requirement__code", flat=True
            )
        ) == {"SA1.1", "SA1.2"}
        expect(requirement_row(lead, "SA1.1")).to_contain_text("1 to review")
        expect(requirement_row(lead, "SA1.2")).to_contain_text("1 to review")
        expect(requirement_row(lead, "SA1.2")).to_contain_text("Changed")
        expect(requirement_row(lead, "SA1.3")).to_contain_text("Changed")
        expect(requirement_row(lead, NEW_CODE)).to_contain_text("New")
        expect(requirement_row(lead, "SA1.1")).not_to_contain_text("Changed")

        lead.get_by_role("link", name="SA1.2", exact=True).click()
        expect(lead).to_have_url(ITEM_URL)
        expect(lead.get_by_text("Carried forward: to review")).to_be_visible()
        lead.get_by_text("What changed from SA1.2").click()
        difference = lead.locator(".app-word-diff")
        # "...for at least [-the proportion-] [+95%+] of [-deaths the guidance sets (recalled as 95%).-]
        # [+deaths.+]": the words kept stay plain.
        expect(difference.locator("del")).to_have_text(
            ["removed: the proportion", "removed: deaths the guidance sets (recalled as 95%)."]
        )
        expect(difference.locator("ins")).to_have_text(["added: 95%", "added: deaths."])
        shots(lead, "11-changed-requirement")

        # 7. The board workbook, downloaded from the assessment page, says which wording is checked.
        lead.locator(".nhsuk-caption-l").get_by_role("link").click()
        with lead.expect_download() as download_info:
            lead.get_by_role("button", name="Board workbook (xlsx)", exact=True).click()
        workbook = open_workbook(download_info.value, tmp_path)
        rows = {row["Requirement"]: row for row in table_rows(provider_sheet(workbook, ZZA))}
        assert {code: rows[code]["Wording checked"] for code in ("SA1.1", "SA1.2", "SA1.3", NEW_CODE)} == {
            "SA1.1": "NO",
            "SA1.2": "Yes",
            "SA1.3": "Yes",
            NEW_CODE: "NO",
        }
        assert "SA1.5" not in rows
        cover = {row[0]: row[1] for row in workbook["Cover"].iter_rows(values_only=True) if row and row[0]}
        assert cover["Wording checked"].startswith("2 of ")
        assert "NOT checked" in cover["Wording checked"]
        assert cover["Source document"] == "copy kept in the product as mis-year-8-guidance.pdf"
