"""axe-core finds no accessibility violation on any kind of page (a home page per role, a list, a
record, a form sent back with errors, the quality view), each opened as the role that uses it.

axe-core comes from the npm registry (package.json's devDependencies, installed by ``npm ci``) and
is run in the page through Playwright. The Content-Security-Policy refuses an inline script tag,
so the library is evaluated through the DevTools protocol, which the policy does not govern,
rather than loosening the policy for the test."""

import io
import os
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import expect

from assurance.maturity.models import MaturityModel, MaturityRound
from assurance.models import Framework, RequirementAssessment
from assurance.visits.models import Visit
from incidents.calendar.models import CalendarEvent, EventKind
from incidents.highlights.models import HighlightReport
from incidents.improvement.models import ImprovementPlan
from incidents.models import Incident, Learning
from lmns.demo import DEMO_USERS
from tests.browser.conftest import sign_in
from tests.conftest import IN_CI, skip_or_fail
from workforce.models import FtsuConcern
from workforce.score.models import ScoreWave

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"

# Every violation, with the rule, what it asks and the elements that break it.
AXE_RUN_JS = """
async () => {
  const results = await axe.run(document, { resultTypes: ["violations"] });
  return results.violations.map((v) => ({
    rule: v.id,
    impact: v.impact,
    help: v.help,
    targets: v.nodes.map((node) => node.target.join(" ")),
  }));
}
"""


@pytest.fixture(scope="module")
def axe_source():
    # AXE_CORE_JS points elsewhere, for a checkout whose node_modules is shared and lacks it.
    path = Path(os.environ.get("AXE_CORE_JS") or AXE)
    if not path.exists():
        skip_or_fail(f"axe-core is not installed at {path}: run npm ci", required=IN_CI)
    return path.read_text(encoding="utf-8")


def _learning_set():
    return CalendarEvent.objects.filter(kind=EventKind.LEARNING_SET).order_by("pk").first()


def _calendar_month():
    """The month of the demo's learning set, so that the grid has events in it."""
    return f"{reverse('incidents:calendar')}?month={_learning_set().starts_at:%Y-%m}"


def _zza(queryset):
    return queryset.filter(provider__ods_code="ZZA").order_by("pk").first().get_absolute_url()


