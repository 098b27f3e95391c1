from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.cache import cache

from assurance import reminders, services, tasks
from assurance.models import (
    Deadline,
    Framework,
    FrameworkAction,
    FrameworkStatus,
    Requirement,
    Status,
    Verification,
)
from lmns.models import Membership, Role
from tests.factories import make_user

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


def make_framework(slug="cnst-mis-6", name="CNST MIS", version="year 6", codes=("1a", "1b", "1c"), **extra):
    framework = Framework.objects.create(
        slug=slug,
        name=name,
        publisher="NHS Resolution",
        version=version,
        source_file=f"{slug}.yaml",
        **{"status": FrameworkStatus.PUBLISHED, **extra},
    )
    action = FrameworkAction.objects.create(
        framework=framework, code="SA1", title="Mortality reviews", order=1
    )
    for order, code in enumerate(codes, start=1):
        Requirement.objects.create(
            action=action, code=code, title=f"Requirement {code}", text="Do the thing.", order=order
        )
    return framework


def start(provider, framework, by):
    return services.assessment_start(provider=provider, framework=framework, by=by)


def set_status(assessment, codes, status, **fields):
    if status == Status.NOT_APPLICABLE:
        fields.setdefault("not_applicable_reason", "No such service here.")
    assessment.items.filter(requirement__code__in=codes).update(status=status, **fields)


def item(assessment, code):
    return assessment.items.get(requirement__code=code)


def recipients():
    return sorted(address for message in mail.outbox for address in message.to)


@pytest.fixture
def leads(world):
    """A provider lead at each provider: A1's is the world's persona."""
    return {
        "a1": world.personas[f"provider:{Role.PROVIDER_LEAD}"],
        "a2": make_user("a2-lead", role=Role.PROVIDER_LEAD, provider=world.a2),
        "b1": make_user("b1-lead", role=Role.PROVIDER_LEAD, provider=world.b1),
    }


@pytest.fixture
def mis(world):
    framework = make_framework()
    Deadline.objects.create(framework=framework, name="Board declaration", due_on=DEADLINE)
    return framework


# --- Framework deadline reminders ------------------------------------------------------------


@pytest.mark.parametrize("days", [30, 7, 1])
def test_leads_with_outstanding_requirements_are_reminded(run, world, leads, mis, days):
    Deadline.objects.filter(framework=mis).update(due_on=TODAY + timedelta(days=days))
    start(world.a1, mis, by=leads["a1"])
    a2 = start(world.a2, mis, by=leads["a2"])
    set_status(a2, ["1a"], Status.MET)

    assert run(reminders.framework_deadline_reminders_send, today=TODAY) == 2

    # Only provider leads: not A1's contributors, guardian or board viewer, nor LMNS staff.
    # B1's LMNS has not taken up the framework here, so B1 is not reminded.
    assert recipients() == sorted([leads["a1"].email, leads["a2"].email])
    due = TODAY + timedelta(days=days)
    assert {m.subject for m in mail.outbox} == {
        f"CNST MIS (year 6): Board declaration in {days} day{'s' if days != 1 else ''} "
        f"({due.day} {due:%B %Y})"
    }


@pytest.mark.parametrize("days", [0, 2, 6, 8, 29, 31])
def test_no_reminder_on_other_days(run, world, leads, mis, days):
    start(world.a1, mis, by=leads["a1"])

    assert run(reminders.framework_deadline_reminders_send, today=DEADLINE - timedelta(days=days)) == 0
    assert mail.outbox == []


def test_reminder_gives_the_count_and_links_to_the_assessment(run, world, leads, mis):
    assessment = start(world.a1, mis, by=leads["a1"])
    set_status(assessment, ["1a"], Status.MET)
    set_status(assessment, ["1b"], Status.NOT_MET)

    run(reminders.framework_deadline_reminders_send, today=TODAY)

    (message,) = [m for m in mail.outbox if m.to == [leads["a1"].email]]
    assert "Aardvark Hospitals NHS Trust has 2 of 3 requirements not yet met" in message.body
    assert "Thursday 3 December 2026, 7 days from today" in message.body
    assert f"{SITE}/assurance/assessments/{assessment.pk}/\n" in message.body
    assert "&quot;" not in message.body and "&#x27;" not in message.body  # plain text, not HTML


