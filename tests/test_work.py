"""Work that needs me: the home page per role, the navigation's badges and the work queues."""

from datetime import timedelta

import pytest
from django.urls import resolve, reverse
from django.utils import timezone

from assurance.models import FrameworkStatus, Verification
from assurance.visits.models import RecommendationStatus
from incidents.highlights.models import ReportStatus
from incidents.models import LearningStatus
from lmns.models import Role
from lmns.months import add_months
from quality.work import Urgency, badges, work_for
from tests.factories import (
    make_concern,
    make_finding,
    make_framework,
    make_incident,
    make_learning,
    make_recommendation,
    make_user,
    make_visit,
    make_workforce_return,
)
from tests.incidents.highlights.factories import make_report, this_month
from tests.incidents.improvement.factories import make_plan
from workforce.models import FtsuMessage

pytestmark = pytest.mark.django_db

ROLES = [
    "provider:provider_contributor",
    "provider:provider_lead",
    "provider:provider_ftsu_guardian",
    "provider:board_viewer",
    "lmns:lmns_officer",
    "lmns:lmns_safety_lead",
    "lmns:lmns_ftsu_lead",
    "lmns:board_viewer",
    "lmns:system_administrator",
    "superuser",
    "nobody",
]

# The whole home page, whatever the number of records: one query per kind of work, and three
# (savepoint, update, release) to keep new badge counts in the session.
HOME_QUERY_BUDGET = 17  # 15 before Saving Babies' Lives quarters, 16 before highlight reports to review
EVERY_ROLE_QUERY_BUDGET = 30  # 29 before highlight reports awaiting review


def _counts(user) -> dict[str, int | None]:
    return {item.label: item.count for role in work_for(user) for item in role.items}


def _count(user, starts: str) -> int:
    """The count of the item whose label starts with ``starts``; 0 when it is not listed."""
    for role in work_for(user):
        for item in role.items:
            if item.label.startswith(starts):
                return item.count
    return 0


def _item(user, starts: str):
    return next(item for role in work_for(user) for item in role.items if item.label.startswith(starts))


def _awaiting(world, provider, n=1, submitted_days_ago=1):
    items = world.record("assessment", provider).items.order_by("pk")[:n]
    for item in items:
        item.verification = Verification.AWAITING
        item.submitted_at = timezone.now() - timedelta(days=submitted_days_ago)
        item.save()
    return items


def test_contributor_sees_incidents_without_learning_and_own_drafts_at_their_provider_only(world):
    contributor = world.personas["provider:provider_contributor"]
    before = _count(contributor, "Incidents without learning")
    make_incident(world.a1, response_type="aar")
    make_incident(world.a1)  # no learning response chosen yet
    make_incident(world.a1, response_type="none")  # no learning response is owed
    make_incident(world.a1, response_type="aar", status="closed")
    make_incident(world.a2, response_type="aar")
    make_incident(world.b1, response_type="aar")
    assert _count(contributor, "Incidents without learning") == before + 1

    drafts = _count(contributor, "Your draft learning")
    make_learning(world.a1, created_by=contributor)
    make_learning(world.a1, created_by=world.personas["provider:provider_lead"])
    make_learning(world.a1, created_by=contributor, status=LearningStatus.SIGNED_OFF)
    assert _count(contributor, "Your draft learning") == drafts + 1


def test_contributor_and_lead_see_the_next_ssig_deadline_of_their_own_lmns(world):
    meeting = world.record("meeting", world.a1)
    for persona in ("provider:provider_contributor", "provider:provider_lead"):
        item = _item(world.personas[persona], "Next SSIG submission deadline")
        assert item.due_on == meeting.submission_deadline
        assert item.url == meeting.get_absolute_url()
        assert item.urgency == Urgency.INFORMATION


