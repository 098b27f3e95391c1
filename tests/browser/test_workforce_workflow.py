"""Workforce returns and speaking up, driven through the browser as new users would: the
provider lead submits a monthly return and sees its trends; a member of staff with no
account raises an anonymous concern with the LMNS; the LMNS Freedom to Speak Up lead
replies; the member of staff reads the reply with the passphrase and answers; an LMNS
officer sees only counts, of complete quarters."""

import re
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from lmns.demo import DEMO_PROVIDERS
from lmns.months import add_months, first_of_month
from tests.browser.conftest import EXTERNAL_URL, menu, sign_in
from tests.factories import make_concern
from tests.workforce.perinatal.factories import CENTRE_FIGURES, site_form
from workforce.models import FtsuConcern, FtsuMessage, WorkforceReturn
from workforce.selectors import Quarter

pytestmark = pytest.mark.browser

ZZA = next(name for ods_code, name, _units in DEMO_PROVIDERS if ods_code == "ZZA")
HOME_URL = re.compile(r"^http://[^/]+/$")
CONCERN = "Agency midwives on nights are not shown where the obstetric emergency trolley is kept."
REPLY = "Thank you for telling us. Which unit and which nights?"
ANSWER = "The main labour ward, most weekends."
RETURN_FIGURES = {
    "Funded midwifery establishment (WTE)": "212",
    "Midwives in post (WTE)": "190.5",
    "Midwife turnover, rolling 12 months (%)": "11.5",
    "Funded maternity support worker establishment (WTE)": "53",
    "Maternity support workers in post (WTE)": "50",
    "Women in established labour this month": "290",
    "Of whom received 1:1 care throughout established labour": "284",
    "Labour ward shifts this month": "62",
    "Of which the coordinator was supernumerary throughout": "60",
    "Obstetric consultant presence on the labour ward (hours a week)": "62",
    "Newly qualified midwives on preceptorship": "7",
    "Midwives: staff who need fetal monitoring training": "250",
    "Midwives: of whom up to date with fetal monitoring": "231",
}


def _context(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}, locale="en-GB"
    )
    context.route(EXTERNAL_URL, lambda route: route.abort())
    context.set_default_timeout(5000)
    return context


@contextmanager
def person(browser, live_server, username=None):
    """A separate browser (own cookies): signed in as ``username``, or with no account."""
    context = _context(browser, live_server)
    try:
        page = context.new_page()
        if username:
            sign_in(page, username)
            expect(page).to_have_url(HOME_URL)
        yield page
    finally:
        context.close()