def test_providers_with_everything_met_or_not_applicable_are_not_reminded(run, world, leads, mis):
    a1 = start(world.a1, mis, by=leads["a1"])
    set_status(a1, ["1a", "1b"], Status.MET)
    set_status(a1, ["1c"], Status.NOT_APPLICABLE)
    a2 = start(world.a2, mis, by=leads["a2"])
    set_status(a2, ["1a", "1b"], Status.MET)
    set_status(a2, ["1c"], Status.PARTIALLY_MET)

    assert run(reminders.framework_deadline_reminders_send, today=TODAY) == 1
    assert recipients() == [leads["a2"].email]
    assert "has 1 of 3 requirements" in mail.outbox[0].body


def test_a_requirement_added_after_the_assessment_started_is_outstanding(run, world, leads, mis):
    assessment = start(world.a1, mis, by=leads["a1"])
    set_status(assessment, ["1a", "1b", "1c"], Status.MET)
    Requirement.objects.create(
        action=mis.actions.get(), code="1d", title="Requirement 1d", text="And this.", order=4
    )
    a2 = start(world.a2, mis, by=leads["a2"])  # started after: it has a row for 1d
    set_status(a2, ["1a", "1b", "1c"], Status.MET)

    assert run(reminders.framework_deadline_reminders_send, today=TODAY) == 2
    assert all("has 1 of 4 requirements" in m.body for m in mail.outbox)


def test_a_provider_yet_to_start_is_reminded_if_its_lmns_has_taken_up_the_framework(run, world, leads, mis):
    start(world.a1, mis, by=leads["a1"])

    assert run(reminders.framework_deadline_reminders_send, today=TODAY) == 2

    # A2 has not started, but A1 in the same LMNS has; Beta LMNS has not taken it up here.
    assert recipients() == sorted([leads["a1"].email, leads["a2"].email])
    (to_a2,) = [m for m in mail.outbox if m.to == [leads["a2"].email]]
    assert "Albatross Health NHS Trust has not started its CNST MIS (year 6) assessment" in to_a2.body
    assert "all 3 requirements are outstanding" in to_a2.body
    assert f"{SITE}/assurance/frameworks/{mis.slug}/\n" in to_a2.body


def test_leads_of_another_lmns_are_reminded_only_of_their_own_provider(run, world, leads, mis):
    a1 = start(world.a1, mis, by=leads["a1"])
    set_status(a1, ["1a", "1b", "1c"], Status.MET)
    a2 = start(world.a2, mis, by=leads["a2"])
    set_status(a2, ["1a", "1b", "1c"], Status.MET)
    b1 = start(world.b1, mis, by=leads["b1"])

    assert run(reminders.framework_deadline_reminders_send, today=TODAY) == 1
    (message,) = mail.outbox
    assert message.to == [leads["b1"].email]
    assert "Badger Valley NHS Trust has 3 of 3" in message.body
    assert f"/assessments/{b1.pk}/" in message.body
    assert "Aardvark" not in message.body and "Albatross" not in message.body


def test_leads_without_email_or_inactive_are_skipped(run, world, leads, mis):
    start(world.a1, mis, by=leads["a1"])
    start(world.a2, mis, by=leads["a2"])
    leads["a1"].email = ""
    leads["a1"].save()
    leads["a2"].is_active = False
    leads["a2"].save()
    extra = make_user("a2-second-lead", role=Role.PROVIDER_LEAD, provider=world.a2)

    assert run(reminders.framework_deadline_reminders_send, today=TODAY) == 1
    assert recipients() == [extra.email]


def test_running_twice_on_the_same_day_sends_once(run, world, leads, mis):
    start(world.a1, mis, by=leads["a1"])
    start(world.a2, mis, by=leads["a2"])

    assert run(reminders.framework_deadline_reminders_send, today=TODAY) == 2
    assert run(reminders.framework_deadline_reminders_send, today=TODAY) == 0
    assert len(mail.outbox) == 2

    # The one-day reminder is a different reminder.
    assert run(reminders.framework_deadline_reminders_send, today=DEADLINE - timedelta(days=1)) == 2
    assert len(mail.outbox) == 4


def test_each_deadline_on_the_day_is_its_own_reminder(run, world, leads, mis):
    Deadline.objects.create(framework=mis, name="Evidence to the LMNS", due_on=DEADLINE)
    start(world.a1, mis, by=leads["a1"])
    Membership.objects.filter(provider=world.a2).delete()  # A2 has no lead: nobody to tell

    assert run(reminders.framework_deadline_reminders_send, today=TODAY) == 2
    assert sorted(m.subject.split(": ")[1] for m in mail.outbox) == [
        "Board declaration in 7 days (3 December 2026)",
        "Evidence to the LMNS in 7 days (3 December 2026)",
    ]


