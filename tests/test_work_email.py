"""Emails when work arrives (issue #22): who is told, only once the work is committed, as each
person chose (straight away, a daily summary, or never), and never anything from the record."""

import re

import pytest
from django.conf import settings
from django.core import mail
from django.db import transaction
from django.urls import reverse

from assurance.models import Verification
from assurance.services import item_verify
from assurance.visits.services import recommendation_respond
from incidents.models import Theme
from incidents.services import learning_create
from lmns.access import users_who_can
from lmns.models import Role
from lmns.tasks import send_work_digests
from lmns.work_email.models import Frequency, PendingWorkEmail, WorkEmailPreference, WorkKind
from lmns.work_email.services import KINDS, digests_send, work_email_preference_set
from quality.work import work_for
from tests.factories import make_concern, make_lmns, make_provider, make_user
from workforce.services import concern_hand_over, concern_take, speak_up_answer, speak_up_submit

pytestmark = pytest.mark.django_db

LEAD = f"provider:{Role.PROVIDER_LEAD}"
CONTRIBUTOR = f"provider:{Role.PROVIDER_CONTRIBUTOR}"
OFFICER = f"lmns:{Role.LMNS_OFFICER}"
GUARDIAN = f"provider:{Role.PROVIDER_FTSU_GUARDIAN}"
FTSU_LEAD = f"lmns:{Role.LMNS_FTSU_LEAD}"
SETTINGS_URL = reverse("work-email-settings")


@pytest.fixture
def others(world):
    """People who must never be told of A1's work: leads and officers elsewhere."""
    return [
        make_user("a2-lead", role=Role.PROVIDER_LEAD, provider=world.a2),
        make_user("b1-lead", role=Role.PROVIDER_LEAD, provider=world.b1),
        make_user("lmnsb-officer", role=Role.LMNS_OFFICER, lmns=world.lmns_b),
    ]


def _learning(world, by, **fields):
    return learning_create(
        provider=world.a1,
        by=by,
        title=fields.get("title", "Fresh eyes on CTGs"),
        what_happened=fields.get("what_happened", "Secret account of what happened"),
        what_we_learned="Secret lesson",
        what_we_changed="Secret change",
        themes=[Theme.objects.order_by("pk").first()],
    )


def _awaiting(world):
    item = world.record("item", world.a1)
    type(item).objects.filter(pk=item.pk).update(verification=Verification.AWAITING)
    item.refresh_from_db()
    return item


def _to(messages) -> list[str]:
    return sorted(address for message in messages for address in message.to)


# --- Each trigger: exactly one email, to the right people, once committed ----------------------


def test_new_learning_emails_the_providers_leads_once_committed(
    world, others, django_capture_on_commit_callbacks
):
    lead = world.personas[LEAD]
    with django_capture_on_commit_callbacks(execute=True):
        learning = _learning(world, world.personas[CONTRIBUTOR])
        assert mail.outbox == []  # nothing goes before the learning is committed
    assert _to(mail.outbox) == [lead.email]
    (message,) = mail.outbox
    assert message.subject == "You have work waiting: 1 learning record awaits your sign-off"
    assert f"{settings.SITE_URL.rstrip('/')}{learning.get_absolute_url()}" in message.body
    assert SETTINGS_URL in message.body


def test_a_lead_is_not_told_of_the_learning_they_wrote_but_their_fellow_lead_is(
    world, django_capture_on_commit_callbacks
):
    fellow = make_user("a1-second-lead", role=Role.PROVIDER_LEAD, provider=world.a1)
    with django_capture_on_commit_callbacks(execute=True):
        _learning(world, world.personas[LEAD])
    assert _to(mail.outbox) == [fellow.email]


def test_work_rolled_back_tells_nobody(world, django_capture_on_commit_callbacks):
    work_email_preference_set(user=world.personas[LEAD], frequency=Frequency.DAILY)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        _learning(world, world.personas[CONTRIBUTOR])
        raise RuntimeError("the request failed after the learning was made")
    assert mail.outbox == []
    assert not PendingWorkEmail.objects.exists()


