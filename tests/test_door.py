"""Each access rule that moved into lmns.access (or a visible_to that calls it), one test a rule:
learning's own workspace, Freedom to Speak Up reading, staff feedback, who is told of work, the
summaries' reader, and the pre-visit pack's."""

import pytest
from django.core import mail
from django.core.cache import cache
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from assurance.oversight import selectors as oversight_selectors
from assurance.visits import selectors as visit_selectors
from assurance.visits import services as visit_services
from assurance.visits.models import FindingKind, StaffFeedback
from incidents import quality as incidents_quality
from incidents.models import Learning, LearningStatus
from incidents.reminders import ssig_deadline_reminders_send
from lmns import access
from lmns.models import Provider, Role
from quality import board_packs, quality
from tests.assurance.oversight.records import make_concern as make_external_concern
from tests.factories import make_concern, make_incident, make_learning, make_meeting, make_user, make_visit
from tests.workforce.champions.factories import make_walkabout
from workforce.champions import selectors as champions_selectors
from workforce.models import FtsuConcern, ReceivedBy

pytestmark = pytest.mark.django_db

LEAD = f"provider:{Role.PROVIDER_LEAD}"
OFFICER = f"lmns:{Role.LMNS_OFFICER}"
SAFETY_LEAD = f"lmns:{Role.LMNS_SAFETY_LEAD}"
GUARDIAN = f"provider:{Role.PROVIDER_FTSU_GUARDIAN}"
FTSU_LEAD = f"lmns:{Role.LMNS_FTSU_LEAD}"


# --- Learning: the provider's own workspace is visible_to's, less the library ----------------------


def test_own_only_learning_leaves_out_other_providers_shared_learning(world):
    lead = world.personas[LEAD]
    theirs = make_learning(world.a2, status=LearningStatus.SHARED)
    ours = world.record("learning", world.a1)

    assert {ours, theirs} <= set(Learning.objects.visible_to(lead))
    assert set(Learning.objects.visible_to(lead, own_only=True)) == {ours}


def test_the_learning_list_is_the_providers_own_learning(client, world):
    theirs = make_learning(world.a2, status=LearningStatus.SHARED, title="Shared by Albatross")
    client.force_login(world.personas[LEAD])

    listed = set(client.get(reverse("incidents:learning-list")).context["page"].object_list)

    assert listed == set(Learning.objects.visible_to(world.personas[LEAD], own_only=True))
    assert theirs not in listed


# --- Freedom to Speak Up: one rule, read both ways ------------------------------------------------


@pytest.mark.parametrize("persona", [GUARDIAN, FTSU_LEAD, OFFICER, SAFETY_LEAD, LEAD, "superuser", "nobody"])
def test_who_reads_a_concern_agrees_with_the_concerns_they_read(world, persona):
    user = world.personas[persona]
    to_lmns = make_concern(lmns=world.lmns_a, summary="Raised with the LMNS")
    concerns = [world.record("concern", provider) for provider in world.providers] + [to_lmns]

    visible = set(FtsuConcern.objects.visible_to(user))

    for concern in concerns:
        readers = set(access.ftsu_concern_readers(concern))
        assert (concern in visible) is (user in readers) is access.reads_ftsu_concern(user, concern)


def test_only_the_guardian_handling_a_concern_reads_the_contact_details(world):
    concern = world.record("concern", world.a1)
    other_guardian = make_user("second-guardian", role=Role.PROVIDER_FTSU_GUARDIAN, provider=world.a1)

    assert access.reads_ftsu_contact(concern.handler, concern)
    assert access.reads_ftsu_concern(other_guardian, concern)
    assert not access.reads_ftsu_contact(other_guardian, concern)


# --- Staff feedback: the visit team's ---------------------------------------------------------------