def test_every_lead_at_the_provider_is_reminded(run, world, leads, mis):
    start(world.a1, mis, by=leads["a1"])
    Membership.objects.filter(provider=world.a2).delete()
    second = make_user("a1-second-lead", role=Role.PROVIDER_LEAD, provider=world.a1)

    assert run(reminders.framework_deadline_reminders_send, today=TODAY) == 2
    assert recipients() == sorted([leads["a1"].email, second.email])


def test_a_failed_queue_can_be_retried(monkeypatch, run, world, leads, mis):
    start(world.a1, mis, by=leads["a1"])

    def broker_down(**kwargs):
        raise ConnectionError("broker unavailable")

    monkeypatch.setattr("lmns.services.email_queue", broker_down)
    with pytest.raises(ConnectionError):
        reminders.framework_deadline_reminders_send(today=TODAY)
    monkeypatch.undo()

    assert run(reminders.framework_deadline_reminders_send, today=TODAY) == 2


# --- Overdue action plans ----------------------------------------------------------------------

COMMENTARY = "Two consultants left in May; the rota is covered by locums."
PLAN = "Recruit a second bereavement midwife and audit PMRT reviews quarterly."


def plan(assessment, code, *, by, due_on, status=Status.NOT_MET, owner="Director of Midwifery"):
    return services.item_update(
        item=item(assessment, code),
        by=by,
        status=status,
        commentary=COMMENTARY,
        action_plan=PLAN,
        action_owner=owner,
        action_due_on=due_on,
    )


def test_overdue_plans_are_listed_to_the_providers_leads(run, world, leads, mis):
    alice = leads["a1"]
    a1 = start(world.a1, mis, by=alice)
    late = plan(a1, "1a", by=alice, due_on=TODAY - timedelta(days=3))
    later = plan(
        a1,
        "1b",
        by=alice,
        due_on=TODAY - timedelta(days=1),
        status=Status.PARTIALLY_MET,
        owner="Head of Governance",
    )
    plan(a1, "1c", by=alice, due_on=TODAY)  # due today: not yet overdue
    ockenden = make_framework(slug="ockenden", name="Ockenden IEAs", version="2022", codes=("2.1", "2.2"))
    a1_ockenden = start(world.a1, ockenden, by=alice)
    plan(a1_ockenden, "2.1", by=alice, due_on=TODAY + timedelta(days=5))
    met = plan(a1_ockenden, "2.2", by=alice, due_on=TODAY - timedelta(days=20))
    services.item_update(item=met, by=alice, status=Status.MET)  # met: the plan is no longer overdue
    a2 = start(world.a2, mis, by=leads["a2"])
    a2_late = plan(a2, "1c", by=leads["a2"], due_on=TODAY - timedelta(days=40), owner="Clinical Director")
    start(world.b1, mis, by=leads["b1"])

    assert run(reminders.overdue_action_plan_reminders_send, today=TODAY) == 2

    assert recipients() == sorted([alice.email, leads["a2"].email])
    (to_a1,) = [m for m in mail.outbox if m.to == [alice.email]]
    assert to_a1.subject == "Aardvark Hospitals NHS Trust: 2 overdue compliance action plans"
    links = [line for line in to_a1.body.splitlines() if line.startswith(SITE)]
    assert links == [f"{SITE}/assurance/items/{late.pk}/", f"{SITE}/assurance/items/{later.pk}/"]
    assert (
        "CNST MIS (year 6), requirement 1a: owner Director of Midwifery, due 23 November 2026, 3 days overdue"
        in to_a1.body
    )
    assert (
        "CNST MIS (year 6), requirement 1b: owner Head of Governance, due 25 November 2026, 1 day overdue"
        in to_a1.body
    )
    (to_a2,) = [m for m in mail.outbox if m.to == [leads["a2"].email]]
    assert to_a2.subject == "Albatross Health NHS Trust: 1 overdue compliance action plan"
    assert "requirement 1c: owner Clinical Director, due 17 October 2026, 40 days overdue" in to_a2.body
    assert f"{SITE}/assurance/items/{a2_late.pk}/" in to_a2.body
    assert "Aardvark" not in to_a2.body