def test_a_challenge_emails_the_providers_leads_and_an_acceptance_nobody(
    world, others, django_capture_on_commit_callbacks
):
    officer = world.personas[OFFICER]
    with django_capture_on_commit_callbacks(execute=True):
        item = item_verify(
            item=_awaiting(world), by=officer, accept=False, comment="Secret challenge wording"
        )
        assert mail.outbox == []
    assert _to(mail.outbox) == [world.personas[LEAD].email]
    (message,) = mail.outbox
    assert message.subject == "You have work waiting: 1 requirement was challenged by the LMNS"
    assert item.get_absolute_url() in message.body
    assert "Secret challenge" not in message.body

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        item_verify(item=_awaiting(world), by=officer, accept=True)
    assert mail.outbox == []


def test_asking_to_close_a_recommendation_emails_the_lmns_officers_only(
    world, others, django_capture_on_commit_callbacks
):
    make_user("lmnsa-second-safety-lead", role=Role.LMNS_SAFETY_LEAD, lmns=world.lmns_a)
    recommendation = world.record("recommendation", world.a1)
    owner = recommendation.owner
    with django_capture_on_commit_callbacks(execute=True):
        recommendation_respond(recommendation=recommendation, by=owner, text="Secret progress so far")
    assert mail.outbox == []  # progress alone asks nothing of the LMNS
    with django_capture_on_commit_callbacks(execute=True):
        recommendation_respond(
            recommendation=recommendation, by=owner, text="Secret answer: done", request_closure=True
        )
        assert mail.outbox == []
    assert _to(mail.outbox) == [world.personas[OFFICER].email]
    (message,) = mail.outbox
    assert message.subject == "You have work waiting: 1 visit recommendation asks for closure"
    assert recommendation.get_absolute_url() in message.body
    assert "Secret" not in message.body
    assert recommendation.text not in message.body


def test_a_concern_handed_over_emails_that_guardian_alone_and_nothing_of_the_concern(
    world, others, django_capture_on_commit_callbacks
):
    guardian = world.personas[GUARDIAN]
    second = make_user("a1-second-guardian", role=Role.PROVIDER_FTSU_GUARDIAN, provider=world.a1)
    # Raised anonymously: nothing in the record names who raised it, and the email must not either.
    concern = make_concern(
        world.a1, summary="Secret: the night shift is unsafe", handler=guardian, recorded_by=guardian
    )
    with django_capture_on_commit_callbacks(execute=True):
        concern_hand_over(concern=concern, by=guardian, to=second)
        assert mail.outbox == []
    assert _to(mail.outbox) == [second.email]
    (message,) = mail.outbox
    assert message.subject == "You have work waiting: 1 Freedom to Speak Up concern was handed to you"
    text = message.subject + message.body
    for secret in ("Secret", "night shift", concern.reference, guardian.username, guardian.email):
        assert secret not in text
    assert reverse("workforce:concern-detail", kwargs={"pk": concern.pk}) in message.body


def _speak_up(world):
    concern, _passphrase = speak_up_submit(
        lmns=world.lmns_a,
        provider=world.a1,
        raised_as="anonymous",
        professional_group="nurses_midwives",
        categories=["patient_safety"],
        detriment_reported=False,
        summary="Secret: the birth pool thermometer is broken",
    )
    return concern


@pytest.mark.parametrize("frequency", [Frequency.IMMEDIATELY, Frequency.DAILY, Frequency.NEVER])
def test_speaking_up_tells_the_ftsu_leads_as_each_chose(world, frequency, django_capture_on_commit_callbacks):
    lead = world.personas[FTSU_LEAD]
    work_email_preference_set(user=lead, frequency=frequency)
    with django_capture_on_commit_callbacks(execute=True):
        concern = _speak_up(world)
    pending = list(PendingWorkEmail.objects.filter(user=lead).values_list("kind", flat=True))
    if frequency == Frequency.IMMEDIATELY:
        (message,) = mail.outbox
        assert message.to == [lead.email]
        assert message.subject == "You have work waiting: 1 Freedom to Speak Up concern was raised online"
        assert reverse("workforce:concern-detail", kwargs={"pk": concern.pk}) in message.body
        assert "birth pool" not in message.body and concern.reference not in message.body
    else:
        assert mail.outbox == []
    assert pending == ([WorkKind.CONCERN_RAISED] if frequency == Frequency.DAILY else [])