# Each role's pages: its home page, and the lists, records and forms it is the one to use.
# A form is ("form", URL, its button): it is sent empty, so that the page is seen with errors.
def _pages(username):
    pages = {
        "demo.contributor": lambda: [
            reverse("incidents:incident-list"),
            _zza(Incident.objects),
            ("form", reverse("incidents:incident-create"), "Save incident"),
            # An incident of moderate harm or worse opened for a change prompts for the duty of candour.
            reverse(
                "incidents:incident-edit",
                args=[
                    Incident.objects.filter(provider__ods_code="ZZA").moderate_or_worse().order_by("pk")[0].pk
                ],
            ),
            # The incidents are a search-and-add list (lmns.forms.Picker), the next SSIG's date above.
            ("form", reverse("incidents:learning-create"), "Save learning"),
            # A filter sent back with an unreal date.
            reverse("incidents:incident-list")
            + "?occurred_from_day=31&occurred_from_month=2&occurred_from_year=2026",
        ],
        "demo.lead": lambda: [
            reverse("incidents:learning-list"),
            _zza(Learning.objects),
            reverse("assurance:item-list"),
            # Evidence's requirements are a search-and-add list too.
            reverse(
                "assurance:evidence-add",
                args=[
                    RequirementAssessment.objects.filter(assessment__provider__ods_code="ZZA")
                    .order_by("pk")
                    .first()
                    .pk
                ],
            ),
            reverse("assurance:matrix", args=[Framework.objects.order_by("pk").first().slug]),
            reverse("workforce:index"),
            reverse("incidents:improvement-index"),
            ImprovementPlan.objects.order_by("pk").first().get_absolute_url(),
            # The demo plan's highlight reports, and its late draft.
            reverse(
                "incidents:improvement-highlight-plan",
                args=[ImprovementPlan.objects.order_by("pk").first().pk],
            ),
            HighlightReport.objects.order_by("-month").first().get_absolute_url(),
            ("form", reverse("workforce:return-create"), "Submit the return"),
            _calendar_month(),
            _learning_set().get_absolute_url(),
            # A SCORE wave's results, and its import form with errors (an empty file).
            _zza(ScoreWave.objects),
            ("form", reverse("workforce:score-results-import", args=[ScoreWave.objects.get().pk]), "Import"),
        ],
        "demo.guardian": lambda: [reverse("workforce:ftsu"), _zza(FtsuConcern.objects)],
        "demo.officer": lambda: [
            reverse("assurance:visit-list"),
            _zza(Visit.objects),
            ("form", reverse("assurance:visit-create"), "Plan the visit"),
            reverse("assurance:recommendation-list"),
            ("form", reverse("incidents:calendar-event-create"), "Save event"),
            reverse("incidents:improvement-highlight-list"),
            reverse("incidents:improvement-highlight-schedule"),
            # What the LMNS reads of a SCORE wave: response rates and completion.
            _zza(ScoreWave.objects),
        ],
        "demo.safetylead": lambda: [
            reverse("assurance:index"),
            # The demo's maturity model (a draft) and the LMNS's latest round of it.
            MaturityModel.objects.order_by("pk").first().get_absolute_url(),
            MaturityRound.objects.order_by("-assessed_on").first().get_absolute_url(),
            ("form", reverse("assurance:maturity-start"), "Start the round"),
        ],
        "demo.ftsulead": lambda: [reverse("workforce:ftsu")],
        "demo.board": lambda: [reverse("lmns:quality"), reverse("lmns:quality-provider", args=["ZZA"])],
        "demo.admin": lambda: [],
        # Nobody signed in: staff without an account speak up from the sign-in page.
        None: lambda: [
            reverse("login"),
            ("form", reverse("workforce:speak-up"), "Send your concern"),
        ],
    }
    return pages[username]()


ROLES = [username for username, *_rest in DEMO_USERS if not username.endswith(".vale")]


@pytest.fixture
def demo(seeded_live_server, settings):
    call_command("load_frameworks", stdout=io.StringIO())
    settings.DEBUG = True  # seed_demo refuses to run on what looks like a real deployment
    call_command("seed_demo", stdout=io.StringIO())
    settings.DEBUG = False
    return seeded_live_server


# One test for every role, not one per role: the demo takes longer to seed than its pages to check.
def test_axe_finds_no_violation_on_any_kind_of_page(page, demo, axe_source):
    found = {}
    for username in [*ROLES, None]:
        page.context.clear_cookies()
        if username:
            sign_in(page, username)
            expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")
            found[f"{username} /"] = _violations(page, axe_source)
        for target in _pages(username):
            if isinstance(target, tuple):
                _kind, url, button = target
                page.goto(url)
                page.get_by_role("button", name=button, exact=True).click()
                expect(page.locator(".nhsuk-error-summary")).to_be_visible()
            else:
                url = target
                assert page.goto(url).ok, url
            found[f"{username} {url}"] = _violations(page, axe_source)
    # At phone width wide tables scroll inside their regions, which must then be reachable from
    # the keyboard (axe's scrollable-region-focusable).
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, "demo.lead")
    framework = Framework.objects.order_by("pk").first()
    for url in (
        reverse("assurance:matrix", args=[framework.slug]),
        reverse("incidents:incident-list"),
        _calendar_month(),
    ):
        assert page.goto(url).ok, url
        found[f"demo.lead at phone width {url}"] = _violations(page, axe_source)
    found = {where: violations for where, violations in found.items() if violations}
    assert not found, "\n".join(
        f"{where}: {v['rule']} ({v['impact']}): {v['help']}: {v['targets']}"
        for where, violations in found.items()
        for v in violations
    )


def _violations(page, axe_source):
    page.evaluate(axe_source)
    return page.evaluate(AXE_RUN_JS)
