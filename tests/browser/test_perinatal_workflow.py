"""The perinatal picture as new users would use it (issue #21, "Done when"): a provider lead
enters a month's return whose term stillbirths push the LMNS outcome signal over amber and sees
the rates, the charts and the signal, its critical safety check due eight working days on across
Christmas and the Boxing Day substitute; the LMNS officer sees the check overdue in red on the
overview; the board pack for the month carries the perinatal section, and LibreOffice renders
its workbook readably."""

import re
import shutil
import subprocess
from datetime import date, datetime

import pytest
import time_machine
from playwright.sync_api import expect

from lmns.demo import DEMO_PROVIDERS
from tests.browser.conftest import sign_in
from tests.browser.test_workforce_workflow import HOME_URL, RETURN_FIGURES, open_workforce, person
from tests.conftest import IN_CI, ZONE, skip_or_fail
from tests.workforce.perinatal.factories import CENTRE_FIGURES, site_form
from workforce.perinatal.models import OutcomeSignal, SignalKind

pytestmark = pytest.mark.browser

ZZA = next(name for ods_code, name, _units in DEMO_PROVIDERS if ods_code == "ZZA")
# Tuesday 15 December 2026, the day November's returns fall due. Eight working days on, counting
# England's bank holidays, is Tuesday 29 December: Christmas Day (Friday) and the substitute for
# Boxing Day (Monday 28, as the 26th is a Saturday) are skipped. Weekends alone would give
# Friday 25 December.
SIGNAL_RAISED = datetime(2026, 12, 15, 10, 0, tzinfo=ZONE)
CHECK_DUE = date(2026, 12, 29)
DAY_AFTER_DUE = datetime(2026, 12, 30, 9, 30, tzinfo=ZONE)
# November's figures at Northshire's maternity unit: 4 term stillbirths of 345 term births (about
# ten times the reference rate) take its CUSUM from 0 to 2.36, over amber (2.0) and short of red
# (3.0). Its birth centre, the provider's other birth site, has a quiet month.
MATERNITY, CENTRE = "ZZA01", "ZZA02"
MATERNITY_NAME = next(name for code, name, _type in DEMO_PROVIDERS[0][2] if code == MATERNITY)
NOVEMBER = site_form(MATERNITY, stillbirths=5, term_stillbirths=4)
PACK_MONTH = "2026-11"


@pytest.fixture
def before_christmas():
    # Started before the live server is seeded (the test asks for it first), so that "last
    # month", the default on the return form, is November 2026. Chromium keeps the real clock,
    # which no cookie minds: the session's lasts until the browser closes (its expiry is the
    # server's, on the server's clock), and the CSRF cookie's Max-Age counts from its receipt.
    with time_machine.travel(SIGNAL_RAISED, tick=True) as traveller:
        yield traveller