def test_a_message_from_whoever_spoke_up_goes_to_the_handler_as_they_chose(
    world, django_capture_on_commit_callbacks
):
    lead = world.personas[FTSU_LEAD]
    concern = _speak_up(world)
    concern_take(concern=concern, by=lead)
    work_email_preference_set(user=lead, frequency=Frequency.DAILY)
    with django_capture_on_commit_callbacks(execute=True):
        speak_up_answer(concern=concern, body="Secret: still broken")
    assert mail.outbox == []
    assert list(PendingWorkEmail.objects.values_list("user", "kind")) == [(lead.pk, WorkKind.RAISER_WROTE)]
    with django_capture_on_commit_callbacks(execute=True):
        digests_send()
    (message,) = mail.outbox
    assert "1 message came from someone who spoke up" in message.body
    assert "still broken" not in message.body


def test_nobody_inactive_or_without_an_email_address_is_told(world, django_capture_on_commit_callbacks):
    make_user("a1-gone-lead", role=Role.PROVIDER_LEAD, provider=world.a1, is_active=False)
    make_user("a1-no-email-lead", role=Role.PROVIDER_LEAD, provider=world.a1, email="")
    with django_capture_on_commit_callbacks(execute=True):
        _learning(world, world.personas[CONTRIBUTOR])
    assert _to(mail.outbox) == [world.personas[LEAD].email]


# --- Who may act, in one place ------------------------------------------------------------------


def test_users_who_can_follows_roles_at_the_provider_and_its_lmns_and_never_superuser_status(world):
    lead = world.personas[LEAD]
    officer = world.personas[OFFICER]
    safety_lead = world.personas[f"lmns:{Role.LMNS_SAFETY_LEAD}"]
    assert list(users_who_can("review_incident", world.a1)) == [lead]
    assert list(users_who_can("review_incident", world.a2)) == []
    assert set(users_who_can("run_visits", world.a1)) == {officer, safety_lead}
    assert list(users_who_can("run_visits", world.a1, roles={Role.LMNS_OFFICER})) == [officer]
    assert list(users_who_can("run_visits", world.lmns_a, roles={Role.LMNS_OFFICER})) == [officer]
    assert (
        list(users_who_can("run_visits", make_provider(make_lmns("Gamma LMNS"), "Gull NHS Trust", "GG1")))
        == []
    )


# --- Daily summary and never ------------------------------------------------------------------


def test_the_daily_summary_counts_what_arrived_in_one_email_and_only_once(
    world, django_capture_on_commit_callbacks
):
    lead = world.personas[LEAD]
    work_email_preference_set(user=lead, frequency=Frequency.DAILY)
    with django_capture_on_commit_callbacks(execute=True):
        _learning(world, world.personas[CONTRIBUTOR])
        _learning(world, world.personas[CONTRIBUTOR])
        item_verify(item=_awaiting(world), by=world.personas[OFFICER], accept=False, comment="Secret")
    assert mail.outbox == []  # kept for the summary
    assert PendingWorkEmail.objects.filter(user=lead).count() == 3

    with django_capture_on_commit_callbacks(execute=True):
        assert digests_send() == 1
    (message,) = mail.outbox
    assert message.to == [lead.email]
    assert message.subject == "Your LMNS Safety summary: 3 new items of work"
    assert "2 learning records await your sign-off:" in message.body
    assert "1 requirement was challenged by the LMNS:" in message.body
    assert reverse("incidents:learning-list") + "?status=draft" in message.body
    assert reverse("assurance:item-list") + "?verification=challenged" in message.body
    assert "Secret" not in message.body

    # Nothing new since: the next run emails nobody.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert send_work_digests.delay().get() == 0
    assert mail.outbox == []