def test_lead_sees_sign_off_unsent_learning_challenges_recommendations_and_the_workforce_return(world):
    lead = world.personas["provider:provider_lead"]
    before = _counts(lead)
    for provider in (world.a1, world.a2, world.b1):
        make_learning(provider)
        make_learning(provider, status=LearningStatus.SIGNED_OFF)
        item = world.record("item", provider)
        item.verification = Verification.CHALLENGED
        item.save()
    after = _counts(lead)
    assert after["Learning awaiting your sign-off"] == before["Learning awaiting your sign-off"] + 1
    assert after["Signed-off learning not yet submitted to the SSIG"] == 1
    assert after["Requirements challenged by the LMNS"] == 1

    # The world's recommendation is due in 60 days: not yet listed. One due in 10 days is.
    label = "Visit recommendations due in the next 30 days or overdue"
    assert label not in after
    soon = timezone.localdate() + timedelta(days=10)
    for provider in (world.a1, world.b1):
        rec = world.record("recommendation", provider)
        rec.due_on = soon
        rec.save()
    item = _item(lead, label)
    assert (item.count, item.due_on) == (1, soon)

    month = add_months(timezone.localdate().replace(day=1), -1)
    returns = [label for label in after if label.startswith("Workforce return for")]
    assert returns == [f"Workforce return for {month:%B %Y} not yet submitted"]
    make_workforce_return(world.a1, month=month)
    assert not any(label.startswith("Workforce return for") for label in _counts(lead))


def test_ftsu_counts_untaken_concerns_and_replies_only_where_the_person_reads_concerns(world):
    guardian = world.personas["provider:provider_ftsu_guardian"]
    ftsu_lead = world.personas["lmns:lmns_ftsu_lead"]
    make_concern(world.a1)
    make_concern(world.b1)
    make_concern(lmns=world.lmns_a)  # raised with the LMNS: its guardians never see it
    assert _count(guardian, "New concerns nobody has taken") == 1
    assert _count(ftsu_lead, "New concerns nobody has taken") == 2

    handled = world.record("concern", world.a1)
    FtsuMessage.objects.create(
        concern=handled, from_raiser=True, body="Any news?", sent_on=timezone.localdate()
    )
    assert _count(guardian, "Replies from people who spoke up") == 1
    FtsuMessage.objects.create(
        concern=handled, from_raiser=False, body="Yes.", sent_on=timezone.localdate(), sent_by=guardian
    )
    assert _count(guardian, "Replies from people who spoke up") == 0
    # An officer reads no concern, so is told of none.
    assert _count(world.personas["lmns:lmns_officer"], "New concerns") == 0


def test_ftsu_items_carry_counts_and_never_a_concern_detail(client, world):
    make_concern(world.a1, summary="Nobody covered the coordinator on nights")
    client.force_login(world.personas["provider:provider_ftsu_guardian"])
    body = client.get(reverse("home")).content.decode()
    assert "New concerns nobody has taken" in body
    assert "Nobody covered the coordinator" not in body
    assert "FTSU-T" not in body


def test_officer_sees_verification_closure_requests_ssig_submissions_and_overdue_returns(world):
    officer = world.personas["lmns:lmns_officer"]
    _awaiting(world, world.a1, n=2)
    _awaiting(world, world.a2)
    _awaiting(world, world.b1)
    item = _item(officer, "Requirements awaiting your verification")
    assert item.count == 3
    assert resolve(item.url.split("?")[0]).url_name == "item-list"
    assert "order=submitted" in item.url

    for provider in (world.a2, world.b1):
        rec = world.record("recommendation", provider)
        rec.status = RecommendationStatus.AWAITING_REVIEW
        rec.save()
    assert _count(officer, "Recommendations asking for closure") == 1

    overdue = _item(officer, "Workforce returns for")
    assert overdue.count == 2  # A1 and A2; Beta's B1 is not this officer's
    assert overdue.due_on < timezone.localdate()


