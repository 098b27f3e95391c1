"""Safety champion pages: recording through the forms, scoping, the PID guard and query counts."""

import html
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from lmns.models import Role
from tests.workforce.champions.factories import (
    make_champion_action,
    make_champions_meeting,
    make_mnvp_feedback,
    make_walkabout,
)
from workforce.champions.models import ActionStatus, ChampionAction, MnvpFeedback, Walkabout

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
NHS_NUMBER = "943 476 5919"  # NHS Digital's published test number


def _walkabout_post(world, **overrides):
    return {
        "provider": world.a1.pk,
        "unit": world.a1.units.first().pk,
        "held_on": TODAY.isoformat(),
        "board_champions": "Non-executive director",
        "frontline_champions": "Labour ward coordinator",
        "staff_said": "Staff asked for protected time for the safety huddle.",
        **overrides,
    }


def test_a_contributor_records_a_walkabout_and_adds_an_action(client, world, bob):
    client.force_login(bob)
    response = client.post(reverse("workforce:champions-walkabout-create"), _walkabout_post(world))
    walkabout = Walkabout.objects.get()
    assert response.url == walkabout.get_absolute_url()
    response = client.post(
        reverse("workforce:champions-walkabout-action-add", kwargs={"pk": walkabout.pk}),
        {
            "you_said": "No protected time for the huddle.",
            "we_did": "Huddle moved to 08:15, with cover.",
            "owner": "Matron, labour ward",
            "due_on": (TODAY + timedelta(days=14)).isoformat(),
        },
    )
    assert response.status_code == 302
    action = ChampionAction.objects.get()
    assert (action.walkabout, action.provider, action.status) == (walkabout, world.a1, ActionStatus.OPEN)
    page = client.get(walkabout.get_absolute_url()).content.decode()
    assert "Huddle moved to 08:15" in page
    assert "Matron, labour ward" in page


def test_an_action_is_marked_done_from_its_form(client, world, alice):
    action = make_champion_action(make_walkabout(world.a1))
    client.force_login(alice)
    response = client.post(
        reverse("workforce:champions-action-edit", kwargs={"pk": action.pk}),
        {
            "you_said": action.you_said,
            "we_did": action.we_did,
            "owner": action.owner,
            "due_on": action.due_on.isoformat(),
            "status": ActionStatus.DONE,
        },
    )
    assert response.status_code == 302
    action.refresh_from_db()
    assert (action.status, action.done_on) == (ActionStatus.DONE, TODAY)


def test_a_unit_of_another_provider_is_not_offered_and_is_refused(client, world, alice):
    client.force_login(alice)
    page = client.get(reverse("workforce:champions-walkabout-create")).content.decode()
    assert world.a2.units.first().name not in page
    response = client.post(
        reverse("workforce:champions-walkabout-create"),
        _walkabout_post(world, unit=world.a2.units.first().pk),
    )
    assert response.status_code == 200
    assert "Select one of the provider&#x27;s own units" in response.content.decode()
    assert not Walkabout.objects.exists()


