"""The home page shows each person the work waiting for them: a provider lead sees learning to
sign off and a requirement the LMNS challenged, an LMNS officer the requirements awaiting
verification, oldest first, and every other role its own work; the navigation carries the same
counts. At desktop and phone width."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from playwright.sync_api import expect

from assurance.models import Framework, FrameworkStatus, Verification
from assurance.services import assessment_start
from incidents.models import Incident, Learning, LearningStatus, ResponseType
from lmns.models import Provider
from tests.browser.conftest import EXTERNAL_URL, menu, sign_in
from tests.factories import make_concern, make_framework, make_incident, make_learning, make_meeting
from workforce.models import ConcernStatus, FtsuConcern

pytestmark = pytest.mark.browser

HOME_URL = re.compile(r"^http://[^/]+/$")
SHOTS = Path("/tmp/home-shots")
PHONE = {"width": 390, "height": 844}


def _waiting_work():
    """A draft and a signed-off learning at ZZA; requirements sent for verification at ZZA and
    ZZB a week and three weeks ago, and one the LMNS challenged at ZZA."""
    lead = get_user_model().objects.get(username="demo.lead")
    zza, zzb = Provider.objects.get(ods_code="ZZA"), Provider.objects.get(ods_code="ZZB")
    make_learning(zza, title="Fresh eyes at handover", created_by=lead)
    make_learning(zza, title="Escalating sepsis", status=LearningStatus.SIGNED_OFF)
    framework = make_framework("home-check")
    now = timezone.now()
    items = {}
    for provider, days in ((zza, 7), (zzb, 21)):
        assessment = assessment_start(provider=provider, framework=framework, by=lead)
        item = assessment.items.order_by("pk").first()
        item.verification = Verification.AWAITING
        item.submitted_at = now - timedelta(days=days)
        item.save()
        items[provider.ods_code] = item
    challenged = items["ZZA"].assessment.items.order_by("pk")[1]
    challenged.verification = Verification.CHALLENGED
    challenged.save()
    return items, challenged


def _shoot(page, name):
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SHOTS / f"{name}-desktop.png", full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=SHOTS / f"{name}-phone.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def _work(page, label):
    return page.locator(".app-work-list li").filter(has=page.get_by_role("link", name=label))


def test_provider_lead_and_officer_see_their_waiting_work_on_home(page, browser, seeded_live_server):
    items, challenged = _waiting_work()

    sign_in(page, "demo.lead")
    expect(page).to_have_url(HOME_URL)
    expect(page.get_by_role("heading", name="Work that needs you")).to_be_visible()
    expect(_work(page, "Learning awaiting your sign-off")).to_contain_text("1")
    expect(_work(page, "Signed-off learning not yet submitted to the SSIG")).to_contain_text("1")
    expect(_work(page, "Requirements challenged by the LMNS")).to_contain_text("1")
    # The officer's queue is not the lead's work.
    expect(page.get_by_role("link", name=re.compile("awaiting your verification"))).to_have_count(0)
    # Two learning items waiting in Incidents, one challenge in Assurance.
    header_menu = menu(page)
    incidents = header_menu.get_by_role("link", name="Incidents", exact=True)
    expect(incidents).to_have_accessible_description("2 waiting for you")
    expect(incidents.locator(".app-nav-badge")).to_have_text("2")
    expect(header_menu.get_by_role("link", name="Assurance", exact=True)).to_have_accessible_description(
        "1 waiting for you"
    )
    _shoot(page, "lead-home")

    page.get_by_role("link", name="Requirements challenged by the LMNS").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Requirements")
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(challenged.requirement.code)
    # Away from home, the navigation keeps its badges.
    expect(incidents).to_have_accessible_description("2 waiting for you")

    context = browser.new_context(
        base_url=seeded_live_server.url, viewport={"width": 1280, "height": 900}, locale="en-GB"
    )
    context.route(EXTERNAL_URL, lambda route: route.abort())
    context.set_default_timeout(5000)
    officer = context.new_page()
    try:
        sign_in(officer, "demo.officer")
        expect(officer).to_have_url(HOME_URL)
        queue = _work(officer, "Requirements awaiting your verification, oldest first")
        expect(queue).to_contain_text("2")
        expect(officer.get_by_role("link", name="Learning awaiting your sign-off")).to_have_count(0)
        _shoot(officer, "officer-home")

        officer.get_by_role("link", name="Requirements awaiting your verification, oldest first").click()
        rows = officer.locator("tbody tr")
        expect(rows).to_have_count(2)
        # Oldest first, across providers: ZZB's waited three weeks, ZZA's one.
        expect(rows.nth(0)).to_contain_text(items["ZZB"].assessment.provider.name)
        expect(rows.nth(1)).to_contain_text(items["ZZA"].assessment.provider.name)
        _shoot(officer, "officer-queue")
    finally:
        context.close()


def _count(page, label):
    """The count shown beside a waiting-work link, as a number."""
    return int(_work(page, label).locator(".app-work-count").inner_text())


def test_every_other_role_lands_on_its_own_waiting_work(browser, seeded_live_server):
    """The contributor, guardian, FTSU lead, safety lead, administrator and board viewer each
    see their own work, with the counts the records give, and not another role's."""
    users = {u.username: u for u in get_user_model().objects.filter(username__startswith="demo.")}
    zza = Provider.objects.get(ods_code="ZZA")
    today = timezone.localdate()
    make_incident(
        zza,
        summary="Delay in the second stage of labour, no learning yet.",
        response_type=ResponseType.SWARM_HUDDLE,
    )
    make_learning(zza, title="A contributor's own draft", created_by=users["demo.contributor"])
    make_meeting(
        zza.lmns, meeting_on=today + timedelta(days=9), submission_deadline=today + timedelta(days=2)
    )
    make_concern(zza, handler=None)
    make_concern(lmns=zza.lmns, handler=None)
    awaiting = make_framework("home-approval")
    awaiting.status = FrameworkStatus.AWAITING_APPROVAL
    awaiting.save()
    open_concerns = FtsuConcern.objects.exclude(status=ConcernStatus.CLOSED).filter(handler=None)

    expected = {
        "demo.contributor": {
            "Incidents without learning": Incident.objects.filter(provider=zza).needing_learning().count(),
            "Your draft learning": Learning.objects.filter(
                provider=zza, status=LearningStatus.DRAFT, created_by=users["demo.contributor"]
            ).count(),
        },
        "demo.guardian": {"New concerns nobody has taken": open_concerns.filter(provider=zza).count()},
        "demo.ftsulead": {"New concerns nobody has taken": open_concerns.filter(lmns=zza.lmns).count()},
        "demo.safetylead": {
            "Frameworks awaiting approval": Framework.objects.filter(
                Q(lmns=None) | Q(lmns=zza.lmns), status=FrameworkStatus.AWAITING_APPROVAL
            ).count()
        },
    }
    not_theirs = {
        "demo.contributor": ["Learning awaiting your sign-off", "New concerns nobody has taken"],
        "demo.guardian": [
            "Incidents without learning",
            "Requirements awaiting your verification, oldest first",
        ],
        "demo.ftsulead": ["Incidents without learning", "Learning awaiting your sign-off"],
        "demo.safetylead": ["New concerns nobody has taken", "Incidents without learning"],
        "demo.admin": ["New concerns nobody has taken", "Learning awaiting your sign-off"],
        "demo.board": [
            "Requirements awaiting your verification, oldest first",
            "New concerns nobody has taken",
        ],
    }
    for username, absent in not_theirs.items():
        context = browser.new_context(
            base_url=seeded_live_server.url, viewport={"width": 1280, "height": 900}, locale="en-GB"
        )
        context.route(EXTERNAL_URL, lambda route: route.abort())
        context.set_default_timeout(5000)
        page = context.new_page()
        try:
            sign_in(page, username)
            expect(page).to_have_url(HOME_URL)
            expect(page.get_by_role("heading", name="Work that needs you")).to_be_visible()
            for label, count in expected.get(username, {}).items():
                assert count > 0, f"the test made no {label!r} for {username}"
                assert _count(page, label) == count, f"{username}: {label}"
            for label in absent:
                expect(page.get_by_role("link", name=label, exact=True)).to_have_count(0)
            if username == "demo.contributor":
                expect(
                    page.get_by_role("link", name=re.compile("^Next SSIG submission deadline"))
                ).to_be_visible()
                expect(_work(page, "Next SSIG submission deadline")).to_contain_text(
                    f"Due {today + timedelta(days=2):%-d %B %Y}"
                )
            if username == "demo.safetylead":
                expect(page.get_by_role("link", name="Go to the administration pages")).to_be_visible()
            if username == "demo.admin":
                expect(page.get_by_role("link", name="Manage people and their roles")).to_be_visible()
            if username == "demo.board":
                # The board reads what the officers built: the packs and workbooks, or where to ask.
                built = page.locator("section", has=page.get_by_role("heading", name="Board")).locator(
                    ".app-work-list a"
                )
                expect(built.first).to_be_visible()
            _shoot(page, f"{username.removeprefix('demo.')}-home")
        finally:
            context.close()
