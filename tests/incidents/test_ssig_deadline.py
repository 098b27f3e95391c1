"""Every page a contributor passes through from an incident to the SSIG says when the next SSIG
meets and when its submissions close: the meeting of the person's own LMNS, for one query."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from incidents.models import LearningStatus
from lmns.models import Role
from tests.factories import make_meeting

pytestmark = pytest.mark.django_db

LEAD = f"provider:{Role.PROVIDER_LEAD}"
CONTRIBUTOR = f"provider:{Role.PROVIDER_CONTRIBUTOR}"


def _pages(world):
    incident = world.record("incident", world.a1)
    learning = world.record("learning", world.a1)
    return {
        "incident list": (CONTRIBUTOR, reverse("incidents:incident-list")),
        "incident": (CONTRIBUTOR, incident.get_absolute_url()),
        "learning form": (CONTRIBUTOR, reverse("incidents:learning-create") + f"?incident={incident.pk}"),
        "learning": (CONTRIBUTOR, learning.get_absolute_url()),
        "submit": (LEAD, reverse("incidents:learning-submit", args=[learning.pk])),
    }


# What each page may cost, its deadline included; measured, with a little room.
BUDGETS = {"incident list": 14, "incident": 12, "learning form": 14, "learning": 13, "submit": 12}


@pytest.fixture
def journey(world):
    today = timezone.localdate()
    ours = world.record("meeting", world.a1)
    # Another LMNS's meeting closes sooner: it is not this provider's deadline.
    theirs = world.record("meeting", world.b1)
    theirs.submission_deadline = today + timedelta(days=2)
    theirs.save()
    # A meeting of our LMNS whose deadline has passed is not the one to work to.
    make_meeting(
        world.lmns_a, meeting_on=today + timedelta(days=3), submission_deadline=today - timedelta(days=1)
    )
    learning = world.record("learning", world.a1)
    learning.status = LearningStatus.SIGNED_OFF
    learning.save()
    return ours


@pytest.mark.parametrize("name", list(BUDGETS))
def test_the_page_shows_the_next_ssig_and_when_submissions_close(
    client, world, journey, name, django_assert_max_num_queries
):
    persona, url = _pages(world)[name]
    client.force_login(world.personas[persona])
    with django_assert_max_num_queries(BUDGETS[name]):
        page = client.get(url)
    assert page.status_code == 200
    text = " ".join(page.content.decode().split())
    assert f'Next SSIG: <a href="{journey.get_absolute_url()}">{journey.meeting_on:%-d %B %Y}</a>' in text
    assert f"submissions close <strong>{journey.submission_deadline:%-d %B %Y}</strong>" in text


@pytest.mark.parametrize("name", list(BUDGETS))
def test_the_deadline_costs_one_query(client, world, journey, name, monkeypatch):
    persona, url = _pages(world)[name]
    client.force_login(world.personas[persona])
    client.get(url)  # sessions and caches warmed, so that both counts below are like for like
    with CaptureQueriesContext(connection) as shown:
        client.get(url)
    monkeypatch.setattr("incidents.selectors.ssig_open_for_submissions", lambda **_: None)
    with CaptureQueriesContext(connection) as left_out:
        page = client.get(url)
    assert "No SSIG meeting is open for submissions yet." in page.content.decode()
    assert len(shown) - len(left_out) == 1


def test_shared_learning_does_not_show_a_deadline(client, world, journey):
    learning = world.record("learning", world.a1)
    learning.status = LearningStatus.SHARED
    learning.save()
    client.force_login(world.personas[CONTRIBUTOR])
    assert "Next SSIG" not in client.get(learning.get_absolute_url()).content.decode()