def test_return_opens_an_amber_signal_whose_check_falls_due_after_christmas(
    before_christmas, page, browser, seeded_live_server, artifacts, tmp_path
):
    # 1. The provider lead submits November's return through the form.
    sign_in(page, "demo.lead")
    expect(page).to_have_url(HOME_URL)
    open_workforce(page)
    # A link drawn by the design system's button macro has the role of a button.
    page.get_by_role("button", name="Submit a monthly return").first.click()
    expect(page.locator("#id_month")).to_have_value("2026-11-01")
    for label, value in RETURN_FIGURES.items():
        page.get_by_label(label, exact=True).fill(value)
    for cell in page.locator("input[name^='training-']").all():
        if not cell.input_value():
            cell.fill("100" if cell.get_attribute("name").endswith("in_scope") else "93")
    for name, value in {**NOVEMBER, **site_form(CENTRE, **CENTRE_FIGURES)}.items():
        page.locator(f"input[name='{name}']").fill(value)
    # The provider's rates are its two sites' figures added together, worked by hand:
    # maternity unit 372 live births, 5 stillbirths, 345 term births, 4 term stillbirths;
    # birth centre 30 live births, 0 stillbirths, 28 term births, 0 term stillbirths.
    # Stillbirths: 5 + 0 = 5 of (372 + 5) + (30 + 0) = 407 births; 5,000 / 407 = 12.285 -> 12.29.
    # Term stillbirths: 4 + 0 = 4 of 345 + 28 = 373 term births; 4,000 / 373 = 10.724 -> 10.72.
    stillbirths = "12.29 per 1,000 (5 of 407 births)"
    term_stillbirths = "10.72 per 1,000 (4 of 373 term births)"
    page.screenshot(path=artifacts / "perinatal-return-form.png", full_page=True)
    page.get_by_role("button", name="Submit the return").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(ZZA)
    # The lead is told at once of the signal the return opened, and when its check is due.
    expect(page.get_by_role("status")).to_contain_text(
        f"Return for November 2026 submitted. It opened an amber LMNS outcome signal at {MATERNITY_NAME} "
        "for term stillbirths (November 2026): its critical safety check is due by 29 December 2026."
    )
    page.screenshot(path=artifacts / "perinatal-submitted.png")

    # 2. The return's rates, each with its count and denominator.
    page.get_by_role("link", name="November 2026").first.click()
    rates = page.get_by_role("table", name="Rates, with their counts and denominators")
    expect(rates.get_by_role("row", name=re.compile("^Term stillbirths"))).to_contain_text(term_stillbirths)
    expect(rates.get_by_role("row", name=re.compile("^Stillbirths"))).to_contain_text(stillbirths)
    # The maternity unit's own term stillbirth rate, in the table by site.
    sites = page.get_by_role("table", name="Figures by site")
    expect(sites.get_by_role("row", name=re.compile(f"^{MATERNITY_NAME}"))).to_contain_text(
        "11.59 per 1,000 (4 of 345 term births)"
    )
    page.screenshot(path=artifacts / "perinatal-return.png", full_page=True)

    # 3. The rates charted, and the new amber LMNS outcome signal with its check due on the
    # eighth working day.
    page.get_by_role("link", name=f"Rates over time and outcome signals for {ZZA}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Perinatal rates and outcome signals")
    expect(page.get_by_role("img", name=re.compile(r"^Term stillbirths \(per 1,000\)"))).to_be_visible()
    signals = page.get_by_role("table", name="Outcome signals and their critical safety checks")
    row = signals.get_by_role("row", name=re.compile("^LMNS outcome signal: Term stillbirths"))
    expect(row).to_contain_text("November 2026")
    expect(row).to_contain_text("15 Dec 2026")
    expect(row.locator(".nhsuk-tag--orange")).to_have_text("Amber")
    expect(row.locator(".nhsuk-tag--yellow")).to_have_text("Due 29 Dec 2026")
    expect(row).to_contain_text(MATERNITY_NAME)  # MOSS, and ours, signal a site
    expect(row).not_to_contain_text("MOSS")  # the LMNS's own signal, never called MOSS
    page.screenshot(path=artifacts / "perinatal-signal.png")
    page.screenshot(path=artifacts / "perinatal-rates.png", full_page=True)
    signal = OutcomeSignal.objects.get(provider__ods_code="ZZA")
    assert (signal.kind, signal.level, signal.check_due_on) == (SignalKind.LMNS, "amber", CHECK_DUE)

    # 4. The check is not done by its due day: the morning after, the LMNS officer sees it
    # overdue, in red, on the overview.
    before_christmas.move_to(DAY_AFTER_DUE)
    with person(browser, seeded_live_server, "demo.officer") as officer:
        officer.goto("/quality/")
        expect(officer.get_by_role("heading", level=1)).to_have_text("Quality, November 2026", timeout=20_000)
        overview = officer.get_by_role("table", name="Outcome signals and critical safety checks")
        row = overview.get_by_role("row", name=re.compile("^LMNS outcome signal: Term stillbirths"))
        expect(row).to_contain_text(ZZA)
        expect(row.locator(".nhsuk-tag--red")).to_have_text("Overdue: was due 29 Dec 2026")
        # The heat map's perinatal column, its last, is red for the provider with the overdue check.
        heat_map = officer.get_by_role("table", name="Providers by domain")
        cell = heat_map.get_by_role("row", name=re.compile(f"^{ZZA}")).get_by_role("cell").last
        expect(cell).to_have_class(re.compile(r"\bapp-heat-map__cell--red\b"))
        expect(cell).to_contain_text(re.compile(r"Red: \d+ critical safety checks? overdue today"))
        heat_map.screenshot(path=artifacts / "perinatal-overview-heat-map.png")
        officer.locator("#signals").scroll_into_view_if_needed()
        officer.screenshot(path=artifacts / "perinatal-overview-overdue.png")

        # 5. The board pack for November carries the perinatal section, the check red in it.
        officer.goto(f"/quality/ZZA/board-pack/?month={PACK_MONTH}")
        expect(officer.get_by_role("heading", level=1)).to_contain_text("board pack")
        deaths = officer.get_by_role("table", name="Deaths and their reviews")
        expect(deaths.get_by_role("row", name=re.compile("^Term stillbirths"))).to_contain_text(
            term_stillbirths
        )
        signals = officer.get_by_role("table", name="Outcome signals and their critical safety checks")
        row = signals.get_by_role(
            "row", name=re.compile(f"^LMNS outcome signal: Term stillbirths, {MATERNITY_NAME}, November 2026")
        )
        expect(row).to_contain_text("Amber; check overdue, due 29 December 2026")
        expect(row.locator(".nhsuk-tag--red")).to_have_text("Red")
        signals.screenshot(path=artifacts / "perinatal-board-pack-signals.png")
        officer.screenshot(path=artifacts / "perinatal-board-pack.png", full_page=True)
        with officer.expect_download() as download:
            officer.get_by_role("link", name="Download the board pack as a spreadsheet").click()
        workbook = tmp_path / f"board-pack-ZZA-{PACK_MONTH}.xlsx"
        download.value.save_as(workbook)

    # 6. LibreOffice opens the workbook and renders the monthly report readably.
    text = pdf_text(workbook)
    shutil.copy(workbook.with_suffix(".pdf"), artifacts / "perinatal-board-pack.pdf")
    assert "Perinatal quality surveillance board pack" in text
    assert term_stillbirths in text
    assert f"LMNS outcome signal: Term stillbirths, {MATERNITY_NAME}, November 2026" in text
    assert "check overdue, due 29 December 2026" in text
    assert "###" not in text  # what LibreOffice prints in a column too narrow for its figure


def pdf_text(workbook) -> str:
    """The workbook as LibreOffice prints it, read back as text."""
    out_dir = workbook.parent
    executable = shutil.which("soffice") or shutil.which("libreoffice")
    if not executable or not shutil.which("pdftotext"):
        skip_or_fail("LibreOffice (soffice) and pdftotext are not installed", required=IN_CI)
    profile = out_dir / "lo-profile"
    subprocess.run(
        [executable, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
         "--convert-to", "pdf", "--outdir", str(out_dir), str(workbook)],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    pdf = workbook.with_suffix(".pdf")
    result = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, timeout=60, check=True
    )
    # A cell's text comes out whole, but wrapped over lines as the cell wraps it: read it as one.
    return re.sub(r"\s+", " ", result.stdout)
