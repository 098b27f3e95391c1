"""Services: every write refuses what the rules refuse, and leaves the database as it was."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from incidents import services
from incidents.models import (
    INCIDENT_TRANSITIONS,
    ActionStatus,
    DutyOfCandour,
    Incident,
    IncidentStatus,
    IncidentType,
    Learning,
    LearningEvent,
    LearningStatus,
    ReferralBody,
    ResponseType,
    SafetyAction,
    SsigMeeting,
    SsigSubmission,
    Theme,
)
from lmns.models import Role
from tests.factories import make_action, make_incident, make_learning, make_meeting, make_user

pytestmark = pytest.mark.django_db


def days(n: int):
    """A date ``n`` days from today (negative for the past)."""
    return timezone.localdate() + timedelta(days=n)


def themes(n: int = 1):
    return list(Theme.objects.order_by("pk")[:n])


def incident_fields(**overrides):
    return {
        "local_reference": "DATIX-100",
        "occurred_on": days(-10),
        "reported_on": days(-9),
        "incident_type": IncidentType.objects.order_by("pk").first(),
        "physical_harm": "moderate",
        "psychological_harm": "low",
        "summary": "Delayed escalation of an abnormal CTG.",
        **overrides,
    }


ACTION = "Audit fresh-eyes compliance monthly."


def learning_fields(**overrides):
    return {
        "title": "Fresh eyes on CTGs, new learning",
        "what_happened": "An abnormal CTG was not escalated.",
        "what_we_learned": "Fresh-eyes reviews were missed when busy.",
        "what_we_changed": "Coordinator prompts at each huddle.",
        **overrides,
    }


def message_of(excinfo) -> str:
    return " ".join(excinfo.value.messages)


# --- incident_create / incident_update --------------------------------------------------------


def test_incident_create_saves_a_reported_incident(world, bob):
    incident = services.incident_create(
        provider=world.a1, by=bob, unit=world.a1.units.get(), **incident_fields()
    )
    incident.refresh_from_db()
    assert incident.provider == world.a1
    assert incident.created_by == bob
    assert incident.status == IncidentStatus.REPORTED
    assert incident.duty_of_candour == DutyOfCandour.NOT_YET_KNOWN


def test_incident_create_refuses_a_reference_already_used_at_the_provider(world, bob):
    make_incident(world.a1, local_reference="DATIX-100")
    with pytest.raises(ValidationError) as excinfo:
        services.incident_create(provider=world.a1, by=bob, **incident_fields())
    assert message_of(excinfo) == "This provider already has an incident with this local reference."
    assert Incident.objects.filter(local_reference="DATIX-100").count() == 1


def test_incident_create_allows_the_same_reference_at_another_provider(world, bob):
    make_incident(world.a1, local_reference="DATIX-100")
    services.incident_create(provider=world.a2, by=bob, **incident_fields())
    services.incident_create(provider=world.b1, by=bob, **incident_fields())
    assert Incident.objects.filter(local_reference="DATIX-100").count() == 3


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"occurred_on": days(1), "reported_on": days(1)}, "occurred_on", "cannot be in the future"),
        ({"reported_on": days(1)}, "reported_on", "cannot be in the future"),
        ({"occurred_on": days(-3), "reported_on": days(-4)}, "reported_on", "before the date occurred"),
        ({"mnsi_reference": "MNSI-1"}, "mnsi_referred_on", "Enter the date of the MNSI referral"),
        ({"referrals": {"pmrt": (days(1), "")}}, "pmrt_referred_on", "cannot be in the future"),
        ({"referrals": {"coroner": (days(-11), "")}}, "coroner_referred_on", "before the incident occurred"),
        ({"referrals": {"coroner": (None, "C-1")}}, "coroner_referred_on", "Enter the date of the Coroner"),
        (
            {"duty_of_candour_completed_on": days(-1)},
            "duty_of_candour_completed_on",
            "completion date when duty of candour applies",
        ),
    ],
)
def test_incident_create_refuses_invalid_incidents_and_saves_nothing(world, bob, overrides, field, message):
    if "referrals" in overrides:
        overrides["referrals"] = {
            ReferralBody.objects.get(code=code): given for code, given in overrides["referrals"].items()
        }
    with pytest.raises(ValidationError) as excinfo:
        services.incident_create(provider=world.a1, by=bob, **incident_fields(**overrides))
    assert message.lower() in " ".join(excinfo.value.message_dict[field]).lower()
    assert not Incident.objects.filter(local_reference="DATIX-100").exists()


def test_incident_create_refuses_a_unit_of_another_provider(world, bob):
    with pytest.raises(ValidationError) as excinfo:
        services.incident_create(provider=world.a1, by=bob, unit=world.a2.units.get(), **incident_fields())
    assert excinfo.value.message_dict == {"unit": ["Choose a unit of this provider."]}
    assert not Incident.objects.filter(local_reference="DATIX-100").exists()


def test_incident_update_changes_an_open_incident(world, bob):
    incident = make_incident(world.a1)
    services.incident_update(
        incident=incident,
        by=bob,
        duty_of_candour=DutyOfCandour.APPLIES,
        duty_of_candour_completed_on=days(-1),
        mnsi_referred_on=days(-2),
        mnsi_reference="MNSI-9",
    )
    incident.refresh_from_db()
    assert incident.duty_of_candour == DutyOfCandour.APPLIES
    assert incident.duty_of_candour_completed_on == days(-1)
    assert [(str(body), on, ref) for body, on, ref in incident.external_referrals()] == [
        ("MNSI", days(-2), "MNSI-9")
    ]


def test_incident_update_refuses_invalid_changes_and_keeps_the_stored_incident(world, bob):
    incident = make_incident(world.a1, reported_on=days(-9))
    with pytest.raises(ValidationError):
        services.incident_update(incident=incident, by=bob, reported_on=days(2))
    incident.refresh_from_db()
    assert incident.reported_on == days(-9)


def test_incident_update_refuses_a_reference_used_by_another_incident_of_the_provider(world, bob):
    make_incident(world.a1, local_reference="DATIX-1")
    incident = make_incident(world.a1, local_reference="DATIX-2")
    with pytest.raises(ValidationError):
        services.incident_update(incident=incident, by=bob, local_reference="DATIX-1")
    incident.refresh_from_db()
    assert incident.local_reference == "DATIX-2"


def test_incident_update_refuses_completion_date_when_candour_stops_applying(world, bob):
    incident = make_incident(
        world.a1, duty_of_candour=DutyOfCandour.APPLIES, duty_of_candour_completed_on=days(-1)
    )
    with pytest.raises(ValidationError) as excinfo:
        services.incident_update(incident=incident, by=bob, duty_of_candour=DutyOfCandour.DOES_NOT_APPLY)
    assert "duty_of_candour_completed_on" in excinfo.value.message_dict


def test_closed_incident_cannot_be_edited_until_reopened(world, alice):
    incident = make_incident(world.a1, status=IncidentStatus.CLOSED, summary="Original.")
    with pytest.raises(ValidationError) as excinfo:
        services.incident_update(incident=incident, by=alice, summary="Changed.")
    assert message_of(excinfo) == "This incident is closed. Reopen it for review before changing it."
    incident.refresh_from_db()
    assert incident.summary == "Original."

    incident = services.incident_transition(
        incident=incident, to_status=IncidentStatus.UNDER_REVIEW, by=alice
    )
    services.incident_update(incident=incident, by=alice, summary="Changed.")
    incident.refresh_from_db()
    assert incident.summary == "Changed."
    assert incident.status == IncidentStatus.UNDER_REVIEW


@pytest.mark.parametrize(
    ("field", "value"), [("status", IncidentStatus.CLOSED), ("provider", "a2"), ("created_by", "alice")]
)
def test_incident_update_refuses_workflow_fields(world, alice, bob, field, value):
    """Status moves only through incident_transition, so an edit cannot skip the closing checks."""
    value = {"a2": world.a2, "alice": alice}.get(value, value)
    incident = make_incident(world.a1, created_by=bob)
    with pytest.raises(ValueError, match="cannot be changed by editing"):
        services.incident_update(incident=incident, by=bob, **{field: value})
    incident.refresh_from_db()
    assert (incident.status, incident.provider, incident.created_by) == (
        IncidentStatus.REPORTED,
        world.a1,
        bob,
    )


# --- incident_transition ----------------------------------------------------------------------


def _ready_to_close(**fields):
    return {
        "response_type": ResponseType.PSII,
        "duty_of_candour": DutyOfCandour.APPLIES,
        "duty_of_candour_completed_on": days(-1),
        **fields,
    }


ALL_STEPS = [(source, target) for source in IncidentStatus for target in IncidentStatus]
LEGAL_STEPS = [(source, target) for source, target in ALL_STEPS if target in INCIDENT_TRANSITIONS[source]]
ILLEGAL_STEPS = [
    (source, target) for source, target in ALL_STEPS if target not in INCIDENT_TRANSITIONS[source]
]


@pytest.mark.parametrize(("source", "target"), LEGAL_STEPS)
def test_transitions_in_the_table_are_allowed(world, alice, source, target):
    incident = make_incident(world.a1, status=source, **_ready_to_close())
    returned = services.incident_transition(incident=incident, to_status=target, by=alice)
    assert returned.status == target
    incident.refresh_from_db()
    assert incident.status == target


@pytest.mark.parametrize(("source", "target"), ILLEGAL_STEPS)
def test_transitions_outside_the_table_are_refused(world, alice, source, target):
    incident = make_incident(world.a1, status=source, **_ready_to_close())
    with pytest.raises(ValidationError) as excinfo:
        services.incident_transition(incident=incident, to_status=target, by=alice)
    assert "cannot move to" in message_of(excinfo)
    incident.refresh_from_db()
    assert incident.status == source


def test_reported_to_closed_is_refused_with_a_clear_message(world, alice):
    incident = make_incident(world.a1, **_ready_to_close())
    with pytest.raises(ValidationError) as excinfo:
        services.incident_transition(incident=incident, to_status=IncidentStatus.CLOSED, by=alice)
    assert message_of(excinfo) == "An incident that is reported cannot move to closed."


def test_transition_accepts_a_plain_string_status(world, alice):
    incident = make_incident(world.a1)
    services.incident_transition(incident=incident, to_status="under_review", by=alice)
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.UNDER_REVIEW


@pytest.mark.parametrize("response_type", ["", ResponseType.NO_FURTHER_RESPONSE])
def test_response_underway_needs_a_learning_response(world, alice, response_type):
    incident = make_incident(world.a1, status=IncidentStatus.UNDER_REVIEW, response_type=response_type)
    with pytest.raises(ValidationError) as excinfo:
        services.incident_transition(incident=incident, to_status=IncidentStatus.RESPONSE_UNDERWAY, by=alice)
    assert "Choose the learning response" in message_of(excinfo)
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.UNDER_REVIEW


@pytest.mark.parametrize(
    "response_type", [rt for rt in ResponseType if rt != ResponseType.NO_FURTHER_RESPONSE]
)
def test_response_underway_with_a_learning_response(world, alice, response_type):
    incident = make_incident(world.a1, status=IncidentStatus.UNDER_REVIEW, response_type=response_type)
    services.incident_transition(incident=incident, to_status=IncidentStatus.RESPONSE_UNDERWAY, by=alice)
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.RESPONSE_UNDERWAY


@pytest.mark.parametrize("source", [IncidentStatus.UNDER_REVIEW, IncidentStatus.RESPONSE_UNDERWAY])
@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"response_type": ""}, "Record the learning response chosen"),
        (
            {"duty_of_candour": DutyOfCandour.NOT_YET_KNOWN, "duty_of_candour_completed_on": None},
            "whether duty",
        ),
        ({"duty_of_candour_completed_on": None}, "record the date it was completed"),
    ],
)
def test_closing_is_refused_until_response_and_candour_are_recorded(world, alice, source, fields, message):
    incident = make_incident(world.a1, status=source, **_ready_to_close(**fields))
    with pytest.raises(ValidationError) as excinfo:
        services.incident_transition(incident=incident, to_status=IncidentStatus.CLOSED, by=alice)
    assert message in message_of(excinfo)
    incident.refresh_from_db()
    assert incident.status == source


@pytest.mark.parametrize(
    "fields",
    [
        _ready_to_close(),
        _ready_to_close(response_type=ResponseType.NO_FURTHER_RESPONSE),
        _ready_to_close(duty_of_candour=DutyOfCandour.DOES_NOT_APPLY, duty_of_candour_completed_on=None),
    ],
    ids=["candour-completed", "no-further-response", "candour-not-applicable"],
)
def test_closing_with_response_and_candour_decided(world, alice, fields):
    incident = make_incident(world.a1, status=IncidentStatus.UNDER_REVIEW, **fields)
    services.incident_transition(incident=incident, to_status=IncidentStatus.CLOSED, by=alice)
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.CLOSED


def test_transition_reads_the_stored_incident_not_the_callers_copy(world, alice):
    incident = make_incident(world.a1, status=IncidentStatus.UNDER_REVIEW)
    incident.response_type = ResponseType.PSII  # not saved
    with pytest.raises(ValidationError):
        services.incident_transition(incident=incident, to_status=IncidentStatus.RESPONSE_UNDERWAY, by=alice)


# --- Learning: create and update --------------------------------------------------------------


def _learning_rows():
    """Learning rows and both M2M link tables: what a refused create must leave untouched."""
    return (
        Learning.objects.count(),
        Learning.incidents.through.objects.count(),
        Learning.themes.through.objects.count(),
    )


def test_learning_create_saves_a_draft_with_its_links(world, bob):
    incident = make_incident(world.a1)
    learning = services.learning_create(
        provider=world.a1, by=bob, incidents=[incident], themes=themes(2), **learning_fields()
    )
    learning.refresh_from_db()
    assert learning.status == LearningStatus.DRAFT
    assert learning.created_by == bob
    assert list(learning.incidents.all()) == [incident]
    assert set(learning.themes.all()) == set(themes(2))


def test_learning_create_without_incidents_is_thematic_learning(world, bob):
    learning = services.learning_create(provider=world.a1, by=bob, themes=themes(), **learning_fields())
    assert not learning.incidents.exists()


@pytest.mark.parametrize("other", ["a2", "b1"])
def test_learning_create_refuses_another_providers_incident_and_saves_nothing(world, bob, other):
    own, theirs = make_incident(world.a1), make_incident(getattr(world, other))
    before = _learning_rows()
    with pytest.raises(ValidationError) as excinfo:
        services.learning_create(
            provider=world.a1, by=bob, incidents=[own, theirs], themes=themes(), **learning_fields()
        )
    assert excinfo.value.message_dict == {
        "incidents": ["Learning can only be linked to incidents of its own provider."]
    }
    assert _learning_rows() == before


def test_learning_create_needs_a_theme_and_saves_nothing(world, bob):
    own = make_incident(world.a1)
    before = _learning_rows()
    with pytest.raises(ValidationError) as excinfo:
        services.learning_create(provider=world.a1, by=bob, incidents=[own], themes=[], **learning_fields())
    assert excinfo.value.message_dict == {"themes": ["Choose at least one theme."]}
    assert _learning_rows() == before


def test_learning_create_accepts_a_theme_generator(world, bob):
    learning = services.learning_create(
        provider=world.a1, by=bob, themes=(theme for theme in themes(2)), **learning_fields()
    )
    assert learning.themes.count() == 2


def test_learning_create_refuses_missing_text_and_saves_nothing(world, bob):
    before = _learning_rows()
    with pytest.raises(ValidationError) as excinfo:
        services.learning_create(provider=world.a1, by=bob, themes=themes(), **learning_fields(title=""))
    assert "title" in excinfo.value.message_dict
    assert _learning_rows() == before


def test_learning_update_changes_a_draft_and_replaces_its_links(world, bob):
    first, second = make_incident(world.a1), make_incident(world.a1)
    theme_a, theme_b = themes(2)
    learning = make_learning(world.a1, themes=[theme_a], incidents=[first])
    services.learning_update(
        learning=learning, by=bob, incidents=[second], themes=[theme_b], title="Revised title"
    )
    learning.refresh_from_db()
    assert learning.title == "Revised title"
    assert list(learning.incidents.all()) == [second]
    assert list(learning.themes.all()) == [theme_b]


def test_learning_update_refuses_another_providers_incident_and_keeps_links(world, bob):
    own = make_incident(world.a1)
    learning = make_learning(world.a1, incidents=[own], title="Before")
    with pytest.raises(ValidationError) as excinfo:
        services.learning_update(
            learning=learning, by=bob, incidents=[make_incident(world.a2)], themes=themes(), title="After"
        )
    assert "incidents" in excinfo.value.message_dict
    learning.refresh_from_db()
    assert learning.title == "Before"
    assert list(learning.incidents.all()) == [own]


def test_learning_update_needs_a_theme(world, bob):
    learning = make_learning(world.a1, themes=themes(1))
    with pytest.raises(ValidationError) as excinfo:
        services.learning_update(learning=learning, by=bob, themes=[])
    assert excinfo.value.message_dict == {"themes": ["Choose at least one theme."]}
    assert list(learning.themes.all()) == themes(1)


@pytest.mark.parametrize(
    "status", [LearningStatus.SIGNED_OFF, LearningStatus.SUBMITTED, LearningStatus.SHARED]
)
def test_only_draft_learning_can_be_updated(world, bob, status):
    learning = make_learning(world.a1, status=status, title="Before")
    with pytest.raises(ValidationError) as excinfo:
        services.learning_update(learning=learning, by=bob, themes=themes(), title="After")
    assert "Only draft learning can be changed" in message_of(excinfo)
    learning.refresh_from_db()
    assert learning.title == "Before"


@pytest.mark.parametrize(("field", "value"), [("status", LearningStatus.SHARED), ("provider", "b1")])
def test_learning_update_refuses_workflow_fields(world, bob, field, value):
    value = world.b1 if value == "b1" else value
    learning = make_learning(world.a1)
    with pytest.raises(ValueError, match="cannot be changed by editing"):
        services.learning_update(learning=learning, by=bob, themes=themes(), **{field: value})
    learning.refresh_from_db()
    assert (learning.status, learning.provider) == (LearningStatus.DRAFT, world.a1)


# --- Learning: sign-off and return to draft ---------------------------------------------------


def test_sign_off_a_draft(world, alice):
    learning = services.learning_sign_off(learning=make_learning(world.a1), by=alice)
    learning.refresh_from_db()
    assert learning.status == LearningStatus.SIGNED_OFF
    assert learning.signed_off_by == alice
    assert learning.signed_off_at is not None


@pytest.mark.parametrize(
    "status", [LearningStatus.SIGNED_OFF, LearningStatus.SUBMITTED, LearningStatus.SHARED]
)
def test_sign_off_only_from_draft(world, alice, status):
    learning = make_learning(world.a1, status=status)
    with pytest.raises(ValidationError) as excinfo:
        services.learning_sign_off(learning=learning, by=alice)
    assert message_of(excinfo) == "Only draft learning can be signed off."
    learning.refresh_from_db()
    assert learning.status == status


def test_return_to_draft_from_signed_off_clears_the_sign_off(world, alice):
    learning = services.learning_sign_off(learning=make_learning(world.a1), by=alice)
    services.learning_return_to_draft(learning=learning, by=alice)
    learning.refresh_from_db()
    assert learning.status == LearningStatus.DRAFT
    assert learning.signed_off_by is None
    assert learning.signed_off_at is None


@pytest.mark.parametrize("status", [LearningStatus.DRAFT, LearningStatus.SUBMITTED, LearningStatus.SHARED])
def test_return_to_draft_only_from_signed_off(world, alice, status):
    learning = make_learning(world.a1, status=status)
    with pytest.raises(ValidationError) as excinfo:
        services.learning_return_to_draft(learning=learning, by=alice)
    assert "Only signed-off learning" in message_of(excinfo)
    learning.refresh_from_db()
    assert learning.status == status


# --- Learning: submission to the SSIG ---------------------------------------------------------


@pytest.fixture
def signed_off(world):
    return make_learning(world.a1, status=LearningStatus.SIGNED_OFF)


def test_submit_signed_off_learning_on_time(world, alice, signed_off):
    meeting = make_meeting(world.lmns_a, meeting_on=days(21), submission_deadline=days(7))
    submission = services.learning_submit(learning=signed_off, meeting=meeting, by=alice)
    submission.refresh_from_db()
    assert submission.meeting == meeting
    assert submission.learning == signed_off
    assert submission.submitted_by == alice
    assert submission.late_accepted_by is None
    signed_off.refresh_from_db()
    assert signed_off.status == LearningStatus.SUBMITTED


def test_submit_on_the_deadline_day_is_on_time(world, alice, signed_off):
    meeting = make_meeting(world.lmns_a, meeting_on=days(3), submission_deadline=days(0))
    assert services.learning_submit(learning=signed_off, meeting=meeting, by=alice).late_accepted_by is None


@pytest.mark.parametrize("status", [LearningStatus.DRAFT, LearningStatus.SUBMITTED, LearningStatus.SHARED])
def test_only_signed_off_learning_can_be_submitted(world, alice, status):
    learning = make_learning(world.a1, status=status)
    with pytest.raises(ValidationError) as excinfo:
        services.learning_submit(
            learning=learning, meeting=make_meeting(world.lmns_a, meeting_on=days(21)), by=alice
        )
    assert "Only learning signed off" in message_of(excinfo)
    assert not SsigSubmission.objects.filter(learning=learning).exists()
    learning.refresh_from_db()
    assert learning.status == status


def test_submit_refuses_a_meeting_of_another_lmns(world, alice, signed_off):
    with pytest.raises(ValidationError) as excinfo:
        services.learning_submit(
            learning=signed_off, meeting=make_meeting(world.lmns_b, meeting_on=days(21)), by=alice
        )
    assert excinfo.value.message_dict == {"meeting": ["Choose a meeting of your LMNS."]}
    assert not SsigSubmission.objects.filter(learning=signed_off).exists()
    signed_off.refresh_from_db()
    assert signed_off.status == LearningStatus.SIGNED_OFF


@pytest.mark.parametrize("accept_late", [False, True])
def test_submit_refuses_a_held_meeting(world, alice, signed_off, accept_late):
    meeting = make_meeting(world.lmns_a, meeting_on=days(0), submission_deadline=days(0))
    meeting = services.ssig_meeting_hold(meeting=meeting, by=alice)
    with pytest.raises(ValidationError) as excinfo:
        services.learning_submit(learning=signed_off, meeting=meeting, by=alice, accept_late=accept_late)
    assert excinfo.value.message_dict == {"meeting": ["This meeting has already been held."]}
    assert not SsigSubmission.objects.filter(learning=signed_off).exists()


def test_submit_rereads_the_meeting(world, alice, signed_off):
    meeting = make_meeting(world.lmns_a, meeting_on=days(0), submission_deadline=days(0))
    services.ssig_meeting_hold(meeting=meeting, by=alice)  # e.g. by the LMNS, while the form was open
    with pytest.raises(ValidationError):
        services.learning_submit(learning=signed_off, meeting=meeting, by=alice)
    # Else the learning would be stuck "submitted" at a held meeting: never shared, never resubmittable.
    assert not SsigSubmission.objects.filter(learning=signed_off).exists()


def test_submit_after_the_deadline_is_refused(world, alice, signed_off):
    meeting = make_meeting(world.lmns_a, meeting_on=days(5), submission_deadline=days(-1))
    with pytest.raises(ValidationError) as excinfo:
        services.learning_submit(learning=signed_off, meeting=meeting, by=alice)
    assert "The deadline for this meeting was" in message_of(excinfo)
    assert "accept a late submission" in message_of(excinfo)
    assert not SsigSubmission.objects.filter(learning=signed_off).exists()
    signed_off.refresh_from_db()
    assert signed_off.status == LearningStatus.SIGNED_OFF


def test_late_submission_accepted_records_who_accepted_it(world, signed_off):
    officer = world.personas[f"lmns:{Role.LMNS_OFFICER}"]
    meeting = make_meeting(world.lmns_a, meeting_on=days(5), submission_deadline=days(-1))
    submission = services.learning_submit(learning=signed_off, meeting=meeting, by=officer, accept_late=True)
    submission.refresh_from_db()
    assert submission.late_accepted_by == officer
    assert submission.submitted_by == officer
    signed_off.refresh_from_db()
    assert signed_off.status == LearningStatus.SUBMITTED


def test_nothing_is_accepted_late_before_the_deadline(world, alice, signed_off):
    meeting = make_meeting(world.lmns_a, meeting_on=days(21))
    with pytest.raises(ValidationError) as excinfo:
        services.learning_submit(learning=signed_off, meeting=meeting, by=alice, accept_late=True)
    assert "until then the provider lead submits the learning, and nothing is late" in message_of(excinfo)
    assert not SsigSubmission.objects.filter(learning=signed_off).exists()


@pytest.mark.parametrize("same_meeting", [True, False])
def test_learning_can_only_be_submitted_once(world, alice, signed_off, same_meeting):
    first = make_meeting(world.lmns_a, meeting_on=days(21))
    second = first if same_meeting else make_meeting(world.lmns_a, meeting_on=days(35))
    services.learning_submit(learning=signed_off, meeting=first, by=alice)
    # The status check refuses it cleanly before the one-to-one constraint is reached.
    with pytest.raises(ValidationError):
        services.learning_submit(learning=signed_off, meeting=second, by=alice)
    assert SsigSubmission.objects.get(learning=signed_off).meeting == first
    signed_off.refresh_from_db()
    assert signed_off.status == LearningStatus.SUBMITTED


def test_submit_uses_the_stored_status_not_the_callers_copy(world, alice, signed_off):
    services.learning_submit(
        learning=signed_off, meeting=make_meeting(world.lmns_a, meeting_on=days(21)), by=alice
    )
    stale = Learning.objects.get(pk=signed_off.pk)
    stale.status = LearningStatus.SIGNED_OFF  # a copy loaded before the first submission
    with pytest.raises(ValidationError):
        services.learning_submit(
            learning=stale, meeting=make_meeting(world.lmns_a, meeting_on=days(35)), by=alice
        )
    assert SsigSubmission.objects.filter(learning=signed_off).count() == 1


# --- Safety actions ---------------------------------------------------------------------------


def action_fields(owner, **overrides):
    return {"description": ACTION, "owner": owner, "due_on": days(30), **overrides}


def test_safety_action_create_links_to_own_incident_and_learning(world, bob):
    incident, learning = make_incident(world.a1), make_learning(world.a1)
    action = services.safety_action_create(
        provider=world.a1, by=bob, **action_fields(bob, incident=incident, learning=learning)
    )
    action.refresh_from_db()
    assert (action.incident, action.learning, action.status) == (incident, learning, ActionStatus.OPEN)
    assert action.completed_on is None


@pytest.mark.parametrize("other", ["a2", "b1"])
def test_safety_action_create_refuses_another_providers_incident(world, bob, other):
    with pytest.raises(ValidationError) as excinfo:
        services.safety_action_create(
            provider=world.a1, by=bob, **action_fields(bob, incident=make_incident(getattr(world, other)))
        )
    assert excinfo.value.message_dict == {"incident": ["Choose an incident of this provider."]}
    assert not SafetyAction.objects.filter(description=ACTION).exists()


@pytest.mark.parametrize("other", ["a2", "b1"])
def test_safety_action_create_refuses_another_providers_learning(world, bob, other):
    with pytest.raises(ValidationError) as excinfo:
        services.safety_action_create(
            provider=world.a1, by=bob, **action_fields(bob, learning=make_learning(getattr(world, other)))
        )
    assert excinfo.value.message_dict == {"learning": ["Choose learning of this provider."]}
    assert not SafetyAction.objects.filter(description=ACTION).exists()


def test_safety_action_update_refuses_another_providers_incident(world, bob):
    action = make_action(world.a1, owner=bob)
    with pytest.raises(ValidationError):
        services.safety_action_update(action=action, by=bob, incident=make_incident(world.a2))
    action.refresh_from_db()
    assert action.incident is None


@pytest.mark.parametrize("evidence", ["", "  "])
def test_completing_needs_completion_evidence(world, bob, evidence):
    action = make_action(world.a1, owner=bob)
    with pytest.raises(ValidationError) as excinfo:
        services.safety_action_update(
            action=action, by=bob, status=ActionStatus.COMPLETED, completion_evidence=evidence
        )
    assert excinfo.value.message_dict == {"completion_evidence": ["Say what shows the action is complete."]}
    action.refresh_from_db()
    assert action.status == ActionStatus.OPEN
    assert action.completed_on is None


def test_creating_a_completed_action_needs_evidence(world, bob):
    with pytest.raises(ValidationError):
        services.safety_action_create(
            provider=world.a1, by=bob, **action_fields(bob, status=ActionStatus.COMPLETED)
        )
    assert not SafetyAction.objects.filter(description=ACTION).exists()


def test_creating_a_completed_action_sets_completed_on(world, bob):
    action = services.safety_action_create(
        provider=world.a1,
        by=bob,
        **action_fields(bob, status=ActionStatus.COMPLETED, completion_evidence="Audit shows 95%."),
    )
    assert action.completed_on == days(0)


def test_completing_sets_completed_on_and_reopening_clears_it(world, bob):
    action = make_action(world.a1, owner=bob, due_on=days(-3))
    assert action.is_overdue
    services.safety_action_update(
        action=action, by=bob, status=ActionStatus.COMPLETED, completion_evidence="Revised guideline v2."
    )
    action.refresh_from_db()
    assert action.completed_on == days(0)
    assert not action.is_overdue
    assert action not in SafetyAction.objects.overdue(days(0))

    services.safety_action_update(action=action, by=bob, status=ActionStatus.IN_PROGRESS)
    action.refresh_from_db()
    assert action.completed_on is None
    assert action.is_overdue
    assert action in SafetyAction.objects.overdue(days(0))


def test_editing_a_completed_action_keeps_its_completion_date(world, bob):
    action = make_action(
        world.a1,
        owner=bob,
        status=ActionStatus.COMPLETED,
        completion_evidence="Audit.",
        completed_on=days(-5),
    )
    services.safety_action_update(action=action, by=bob, description="Reworded.")
    action.refresh_from_db()
    assert action.completed_on == days(-5)


def test_completed_on_is_ignored_for_an_open_action(world, bob):
    action = services.safety_action_create(provider=world.a1, by=bob, **action_fields(bob))
    services.safety_action_update(action=action, by=bob, completed_on=days(-1))
    action.refresh_from_db()
    assert action.completed_on is None


# --- SSIG meetings ------------------------------------------------------------------------------


def test_ssig_meeting_create(world):
    officer = world.personas[f"lmns:{Role.LMNS_OFFICER}"]
    meeting = services.ssig_meeting_create(
        lmns=world.lmns_a, by=officer, meeting_on=days(21), submission_deadline=days(21)
    )
    meeting.refresh_from_db()
    assert (meeting.lmns, meeting.meeting_on, meeting.held_at) == (world.lmns_a, days(21), None)


def test_ssig_meeting_create_refuses_a_deadline_after_the_meeting(world):
    with pytest.raises(ValidationError) as excinfo:
        services.ssig_meeting_create(
            lmns=world.lmns_a, by=None, meeting_on=days(21), submission_deadline=days(22)
        )
    assert message_of(excinfo) == "The submission deadline must be on or before the meeting date."
    assert not SsigMeeting.objects.filter(lmns=world.lmns_a, meeting_on=days(21)).exists()


def test_ssig_meeting_create_refuses_a_second_meeting_on_the_same_day(world):
    make_meeting(world.lmns_a, meeting_on=days(21))
    with pytest.raises(ValidationError):
        services.ssig_meeting_create(
            lmns=world.lmns_a, by=None, meeting_on=days(21), submission_deadline=days(7)
        )
    services.ssig_meeting_create(lmns=world.lmns_b, by=None, meeting_on=days(21), submission_deadline=days(7))


def test_meeting_cannot_be_held_before_its_date(world):
    meeting = make_meeting(world.lmns_a, meeting_on=days(1), submission_deadline=days(0))
    with pytest.raises(ValidationError) as excinfo:
        services.ssig_meeting_hold(meeting=meeting, by=None)
    assert message_of(excinfo) == "A meeting can only be recorded as held on or after its date."
    meeting.refresh_from_db()
    assert meeting.held_at is None


@pytest.mark.parametrize("offset", [0, -7])
def test_meeting_can_be_held_on_or_after_its_date(world, offset):
    meeting = make_meeting(world.lmns_a, meeting_on=days(offset), submission_deadline=days(offset - 7))
    services.ssig_meeting_hold(meeting=meeting, by=None)
    meeting.refresh_from_db()
    assert meeting.is_held


def test_meeting_can_only_be_held_once(world):
    meeting = make_meeting(world.lmns_a, meeting_on=days(0), submission_deadline=days(0))
    services.ssig_meeting_hold(meeting=meeting, by=None)
    held_at = SsigMeeting.objects.get(pk=meeting.pk).held_at
    with pytest.raises(ValidationError) as excinfo:
        services.ssig_meeting_hold(meeting=meeting, by=None)
    assert message_of(excinfo) == "This meeting is already recorded as held."
    assert SsigMeeting.objects.get(pk=meeting.pk).held_at == held_at


def test_holding_a_meeting_shares_its_submitted_learning_only(world, alice):
    meeting = make_meeting(world.lmns_a, meeting_on=days(0), submission_deadline=days(0))
    later = make_meeting(world.lmns_a, meeting_on=days(21))
    a2_lead = make_user(role=Role.PROVIDER_LEAD, provider=world.a2)
    on_agenda = [
        make_learning(world.a1, status=LearningStatus.SIGNED_OFF),
        make_learning(world.a2, status="signed_off"),
    ]
    for learning in on_agenda:
        services.learning_submit(learning=learning, meeting=meeting, by=a2_lead)
    for_later = make_learning(world.a1, status=LearningStatus.SIGNED_OFF)
    services.learning_submit(learning=for_later, meeting=later, by=alice)
    untouched = {
        make_learning(world.a1, status=LearningStatus.DRAFT): LearningStatus.DRAFT,
        make_learning(world.a1, status=LearningStatus.SIGNED_OFF): LearningStatus.SIGNED_OFF,
        for_later: LearningStatus.SUBMITTED,
        make_learning(world.b1, status=LearningStatus.SUBMITTED): LearningStatus.SUBMITTED,
    }

    services.ssig_meeting_hold(meeting=meeting, by=None)

    for learning in on_agenda:
        learning.refresh_from_db()
        assert learning.status == LearningStatus.SHARED
    for learning, status in untouched.items():
        learning.refresh_from_db()
        assert learning.status == status


def test_record_outcomes(world):
    meeting = make_meeting(world.lmns_a, meeting_on=days(21))
    services.ssig_meeting_record_outcomes(
        meeting=meeting,
        by=None,
        attended_by=[world.a1, world.a2],
        attendees="Director of Midwifery, AA1",
        themes_agreed=themes(2),
        escalations="Staffing on the labour ward.",
        learning_event_topics="Fresh eyes",
    )
    meeting.refresh_from_db()
    assert set(meeting.attended_by.all()) == {world.a1, world.a2}
    assert set(meeting.themes_agreed.all()) == set(themes(2))
    assert meeting.attendees == "Director of Midwifery, AA1"
    assert meeting.escalations == "Staffing on the labour ward."


def test_record_outcomes_refuses_a_provider_of_another_lmns(world):
    meeting = make_meeting(world.lmns_a, meeting_on=days(21))
    with pytest.raises(ValidationError) as excinfo:
        services.ssig_meeting_record_outcomes(
            meeting=meeting,
            by=None,
            attended_by=[world.a1, world.b1],
            attendees="Changed",
            themes_agreed=themes(),
            escalations="",
            learning_event_topics="",
        )
    assert excinfo.value.message_dict == {"attended_by": ["Attending providers must belong to this LMNS."]}
    meeting.refresh_from_db()
    assert meeting.attendees == ""
    assert not meeting.attended_by.exists()
    assert not meeting.themes_agreed.exists()


# --- Learning events --------------------------------------------------------------------------


def test_learning_event_draws_on_shared_learning_of_the_lmns(world):
    shared = [make_learning(world.a1, status="shared"), make_learning(world.a2, status="shared")]
    event = services.learning_event_create(
        lmns=world.lmns_a, by=None, topic="Fresh eyes", held_on=days(7), themes=themes(), learning=shared
    )
    assert set(event.learning.all()) == set(shared)
    assert list(event.themes.all()) == themes()


@pytest.mark.parametrize(
    ("ods", "status"),
    [
        ("b1", LearningStatus.SHARED),
        ("a1", LearningStatus.DRAFT),
        ("a1", LearningStatus.SIGNED_OFF),
        ("a1", LearningStatus.SUBMITTED),
    ],
)
def test_learning_event_refuses_learning_not_shared_at_this_lmns(world, ods, status):
    learning = [make_learning(world.a1, status="shared"), make_learning(getattr(world, ods), status=status)]
    with pytest.raises(ValidationError) as excinfo:
        services.learning_event_create(
            lmns=world.lmns_a, by=None, topic="T", held_on=days(7), learning=learning
        )
    assert excinfo.value.message_dict == {"learning": ["Draw only on learning shared at this LMNS's SSIG."]}
    assert not LearningEvent.objects.filter(topic="T").exists()