def test_an_nhs_number_in_what_staff_said_is_refused_and_the_text_kept(client, world, alice):
    client.force_login(alice)
    said = f"A baby's NHS number {NHS_NUMBER} was on the whiteboard."
    response = client.post(
        reverse("workforce:champions-walkabout-create"), _walkabout_post(world, staff_said=said)
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "looks like an NHS number" in body
    assert "on the whiteboard" in body  # what they typed is still there to edit
    assert not Walkabout.objects.exists()


def test_mnvp_themes_are_guarded_and_the_form_says_no_personal_details(client, world, alice):
    client.force_login(alice)
    url = reverse("workforce:champions-feedback-create")
    assert "No personal details" in client.get(url).content.decode()
    data = {
        "provider": world.a1.pk,
        "period_start": (TODAY - timedelta(days=30)).isoformat(),
        "period_end": TODAY.isoformat(),
        "themes": "A mother at LS1 4AP said the car park is far.",
        "response": "",
        "status": "awaiting",
    }
    response = client.post(url, data)
    assert "looks like a postcode" in response.content.decode()
    assert not MnvpFeedback.objects.exists()
    response = client.post(url, {**data, "themes": "Families said the car park is far from the unit."})
    assert response.status_code == 302
    assert MnvpFeedback.objects.get().provider == world.a1


def test_feedback_marked_responded_without_a_response_is_refused_on_the_form(client, world, alice):
    feedback = make_mnvp_feedback(world.a1)
    client.force_login(alice)
    response = client.post(
        reverse("workforce:champions-feedback-edit", kwargs={"pk": feedback.pk}),
        {
            "period_start": feedback.period_start.isoformat(),
            "period_end": feedback.period_end.isoformat(),
            "themes": feedback.themes,
            "response": "",
            "status": "responded",
        },
    )
    assert response.status_code == 200
    # The error summary is a Jinja page's, which escapes an apostrophe as &#39;, not &#x27;.
    assert "Enter the provider's response" in html.unescape(response.content.decode())


def test_lmns_officer_reads_every_provider_of_the_lmns_but_records_nothing(client, world):
    for provider in (world.a1, world.a2, world.b1):
        make_walkabout(provider, staff_said=f"Said at {provider.ods_code}")
    officer = world.personas[f"lmns:{Role.LMNS_OFFICER}"]
    client.force_login(officer)
    page = client.get(reverse("workforce:champions")).content.decode()
    assert world.a1.name in page and world.a2.name in page
    assert world.b1.name not in page
    assert "Record a walkabout" not in page
    assert client.get(reverse("workforce:champions-walkabout-create")).status_code == 403


def test_a_provider_user_cannot_see_another_providers_walkabout(client, world, alice):
    other = make_walkabout(world.a2)
    client.force_login(alice)
    assert client.get(other.get_absolute_url()).status_code == 404
    assert world.a2.name not in client.get(reverse("workforce:champions")).content.decode()


def test_overdue_actions_are_flagged_on_the_index(client, world, alice):
    walkabout = make_walkabout(world.a1, held_on=TODAY - timedelta(days=40))
    make_champion_action(walkabout, due_on=TODAY - timedelta(days=1), we_did="Fix the call bells")
    client.force_login(alice)
    page = client.get(reverse("workforce:champions")).content.decode()
    assert "Fix the call bells" in page
    assert "Overdue" in page


def _fill(world, count: int) -> None:
    for index in range(count):
        walkabout = make_walkabout(world.a1, held_on=TODAY - timedelta(days=index + 1))
        make_champion_action(walkabout, due_on=TODAY - timedelta(days=1) if index % 2 else TODAY)
        meeting = make_champions_meeting(world.a1)
        make_champion_action(meeting)
        make_mnvp_feedback(world.a1)


@pytest.mark.parametrize(
    "url",
    [
        lambda world: reverse("workforce:champions"),
        lambda world: reverse("lmns:quality-provider", kwargs={"ods_code": world.a1.ods_code}),
        lambda world: Walkabout.objects.filter(provider=world.a1).first().get_absolute_url(),
    ],
    ids=["index", "quality", "walkabout"],
)
def test_pages_keep_a_fixed_number_of_queries(client, world, alice, url, django_assert_max_num_queries):
    client.force_login(alice)
    _fill(world, 1)
    with django_assert_max_num_queries(100) as few:
        assert client.get(url(world)).status_code == 200
    _fill(world, 6)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url(world)).status_code == 200


def test_the_quality_view_shows_the_section(client, world, alice):
    walkabout = make_walkabout(world.a1, held_on=TODAY - timedelta(days=40))
    make_champion_action(walkabout, due_on=TODAY - timedelta(days=1))
    make_mnvp_feedback(world.a1, themes="Families asked for more help with feeding at night.")
    client.force_login(alice)
    page = client.get(
        reverse("lmns:quality-provider", kwargs={"ods_code": world.a1.ods_code})
    ).content.decode()
    assert "Safety champions and families' voices" in page
    assert walkabout.held_on.strftime("%-d %B %Y") in page
    assert "1 overdue" in page
    assert "help with feeding at night" in page


def test_the_index_narrows_to_one_provider_and_refuses_one_out_of_sight(client, world):
    make_walkabout(world.a1, staff_said="x")
    make_champion_action(make_walkabout(world.a2), we_did="Only at A2")
    client.force_login(world.personas[f"lmns:{Role.LMNS_OFFICER}"])
    url = reverse("workforce:champions")
    page = client.get(url, {"provider": world.a1.ods_code}).content.decode()
    assert "Only at A2" not in page
    assert "Only at A2" in client.get(url).content.decode()
    assert client.get(url, {"provider": world.b1.ods_code}).status_code == 404
    assert client.get(url, {"provider": "AA1\x00"}).status_code == 404