def test_officer_sees_highlight_reports_awaiting_review_in_their_lmns_only(client, world):
    officer = world.personas["lmns:lmns_officer"]
    assert _item_or_none(officer, "Highlight reports awaiting your review") is None
    by = world.personas["superuser"]
    awaiting, others = [], []
    for provider in (world.a1, world.a2, world.b1):
        plan = make_plan(provider)
        submitted = [
            make_report(plan, by=by, month=add_months(this_month(), -1), status=ReportStatus.SUBMITTED)
        ]
        if provider == world.a1:
            # An earlier month still unreviewed: not the plan's latest report, but awaiting all the same.
            submitted.append(
                make_report(plan, by=by, month=add_months(this_month(), -3), status=ReportStatus.SUBMITTED)
            )
        (others if provider == world.b1 else awaiting).extend(submitted)
        others.append(
            make_report(plan, by=by, month=add_months(this_month(), -2), status=ReportStatus.REVIEWED)
        )
        others.append(make_report(plan, by=by))  # a draft is not the LMNS's yet
    item = _item(officer, "Highlight reports awaiting your review")
    assert item.count == 3  # A1's two and A2's; Beta's B1 is not this officer's
    assert item.url == reverse("incidents:improvement-highlight-list") + "?awaiting=on"
    client.force_login(officer)
    response = client.get(item.url)
    assert response.status_code == 200
    # The list the item links to shows exactly the reports it counts.
    listed = list(response.context["awaiting_reports"])
    assert sorted(report.pk for report in listed) == sorted(report.pk for report in awaiting)
    body = response.content.decode()
    for report in awaiting:
        assert f'href="{report.get_absolute_url()}"' in body
    for report in others:
        assert f'href="{report.get_absolute_url()}"' not in body
    # A provider's lead writes reports and does not review them.
    assert _item_or_none(world.personas["provider:provider_lead"], "Highlight reports awaiting") is None


def test_verification_waiting_four_weeks_is_raised_above_the_rest(world):
    officer = world.personas["lmns:lmns_officer"]
    assert _item_or_none(officer, "Requirements awaiting") is None
    _awaiting(world, world.a1, submitted_days_ago=3)
    assert _item(officer, "Requirements awaiting").urgency == Urgency.WAITING
    _awaiting(world, world.a2, submitted_days_ago=40)
    assert _item(officer, "Requirements awaiting").urgency == Urgency.DUE


def _item_or_none(user, starts):
    try:
        return _item(user, starts)
    except StopIteration:
        return None


def test_safety_lead_sees_what_awaits_approval_and_the_admin(world):
    safety_lead = world.personas["lmns:lmns_safety_lead"]
    framework = make_framework()
    framework.lmns = world.lmns_a
    framework.status = FrameworkStatus.AWAITING_APPROVAL
    framework.save()
    other = make_framework()
    other.lmns = world.lmns_b
    other.status = FrameworkStatus.AWAITING_APPROVAL
    other.save()
    assert _count(safety_lead, "Frameworks awaiting approval") == 1
    (role,) = work_for(safety_lead)
    assert ("Go to the administration pages", reverse("admin:index")) in role.links


def test_board_viewer_sees_the_latest_board_packs_and_workbooks_of_their_lmns(world):
    labels = [item.label for role in work_for(world.personas["lmns:board_viewer"]) for item in role.items]
    assert any("Board pack for Alpha LMNS" in label for label in labels)
    assert any("workbook for Alpha LMNS" in label for label in labels)
    assert not any("Beta" in label for label in labels)
    provider_board = [
        item for role in work_for(world.personas["provider:board_viewer"]) for item in role.items
    ]
    assert [item.url for item in provider_board] == [reverse("lmns:board-pack", args=[world.a1.ods_code])]


def test_a_person_with_several_roles_sees_each_roles_work(world):
    person = make_user(role=Role.PROVIDER_LEAD, provider=world.a1)
    person.memberships.create(role=Role.PROVIDER_FTSU_GUARDIAN, provider=world.a1)
    assert [role.role for role in work_for(person)] == ["Provider lead", "Freedom to Speak Up"]


def test_items_are_most_urgent_first(world):
    lead = world.personas["provider:provider_lead"]
    for role in work_for(lead):
        keys = [(item.urgency, item.due_on or timezone.localdate().max) for item in role.items]
        assert keys == sorted(keys)


@pytest.mark.parametrize("persona", ROLES)
def test_home_page_lists_the_work_and_every_link_resolves(client, world, persona):
    user = world.personas[persona]
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    for role in response.context["work"]:
        assert role.role in response.content.decode()
        for item in role.items:
            assert item.url in response.content.decode()
            assert client.get(item.url).status_code == 200, item.url


def _grow(world, n):
    """More of every kind of waiting work, at every provider."""
    for provider in world.providers:
        for _ in range(n):
            make_incident(provider, response_type="aar")
            make_learning(provider)
            make_learning(provider, status=LearningStatus.SIGNED_OFF)
            make_concern(provider)
            visit = make_visit(provider, visit_on=timezone.localdate() - timedelta(days=3))
            make_recommendation(make_finding(visit), owner=world.personas["provider:provider_lead"])
            make_report(make_plan(provider), by=world.personas["superuser"], status=ReportStatus.SUBMITTED)
        _awaiting(world, provider, n=n)