def test_the_summary_links_to_the_queues_the_home_page_links(world):
    """The emails' queues are written below the feature apps; quality.work is their definition."""
    _learning(world, world.personas[CONTRIBUTOR])
    item_verify(item=_awaiting(world), by=world.personas[OFFICER], accept=False, comment="Why?")
    recommendation = world.record("recommendation", world.a1)
    recommendation_respond(
        recommendation=recommendation, by=recommendation.owner, text="Done", request_closure=True
    )
    make_concern(world.a1, handler=None, recorded_by=world.personas[GUARDIAN])  # nobody has taken it
    homes = {
        WorkKind.LEARNING_TO_SIGN_OFF: LEAD,
        WorkKind.REQUIREMENT_CHALLENGED: LEAD,
        WorkKind.CLOSURE_REQUESTED: OFFICER,
        WorkKind.CONCERN_HANDED_OVER: GUARDIAN,
        WorkKind.CONCERN_RAISED: FTSU_LEAD,
        WorkKind.RAISER_WROTE: FTSU_LEAD,
    }
    assert set(homes) == set(KINDS)
    for kind, persona in homes.items():
        urls = {item.url for role in work_for(world.personas[persona]) for item in role.items}
        assert KINDS[kind].queue_url() in urls, kind


def test_the_summary_goes_only_to_people_with_something_new(world, django_capture_on_commit_callbacks):
    lead = world.personas[LEAD]
    quiet = make_user("a2-quiet-lead", role=Role.PROVIDER_LEAD, provider=world.a2)
    for person in (lead, quiet):
        work_email_preference_set(user=person, frequency=Frequency.DAILY)
    with django_capture_on_commit_callbacks(execute=True):
        _learning(world, world.personas[CONTRIBUTOR])
        assert digests_send() == 1
    assert _to(mail.outbox) == [lead.email]


def test_the_summary_is_sent_by_beat_every_morning():
    entry = settings.CELERY_BEAT_SCHEDULE["work-digests"]
    assert entry["task"] == send_work_digests.name
    assert entry["schedule"].hour == {7}


def test_never_means_no_email_and_drops_what_waited_for_the_summary(
    world, django_capture_on_commit_callbacks
):
    lead = world.personas[LEAD]
    work_email_preference_set(user=lead, frequency=Frequency.DAILY)
    _learning(world, world.personas[CONTRIBUTOR])
    work_email_preference_set(user=lead, frequency=Frequency.NEVER)
    assert not PendingWorkEmail.objects.filter(user=lead).exists()
    with django_capture_on_commit_callbacks(execute=True):
        _learning(world, world.personas[CONTRIBUTOR])
        digests_send()
    assert mail.outbox == []


# --- The settings page --------------------------------------------------------------------------


def test_the_settings_page_shows_and_saves_the_signed_in_persons_choice(
    client, world, django_assert_max_num_queries
):
    lead = world.personas[LEAD]
    client.force_login(lead)
    # Session, user, two-factor sign-in, the person's choice, and their roles for the header.
    with django_assert_max_num_queries(5):
        page = client.get(SETTINGS_URL)
    body = page.content.decode()
    assert _radio(body, "id_frequency_0") == ("immediately", True)
    assert f'href="{SETTINGS_URL}">Email settings</a>' in body  # in the header's account links

    response = client.post(SETTINGS_URL, {"frequency": "daily"}, follow=True)
    assert response.redirect_chain == [(SETTINGS_URL, 302)]
    assert "Your email settings are saved." in response.content.decode()
    assert _radio(response.content.decode(), "id_frequency_1") == ("daily", True)
    assert WorkEmailPreference.objects.get(user=lead).frequency == Frequency.DAILY
    # Only their own: nobody else's choice changed or was made.
    assert WorkEmailPreference.objects.count() == 1


@pytest.mark.parametrize("data", [{}, {"frequency": ""}, {"frequency": "hourly"}])
def test_the_settings_page_refuses_a_choice_it_did_not_offer(client, world, data):
    lead = world.personas[LEAD]
    work_email_preference_set(user=lead, frequency=Frequency.NEVER)
    client.force_login(lead)
    response = client.post(SETTINGS_URL, data)
    assert response.status_code == 200
    assert "Select when to email you about work waiting for you" in response.content.decode()
    assert WorkEmailPreference.objects.get(user=lead).frequency == Frequency.NEVER


def _radio(page: str, radio_id: str) -> tuple[str, bool]:
    """A radio's value and whether it is chosen, whatever order the macro writes its attributes in."""
    radio = re.search(rf'<input[^>]*id="{radio_id}"[^>]*>', page).group(0)
    return re.search(r'value="([^"]*)"', radio).group(1), " checked" in radio
