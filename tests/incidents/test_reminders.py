from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.cache import cache
from django.utils import timezone

from incidents import reminders, tasks
from incidents.models import ActionStatus, SsigSubmission
from lmns.models import Role
from tests.factories import make_action, make_incident, make_learning, make_meeting, make_user

pytestmark = pytest.mark.django_db

SITE = "https://safety.example.nhs.uk"
TODAY = date(2026, 11, 26)  # a Thursday
DEADLINE = date(2026, 12, 3)


@pytest.fixture(autouse=True)
def _urls_site_and_cache(settings):
    settings.SITE_URL = SITE + "/"
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Call a reminders function and deliver what it queued (emails are queued on commit)."""

    def call(function, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(**kwargs)

    return call


@pytest.fixture
def leads(world):
    """A provider lead at each provider: A1's is the world's persona."""
    return {
        "a1": world.personas[f"provider:{Role.PROVIDER_LEAD}"],
        "a2": make_user("a2-lead", role=Role.PROVIDER_LEAD, provider=world.a2),
        "b1": make_user("b1-lead", role=Role.PROVIDER_LEAD, provider=world.b1),
    }


@pytest.fixture
def meeting(world):
    return make_meeting(world.lmns_a, meeting_on=DEADLINE + timedelta(days=7), submission_deadline=DEADLINE)


def submit(meeting, provider, by):
    learning = make_learning(provider, status="submitted")
    return SsigSubmission.objects.create(meeting=meeting, learning=learning, submitted_by=by)


def recipients():
    return sorted(address for message in mail.outbox for address in message.to)


# --- SSIG deadline reminders -----------------------------------------------------------------


@pytest.mark.parametrize("days", [7, 1])
def test_leads_with_nothing_submitted_are_reminded(run, leads, meeting, days):
    sent = run(reminders.ssig_deadline_reminders_send, today=DEADLINE - timedelta(days=days))

    assert sent == 2
    # Only provider leads of the meeting's LMNS: not contributors, LMNS staff or B1.
    assert recipients() == sorted([leads["a1"].email, leads["a2"].email])
    plural = "s" if days != 1 else ""
    assert {m.subject for m in mail.outbox} == {
        f"SSIG submission deadline in {days} day{plural}: 3 December 2026"
    }


@pytest.mark.parametrize("days", [0, 2, 6, 8, 14])
def test_no_reminder_on_other_days(run, leads, meeting, days):
    assert run(reminders.ssig_deadline_reminders_send, today=DEADLINE - timedelta(days=days)) == 0
    assert mail.outbox == []


def test_reminder_links_to_the_providers_learning_and_the_meeting(run, world, leads, meeting):
    run(reminders.ssig_deadline_reminders_send, today=TODAY)

    (message,) = [m for m in mail.outbox if m.to == [leads["a2"].email]]
    assert f"{SITE}/incidents/learning/?provider={world.a2.pk}\n" in message.body
    assert f"{SITE}/incidents/meetings/{meeting.pk}/\n" in message.body
    assert "Albatross Health NHS Trust has not yet submitted" in message.body
    assert "Thursday 3 December 2026" in message.body
    assert "signed off" in message.body
    assert "&#x27;" not in message.body and "&amp;" not in message.body  # plain text, not HTML


def test_provider_that_has_submitted_is_not_reminded(run, world, leads, meeting):
    submit(meeting, world.a1, by=leads["a1"])
    # A submission to another meeting does not count for this one.
    other = make_meeting(world.lmns_a, meeting_on=DEADLINE + timedelta(days=60))
    submit(other, world.a2, by=leads["a2"])

    assert run(reminders.ssig_deadline_reminders_send, today=TODAY) == 1
    assert recipients() == [leads["a2"].email]


def test_held_meeting_gives_no_reminders(run, leads, meeting):
    meeting.held_at = timezone.now()
    meeting.save()

    assert run(reminders.ssig_deadline_reminders_send, today=TODAY) == 0
    assert mail.outbox == []


def test_leads_of_another_lmns_are_reminded_only_of_their_own_meetings(run, world, leads, meeting):
    make_meeting(world.lmns_b, meeting_on=DEADLINE + timedelta(days=1), submission_deadline=DEADLINE)

    run(reminders.ssig_deadline_reminders_send, today=TODAY)

    assert recipients() == sorted([leads["a1"].email, leads["a2"].email, leads["b1"].email])
    (to_b1,) = [m for m in mail.outbox if m.to == [leads["b1"].email]]
    assert "Beta LMNS" in to_b1.body and "Badger Valley NHS Trust" in to_b1.body


def test_running_twice_on_the_same_day_sends_once(run, leads, meeting):
    assert run(reminders.ssig_deadline_reminders_send, today=TODAY) == 2
    assert run(reminders.ssig_deadline_reminders_send, today=TODAY) == 0
    assert len(mail.outbox) == 2

    # The one-day reminder is a different reminder.
    assert run(reminders.ssig_deadline_reminders_send, today=DEADLINE - timedelta(days=1)) == 2
    assert len(mail.outbox) == 4


def test_leads_without_email_or_inactive_are_skipped(run, world, leads, meeting):
    leads["a1"].email = ""
    leads["a1"].save()
    leads["a2"].is_active = False
    leads["a2"].save()
    extra = make_user("a2-second-lead", role=Role.PROVIDER_LEAD, provider=world.a2)

    assert run(reminders.ssig_deadline_reminders_send, today=TODAY) == 1
    assert recipients() == [extra.email]


def test_a_failed_queue_can_be_retried(monkeypatch, run, leads, meeting):
    def broker_down(**kwargs):
        raise ConnectionError("broker unavailable")

    monkeypatch.setattr("lmns.services.email_queue", broker_down)
    with pytest.raises(ConnectionError):
        reminders.ssig_deadline_reminders_send(today=TODAY)
    monkeypatch.undo()

    assert run(reminders.ssig_deadline_reminders_send, today=TODAY) == 2


# --- Weekly overdue-action digest ------------------------------------------------------------

DESCRIPTION = "Add fresh-eyes prompts to the huddle board."
SUMMARY = "Delay in escalating an abnormal CTG on the labour ward."


@pytest.fixture
def owners(world):
    return {
        "alice": world.personas[f"provider:{Role.PROVIDER_LEAD}"],
        "olivia": world.personas[f"lmns:{Role.LMNS_OFFICER}"],
    }


def test_digest_lists_only_overdue_actions_one_email_per_owner(run, world, owners):
    alice, olivia = owners["alice"], owners["olivia"]
    late = make_action(world.a1, owner=alice, due_on=TODAY - timedelta(days=3))
    later = make_action(
        world.a2, owner=alice, due_on=TODAY - timedelta(days=1), status=ActionStatus.IN_PROGRESS
    )
    make_action(
        world.a1,
        owner=alice,
        due_on=TODAY - timedelta(days=20),
        status=ActionStatus.COMPLETED,
        completion_evidence="Audit",
    )
    make_action(world.a1, owner=alice, due_on=TODAY)  # due today: not yet overdue
    make_action(world.a1, owner=alice, due_on=TODAY + timedelta(days=5))
    olivias = make_action(world.a2, owner=olivia, due_on=TODAY - timedelta(days=40))
    make_action(world.a1, owner=make_user("future-only"), due_on=TODAY + timedelta(days=1))

    assert run(reminders.overdue_action_digests_send, today=TODAY) == 2

    assert recipients() == sorted([alice.email, olivia.email])
    (to_alice,) = [m for m in mail.outbox if m.to == [alice.email]]
    assert to_alice.subject == "2 overdue safety actions to update"
    links = [line for line in to_alice.body.splitlines() if line.startswith(SITE)]
    assert links == [f"{SITE}/incidents/actions/{late.pk}/", f"{SITE}/incidents/actions/{later.pk}/"]
    assert "Aardvark Hospitals NHS Trust: due 23 November 2026, 3 days overdue" in to_alice.body
    assert "Albatross Health NHS Trust: due 25 November 2026, 1 day overdue" in to_alice.body
    (to_olivia,) = [m for m in mail.outbox if m.to == [olivia.email]]
    assert to_olivia.subject == "1 overdue safety action to update"
    assert f"{SITE}/incidents/actions/{olivias.pk}/" in to_olivia.body
    assert "40 days overdue" in to_olivia.body


def test_digest_never_includes_action_or_incident_text(run, world, owners):
    incident = make_incident(world.a1, summary=SUMMARY)
    learning = make_learning(world.a1, title="Fresh eyes on CTGs")
    make_action(
        world.a1,
        owner=owners["alice"],
        incident=incident,
        learning=learning,
        description=DESCRIPTION,
        due_on=TODAY - timedelta(days=2),
    )

    run(reminders.overdue_action_digests_send, today=TODAY)

    (message,) = mail.outbox
    for text in (message.subject, message.body):
        assert "fresh-eyes" not in text.lower() and "fresh eyes" not in text.lower()
        assert "huddle" not in text and "CTG" not in text and "labour ward" not in text
        assert incident.local_reference not in text


def test_digest_is_sent_once_per_owner_per_week(run, world, owners):
    make_action(world.a1, owner=owners["alice"], due_on=TODAY - timedelta(days=2))

    assert run(reminders.overdue_action_digests_send, today=TODAY) == 1
    assert run(reminders.overdue_action_digests_send, today=TODAY) == 0
    # Sunday is still the same ISO week; Monday starts the next.
    assert run(reminders.overdue_action_digests_send, today=TODAY + timedelta(days=3)) == 0
    assert run(reminders.overdue_action_digests_send, today=TODAY + timedelta(days=4)) == 1
    assert len(mail.outbox) == 2


def test_digest_skips_owners_without_email_or_inactive(run, world):
    no_email = make_user("no-email", email="")
    inactive = make_user("inactive", is_active=False)
    for owner in (no_email, inactive):
        make_action(world.a1, owner=owner, due_on=TODAY - timedelta(days=2))

    assert run(reminders.overdue_action_digests_send, today=TODAY) == 0
    assert mail.outbox == []


# --- Tasks -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("task", "function"),
    [
        (tasks.send_ssig_deadline_reminders, "ssig_deadline_reminders_send"),
        (tasks.send_overdue_action_digests, "overdue_action_digests_send"),
    ],
)
def test_tasks_call_the_reminder_functions(monkeypatch, task, function):
    calls = []
    monkeypatch.setattr(reminders, function, lambda **kwargs: calls.append(kwargs) or 3)

    assert task.delay().get() == 3
    assert calls == [{}]


def test_reminder_task_sends_for_today(run, world, leads):
    today = timezone.localdate()
    make_meeting(
        world.lmns_a, meeting_on=today + timedelta(days=10), submission_deadline=today + timedelta(days=7)
    )

    assert run(lambda: tasks.send_ssig_deadline_reminders.delay().get()) == 2
    assert len(mail.outbox) == 2


def test_digest_task_sends_for_today(run, world, owners):
    make_action(world.a1, owner=owners["alice"], due_on=timezone.localdate() - timedelta(days=1))

    assert run(lambda: tasks.send_overdue_action_digests.delay().get()) == 1
    assert mail.outbox[0].to == [owners["alice"].email]