@pytest.mark.parametrize(("persona", "reads"), [(OFFICER, True), (SAFETY_LEAD, True), (LEAD, False)])
def test_staff_feedback_is_read_by_those_who_run_the_visits(client, world, persona, reads):
    visit = world.record("visit", world.a1)
    StaffFeedback.objects.create(
        visit=visit, staff_group="midwife", domain="safe", feedback="Handovers are rushed",
        recorded_by=world.personas[OFFICER],
    )  # fmt: skip
    user = world.personas[persona]
    client.force_login(user)

    page = client.get(visit.get_absolute_url())

    assert access.reads_staff_feedback(user, world.a1) is reads
    assert StaffFeedback.objects.visible_to(user).filter(visit=visit).exists() is reads
    assert (page.context["feedback"] is not None) is reads


def test_the_visit_page_reads_staff_feedback_through_the_door(client, world, monkeypatch):
    visit = world.record("visit", world.a1)
    StaffFeedback.objects.create(
        visit=visit, staff_group="midwife", domain="safe", feedback="Handovers are rushed",
        recorded_by=world.personas[OFFICER],
    )  # fmt: skip
    client.force_login(world.personas[OFFICER])
    assert list(client.get(visit.get_absolute_url()).context["feedback"])

    # Narrow the door and the page narrows with it: it has no way round visible_to.
    monkeypatch.setattr(access, "staff_feedback_providers", lambda user: Provider.objects.none())

    assert list(client.get(visit.get_absolute_url()).context["feedback"]) == []


# --- Who is told ------------------------------------------------------------------------------------