@pytest.mark.parametrize("persona", ROLES)
def test_home_page_query_budget_does_not_grow_with_the_data(
    client, world, persona, django_assert_max_num_queries
):
    user = world.personas[persona]
    client.force_login(user)
    client.get(reverse("home"))  # the session and per-process caches settle
    with django_assert_max_num_queries(HOME_QUERY_BUDGET):
        client.get(reverse("home"))
    _grow(world, 3)
    with django_assert_max_num_queries(HOME_QUERY_BUDGET):
        client.get(reverse("home"))


def test_one_person_in_every_role_stays_within_a_fixed_budget(client, world, django_assert_max_num_queries):
    person = make_user(role=Role.PROVIDER_CONTRIBUTOR, provider=world.a1)
    for role in (Role.PROVIDER_LEAD, Role.PROVIDER_FTSU_GUARDIAN, Role.BOARD_VIEWER):
        person.memberships.create(role=role, provider=world.a1)
    for role in (Role.LMNS_OFFICER, Role.LMNS_SAFETY_LEAD, Role.LMNS_FTSU_LEAD, Role.SYSTEM_ADMINISTRATOR):
        person.memberships.create(role=role, lmns=world.lmns_a)
    client.force_login(person)
    client.get(reverse("home"))
    with django_assert_max_num_queries(EVERY_ROLE_QUERY_BUDGET):
        response = client.get(reverse("home"))
    assert len(response.context["work"]) == 6
    _grow(world, 3)
    with django_assert_max_num_queries(EVERY_ROLE_QUERY_BUDGET):
        client.get(reverse("home"))


def test_navigation_badges_the_home_counts_on_every_page_without_counting_again(client, world, monkeypatch):
    lead = world.personas["provider:provider_lead"]
    make_learning(world.a1)
    client.force_login(lead)
    home = client.get(reverse("home"))
    counts = badges(home.context["work"])
    assert counts["incidents"] == sum(
        item.count
        for role in home.context["work"]
        for item in role.items
        if item.section == "incidents" and item.is_work
    )
    page = client.get(reverse("incidents:index")).content.decode()
    assert f'<span class="app-nav-badge" aria-hidden="true">{counts["incidents"]}</span>' in page

    # Other pages read the badges from the session: they never count the work again.
    def refuse(user, **kwargs):
        raise AssertionError("counted again")

    monkeypatch.setattr("quality.work.work_for", refuse)
    page = client.get(reverse("assurance:index")).content.decode()
    assert f'<span class="app-nav-badge" aria-hidden="true">{counts["incidents"]}</span>' in page


def test_incident_list_filters_incidents_needing_learning(client, world):
    client.force_login(world.personas["provider:provider_contributor"])
    waiting = make_incident(world.a1, local_reference="NEEDS-LEARNING", response_type="psii")
    response = client.get(reverse("incidents:incident-list"), {"learning": "none"})
    refs = {incident.local_reference for incident in response.context["page"]}
    assert waiting.local_reference in refs
    assert world.record("incident", world.a1).local_reference not in refs


def test_officer_queue_lists_awaiting_verification_oldest_first_across_providers(client, world):
    newer = _awaiting(world, world.a1, submitted_days_ago=2)[0]
    older = _awaiting(world, world.a2, submitted_days_ago=9)[0]
    _awaiting(world, world.b1, submitted_days_ago=20)
    client.force_login(world.personas["lmns:lmns_officer"])
    response = client.get(_item(world.personas["lmns:lmns_officer"], "Requirements awaiting").url)
    assert [item.pk for item in response.context["page"]] == [older.pk, newer.pk]


def test_ftsu_lead_lands_on_concerns_new_first(client, world):
    taken = make_concern(
        world.a1, handler=world.personas["lmns:lmns_ftsu_lead"], received_on=timezone.localdate()
    )
    new = make_concern(world.a1, received_on=timezone.localdate() - timedelta(days=20))
    client.force_login(world.personas["lmns:lmns_ftsu_lead"])
    page = list(client.get(reverse("workforce:ftsu")).context["page"])
    assert page.index(new) < page.index(taken)