def test_overdue_plans_never_include_commentary_or_plan_text(run, world, leads, mis):
    a1 = start(world.a1, mis, by=leads["a1"])
    plan(a1, "1a", by=leads["a1"], due_on=TODAY - timedelta(days=2))

    run(reminders.overdue_action_plan_reminders_send, today=TODAY)

    (message,) = mail.outbox
    for text in (message.subject, message.body):
        assert "consultants" not in text and "locums" not in text
        assert "bereavement" not in text and "PMRT" not in text
        assert "Requirement 1a" not in text  # the requirement's title is not needed either


def test_overdue_plans_are_sent_once_per_provider_per_week(run, world, leads, mis):
    a1 = start(world.a1, mis, by=leads["a1"])
    plan(a1, "1a", by=leads["a1"], due_on=TODAY - timedelta(days=2))

    assert run(reminders.overdue_action_plan_reminders_send, today=TODAY) == 1
    assert run(reminders.overdue_action_plan_reminders_send, today=TODAY) == 0
    # Sunday is still the same ISO week; Monday starts the next.
    assert run(reminders.overdue_action_plan_reminders_send, today=TODAY + timedelta(days=3)) == 0
    assert run(reminders.overdue_action_plan_reminders_send, today=TODAY + timedelta(days=4)) == 1
    assert len(mail.outbox) == 2


def test_overdue_plans_go_to_every_lead_at_the_provider(run, world, leads, mis):
    a1 = start(world.a1, mis, by=leads["a1"])
    plan(a1, "1a", by=leads["a1"], due_on=TODAY - timedelta(days=2))
    second = make_user("a1-second-lead", role=Role.PROVIDER_LEAD, provider=world.a1)

    assert run(reminders.overdue_action_plan_reminders_send, today=TODAY) == 2
    assert recipients() == sorted([leads["a1"].email, second.email])


def test_overdue_plans_skip_leads_without_email_or_inactive(run, world, leads, mis):
    a2 = start(world.a2, mis, by=leads["a2"])
    plan(a2, "1a", by=leads["a2"], due_on=TODAY - timedelta(days=2))
    leads["a2"].is_active = False
    leads["a2"].save()
    make_user("a2-no-email", role=Role.PROVIDER_LEAD, provider=world.a2, email="")
    make_user("a2-contributor", role=Role.PROVIDER_CONTRIBUTOR, provider=world.a2)

    assert run(reminders.overdue_action_plan_reminders_send, today=TODAY) == 0
    assert mail.outbox == []


def test_plans_in_a_superseded_framework_version_are_left_out(run, world, leads, mis):
    year7 = make_framework(slug="cnst-mis-7", version="year 7", previous=mis)
    old = start(world.a1, mis, by=leads["a1"])
    plan(old, "1a", by=leads["a1"], due_on=TODAY - timedelta(days=200))
    new = start(world.a1, year7, by=leads["a1"])
    current = plan(new, "1b", by=leads["a1"], due_on=TODAY - timedelta(days=2))

    assert run(reminders.overdue_action_plan_reminders_send, today=TODAY) == 1
    (message,) = mail.outbox
    assert "year 6" not in message.body
    assert [line for line in message.body.splitlines() if line.startswith(SITE)] == [
        f"{SITE}/assurance/items/{current.pk}/"
    ]


# --- Weekly verification digest for LMNS officers -------------------------------------------------


def awaiting(assessment, codes):
    set_status(assessment, codes, Status.MET, verification=Verification.AWAITING)


@pytest.fixture
def officers(world):
    return {
        "a": world.personas[f"lmns:{Role.LMNS_OFFICER}"],
        "b": make_user("lmnsb-officer", role=Role.LMNS_OFFICER, lmns=world.lmns_b),
    }


@pytest.fixture
def submissions(world, leads, mis):
    """A1: 2 MIS and 1 Ockenden awaiting; A2: 1 MIS awaiting; B1: 1 MIS awaiting."""
    ockenden = make_framework(slug="ockenden", name="Ockenden IEAs", version="2022", codes=("2.1", "2.2"))
    a1 = start(world.a1, mis, by=leads["a1"])
    awaiting(a1, ["1a", "1b"])
    set_status(a1, ["1c"], Status.MET, verification=Verification.ACCEPTED)
    a1_ockenden = start(world.a1, ockenden, by=leads["a1"])
    awaiting(a1_ockenden, ["2.1"])
    set_status(a1_ockenden, ["2.2"], Status.NOT_MET, verification=Verification.CHALLENGED)
    a2 = start(world.a2, mis, by=leads["a2"])
    awaiting(a2, ["1c"])
    b1 = start(world.b1, mis, by=leads["b1"])
    awaiting(b1, ["1a"])
    return {"a1": a1, "a1_ockenden": a1_ockenden, "a2": a2, "b1": b1}