def test_an_immediate_concern_is_told_to_whoever_acts_on_it(world, django_capture_on_commit_callbacks):
    visit = make_visit(
        world.a1, created_by=world.personas[OFFICER], status="visited",
        visit_on=timezone.localdate() - timezone.timedelta(days=1),
    )  # fmt: skip
    leaver = make_user("left-safety-lead", role=Role.LMNS_SAFETY_LEAD, lmns=world.lmns_a, is_active=False)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        visit_services.finding_record(
            visit=visit, by=world.personas[OFFICER], domain="safe", kind=FindingKind.IMMEDIATE,
            description="No second midwife at births",
        )  # fmt: skip

    told = {address for message in mail.outbox for address in message.to}
    expected = set(
        access.users_who_can("act_on_immediate_concern", world.a1)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    assert told == expected
    assert world.personas[SAFETY_LEAD].email in told
    assert leaver.email not in told and world.personas["superuser"].email not in told


def test_the_ssig_deadline_reminder_goes_to_whoever_submits_learning(
    world, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://lmns.example/"
    cache.clear()
    deadline = timezone.localdate() + timezone.timedelta(days=7)
    make_meeting(world.lmns_a, meeting_on=deadline + timezone.timedelta(days=7), submission_deadline=deadline)
    make_user("a2-lead", role=Role.PROVIDER_LEAD, provider=world.a2)
    leaver = make_user("a2-leaver", role=Role.PROVIDER_LEAD, provider=world.a2, is_active=False)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        ssig_deadline_reminders_send(today=timezone.localdate())

    told = {address for message in mail.outbox for address in message.to}
    submitters = {
        user.email for p in (world.a1, world.a2) for user in access.users_who_can("review_incident", p)
    }
    assert told == submitters
    assert world.personas[LEAD].email in told and leaver.email not in told
    cache.clear()


# --- Summaries and the pre-visit pack read through their reader's door -----------------------------


def test_a_summary_counts_nothing_its_reader_may_not_see(world):
    make_incident(world.a1, local_reference="COUNTED", occurred_on=timezone.localdate())
    start, end = timezone.localdate().replace(day=1), timezone.localdate() + timezone.timedelta(days=1)
    outsider = make_user("b1-lead", role=Role.PROVIDER_LEAD, provider=world.b1)

    def reported(user):
        summaries = incidents_quality.incident_summaries(
            user=user, providers=[world.a1], start=start, end=end, today=end
        )
        return summaries[world.a1.pk].reported

    assert reported(world.personas[LEAD]) == reported(access.SYSTEM) > 0
    assert reported(outsider) == 0


def test_the_pre_visit_pack_is_refused_to_a_reader_who_cannot_see_the_provider(world):
    visit = make_visit(world.a1, created_by=world.personas[OFFICER])
    outsider = make_user("b1-officer", role=Role.LMNS_OFFICER, lmns=world.lmns_b)

    assert visit_selectors.previsit_pack(visit=visit, user=world.personas[OFFICER]).provider == world.a1
    with pytest.raises(Http404):
        visit_selectors.previsit_pack(visit=visit, user=outsider)


def test_a_summary_leaves_out_the_providers_its_reader_may_not_see(world):
    lead = world.personas[LEAD]
    asked = [world.a1, world.a2, world.b1]
    period = quality.month_period(timezone.localdate().replace(day=1))

    qualities = quality.provider_qualities(user=lead, providers=asked, period=period)
    overview = quality.lmns_overview(user=world.personas[OFFICER], providers=asked, period=period)
    sources = board_packs.pack_sources(user=lead, providers=asked, month=period.start)

    assert [q.provider for q in qualities] == [world.a1]
    assert [q.provider for q in overview.qualities] == [world.a1, world.a2]
    assert [source.quality.provider for source in sources] == [world.a1]
    assert len(quality.provider_qualities(user=access.SYSTEM, providers=asked, period=period)) == 3


def test_narrowing_the_providers_costs_one_query_or_none(world, django_assert_max_num_queries):
    lead = world.personas[LEAD]
    with django_assert_max_num_queries(1):
        assert access.readable(lead, Provider.objects.order_by("name")) == [world.a1]
    with django_assert_max_num_queries(1):
        assert access.readable(lead, [world.b1, world.a2, world.a1]) == [world.a1]
    with django_assert_max_num_queries(0):
        assert access.readable(access.SYSTEM, [world.b1, world.a1]) == [world.b1, world.a1]

    # A page fetches its provider through the door, then asks several summaries about it.
    officer = world.personas[OFFICER]
    provider = access.get_for_user(Provider.objects, officer, pk=world.a2.pk)
    with django_assert_max_num_queries(0):
        assert access.readable(officer, [provider]) == [world.a2]
    with django_assert_max_num_queries(1):
        assert access.readable(officer, [world.b1, world.a2]) == [world.a2]


def test_oversight_and_champions_summaries_read_through_their_readers_door(world):
    make_external_concern(world.a1, by=world.personas[LEAD])
    make_walkabout(world.a1)
    lead, outsider = world.personas[LEAD], make_user("b1-reader", role=Role.PROVIDER_LEAD, provider=world.b1)

    assert set(oversight_selectors.providers_oversight(user=outsider, providers=[world.a1, world.b1])) == {
        world.b1.pk
    }
    assert oversight_selectors.provider_oversight(user=lead, provider=world.a1).open_concerns == 1
    with pytest.raises(Http404):
        oversight_selectors.provider_oversight(user=outsider, provider=world.a1)
    assert oversight_selectors.provider_record(user=lead, provider=world.a1)["concerns"]
    assert not oversight_selectors.provider_record(user=outsider, provider=world.a1)["concerns"]
    period = quality.default_period()
    assert champions_selectors.provider_champions_summary(
        user=lead, provider=world.a1, period=period
    ).last_walkabout
    assert (
        champions_selectors.provider_champions_summary(
            user=outsider, provider=world.a1, period=period
        ).last_walkabout
        is None
    )
    assert (
        set(champions_selectors.providers_staff_voice(user=outsider, providers=[world.a1], period=period))
        == set()
    )


def test_the_door_names_the_ftsu_channel_as_workforce_does():
    # lmns may not import workforce, so the door keeps its own copy of the value.
    assert access._RECEIVED_BY_PROVIDER == ReceivedBy.PROVIDER