def open_workforce(page):
    # Follow the menu link's address rather than click it: a click that lands while the
    # header's script is still laying the menu out is lost (seen once under CI load).
    link = menu(page).get_by_role("link", name="Workforce", exact=True)
    page.goto(link.get_attribute("href"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Workforce")


def test_return_trends_speaking_up_reply_and_counts(page, browser, seeded_live_server, artifacts):
    last_month = add_months(first_of_month(timezone.localdate()), -1)

    # 1. The provider lead submits last month's return and sees its trends.
    sign_in(page, "demo.lead")
    expect(page).to_have_url(HOME_URL)
    open_workforce(page)
    # A link drawn by the design system's button macro has the role of a button.
    page.get_by_role("button", name="Submit a monthly return").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Submit a monthly workforce return")
    expect(page.get_by_role("combobox", name="Month", exact=True)).to_have_value(last_month.isoformat())
    for label, value in RETURN_FIGURES.items():
        page.get_by_label(label, exact=True).fill(value)
    # Every other staff group's training: 93 of 100, close to the demo's previous month.
    for cell in page.locator("input[name^='training-']").all():
        if not cell.input_value():
            cell.fill("100" if cell.get_attribute("name").endswith("in_scope") else "93")
    # The month's perinatal figures, submitted with the workforce figures on the same form, for
    # each of the provider's birth sites: its maternity unit and its birth centre.
    for name, value in {**site_form("ZZA01"), **site_form("ZZA02", **CENTRE_FIGURES)}.items():
        page.locator(f"input[name='{name}']").fill(value)
    # A percentage over 100 is refused beside its field, and nothing is saved.
    page.get_by_label("Midwife turnover, rolling 12 months (%)", exact=True).fill("112")
    page.get_by_role("button", name="Submit the return").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Enter a percentage of 100 or less.")
    assert not WorkforceReturn.objects.exists()
    page.get_by_label("Midwife turnover, rolling 12 months (%)", exact=True).fill("11.5")
    page.get_by_role("button", name="Submit the return").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(ZZA)
    expect(page.get_by_role("status")).to_contain_text(f"Return for {last_month:%B %Y} submitted.")
    expect(page.locator("svg.spc-chart")).to_have_count(14)
    vacancy = page.get_by_role("img", name=re.compile(r"^Midwifery vacancy rate"))
    expect(vacancy).to_be_visible()
    # No Birthrate Plus figure was given: its chart says so rather than drawing nothing.
    expect(page.get_by_role("img", name=re.compile(r"^Birthrate Plus"))).to_contain_text("No data")
    figures = page.get_by_role("table", name="Figures by month")
    vacancy_row = figures.get_by_role("row", name=re.compile(r"^Midwifery vacancy rate \(%\)"))
    expect(vacancy_row).to_contain_text("10.1")
    expect(figures.get_by_role("row", name=re.compile("1:1 care"))).to_contain_text("97.9")
    page.screenshot(path=artifacts / "workforce-trends.png", full_page=True)
    page.locator(".app-charts").screenshot(path=artifacts / "workforce-charts.png")

    # 2. A member of staff with no account speaks up to the LMNS, anonymously.
    with person(browser, seeded_live_server) as staff:
        staff.goto("/workforce/speak-up/")
        expect(staff.get_by_role("heading", level=1)).to_have_text("Speak up to the LMNS")
        staff.get_by_label("Which organisation is your concern about?").select_option(label=ZZA)
        staff.get_by_label("Anonymously", exact=True).check()
        staff.get_by_label("Patient safety or quality", exact=True).check()
        staff.get_by_label("No", exact=True).check()
        staff.get_by_label("Your concern", exact=True).fill(CONCERN)
        staff.get_by_role("button", name="Send your concern").click()
        expect(staff.get_by_role("heading", level=1)).to_have_text("Your concern has been sent")
        reference = staff.locator("#case-reference").inner_text()
        passphrase = staff.locator("#case-passphrase").inner_text()
        staff.screenshot(path=artifacts / "workforce-speak-up-done.png")
        concern = FtsuConcern.objects.get(reference=reference)
        assert (concern.raised_as, concern.contact_encrypted, concern.recorded_by) == ("anonymous", "", None)

        # 3. The LMNS FTSU lead finds it and replies.
        with person(browser, seeded_live_server, "demo.ftsulead") as lead:
            open_workforce(lead)
            lead.get_by_role("link", name="Freedom to Speak Up", exact=True).first.click()
            lead.get_by_role("link", name=reference, exact=True).click()
            expect(lead.get_by_role("heading", level=1)).to_have_text(f"Concern {reference}")
            expect(lead.locator(".nhsuk-summary-list")).to_contain_text(CONCERN)
            lead.get_by_label("Reply to the person", exact=True).fill(REPLY)
            lead.get_by_role("button", name="Send reply").click()
            expect(lead.get_by_role("status")).to_contain_text("Reply sent.")
            lead.get_by_label("Add a note", exact=True).fill("Guardians only: check the trolley audit.")
            lead.get_by_role("button", name="Add note").click()
            expect(lead.get_by_role("status")).to_contain_text("Note added.")

        # 4. The member of staff reads the reply with the passphrase and answers.
        staff.get_by_role("link", name="Read replies to your concern").click()
        staff.get_by_label("Case reference", exact=True).fill(reference)
        staff.get_by_label("Passphrase", exact=True).fill("WRONG-PASSPHRASE")
        staff.get_by_role("button", name="Open your case").click()
        expect(staff.locator(".nhsuk-error-summary")).to_contain_text(
            "The case reference or passphrase is not right."
        )
        staff.get_by_label("Case reference", exact=True).fill(reference)
        staff.get_by_label("Passphrase", exact=True).fill(passphrase)
        staff.get_by_role("button", name="Open your case").click()
        expect(staff.get_by_role("heading", level=1)).to_have_text(f"Your case {reference}")
        expect(staff.locator(".nhsuk-card").filter(has_text=REPLY)).to_be_visible()
        expect(staff.get_by_text("check the trolley audit")).to_have_count(0)
        staff.get_by_label("Your answer", exact=True).fill(ANSWER)
        staff.get_by_role("button", name="Send your answer").click()
        expect(staff.get_by_role("status")).to_contain_text("Your answer has been sent.")
        expect(staff.locator(".nhsuk-card").filter(has_text=ANSWER)).to_be_visible()
        staff.screenshot(path=artifacts / "workforce-case.png", full_page=True)
        staff.screenshot(path="/tmp/workforce-case.png", full_page=True)
    answer = FtsuMessage.objects.get(concern=concern, from_raiser=True)
    assert (answer.body, answer.sent_by) == (ANSWER, None)

    # 5. An LMNS officer sees only counts of complete quarters, never the concern. Today's
    # concern, raised with the LMNS, is in no count yet (a live count would show the day it
    # came); one the provider's guardian received last quarter is in the provider's row.
    make_concern(
        FtsuConcern.objects.get(reference=reference).provider,
        received_on=Quarter.of(timezone.localdate()).start - timedelta(days=1),
    )
    with person(browser, seeded_live_server, "demo.officer") as officer:
        open_workforce(officer)
        officer.get_by_role("link", name="Freedom to Speak Up", exact=True).first.click()
        counts = officer.get_by_role("table", name="Concerns raised, by quarter received")
        expect(counts.get_by_role("row", name=re.compile(f"^{re.escape(ZZA)}"))).to_contain_text("<5")
        expect(counts.get_by_role("row", name=re.compile(r"^Raised with .* directly"))).not_to_contain_text(
            "<5"
        )
        expect(officer.get_by_text(reference)).to_have_count(0)
        expect(officer.get_by_text(CONCERN)).to_have_count(0)
        officer.screenshot(path=artifacts / "workforce-officer-counts.png", full_page=True)
        response = officer.goto(f"/workforce/speaking-up/concerns/{concern.pk}/")
        assert response.status == 404