def test_officers_get_counts_per_provider_and_framework_in_their_lmns(run, world, officers, submissions):
    assert run(reminders.awaiting_verification_digest_send, today=TODAY) == 2

    # Only LMNS officers: not the LMNS safety lead, board viewer or administrator.
    assert recipients() == sorted([officers["a"].email, officers["b"].email])
    (to_a,) = [m for m in mail.outbox if m.to == [officers["a"].email]]
    assert to_a.subject == "4 requirements awaiting LMNS verification"
    assert "Aardvark Hospitals NHS Trust, CNST MIS (year 6): 2 awaiting verification" in to_a.body
    assert "Aardvark Hospitals NHS Trust, Ockenden IEAs (2022): 1 awaiting verification" in to_a.body
    assert "Albatross Health NHS Trust, CNST MIS (year 6): 1 awaiting verification" in to_a.body
    assert [line for line in to_a.body.splitlines() if line.startswith(SITE)] == [
        f"{SITE}/assurance/assessments/{submissions[key].pk}/" for key in ("a1", "a1_ockenden", "a2")
    ]
    assert "Badger" not in to_a.body
    (to_b,) = [m for m in mail.outbox if m.to == [officers["b"].email]]
    assert to_b.subject == "1 requirement awaiting LMNS verification"
    assert "Badger Valley NHS Trust, CNST MIS (year 6): 1 awaiting verification" in to_b.body
    assert "Aardvark" not in to_b.body and "Albatross" not in to_b.body


def test_nothing_is_sent_when_nothing_is_awaiting(run, world, leads, officers, mis):
    a1 = start(world.a1, mis, by=leads["a1"])
    set_status(a1, ["1a"], Status.MET, verification=Verification.ACCEPTED)
    set_status(a1, ["1b"], Status.NOT_MET, verification=Verification.CHALLENGED)

    assert run(reminders.awaiting_verification_digest_send, today=TODAY) == 0
    assert mail.outbox == []


def test_officers_of_an_lmns_with_nothing_awaiting_get_nothing(run, world, leads, officers, mis):
    awaiting(start(world.b1, mis, by=leads["b1"]), ["1a"])

    assert run(reminders.awaiting_verification_digest_send, today=TODAY) == 1
    assert recipients() == [officers["b"].email]


def test_digest_is_sent_once_per_officer_per_week(run, officers, submissions):
    assert run(reminders.awaiting_verification_digest_send, today=TODAY) == 2
    assert run(reminders.awaiting_verification_digest_send, today=TODAY + timedelta(days=3)) == 0
    assert run(reminders.awaiting_verification_digest_send, today=TODAY + timedelta(days=4)) == 2
    assert len(mail.outbox) == 4


def test_an_officer_of_two_lmnss_gets_one_digest(run, world, officers, submissions):
    olivia = officers["a"]
    Membership.objects.create(user=olivia, role=Role.LMNS_OFFICER, lmns=world.lmns_b)

    assert run(reminders.awaiting_verification_digest_send, today=TODAY) == 2
    (to_olivia,) = [m for m in mail.outbox if m.to == [olivia.email]]
    assert to_olivia.subject == "5 requirements awaiting LMNS verification"
    assert "Alpha LMNS" in to_olivia.body and "Beta LMNS" in to_olivia.body
    assert "Badger Valley NHS Trust, CNST MIS (year 6): 1 awaiting verification" in to_olivia.body


def test_digest_skips_officers_without_email_or_inactive(run, world, officers, submissions):
    officers["a"].email = ""
    officers["a"].save()
    officers["b"].is_active = False
    officers["b"].save()

    assert run(reminders.awaiting_verification_digest_send, today=TODAY) == 0
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("task", "function"),
    [
        (tasks.send_framework_deadline_reminders, "framework_deadline_reminders_send"),
        (tasks.send_overdue_action_plan_reminders, "overdue_action_plan_reminders_send"),
        (tasks.send_awaiting_verification_digests, "awaiting_verification_digest_send"),
    ],
)
def test_tasks_call_the_reminder_functions(monkeypatch, task, function):
    calls = []
    monkeypatch.setattr(reminders, function, lambda **kwargs: calls.append(kwargs) or 3)
    assert task.delay().get() == 3
    assert calls == [{}]
