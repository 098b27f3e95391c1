"""IncidentFilter: every filter, ordering, and dropdowns that list only what the user may see."""

from datetime import timedelta

import pytest
from django.test import RequestFactory
from django.utils import timezone

from incidents.filters import IncidentFilter
from incidents.models import (
    ActionStatus,
    Incident,
    IncidentReferral,
    IncidentStatus,
    IncidentType,
    PhysicalHarm,
    PsychologicalHarm,
    ReferralBody,
    ResponseType,
    Theme,
)
from lmns.models import Role, Unit
from tests.factories import make_action, make_incident, make_learning, make_user

pytestmark = pytest.mark.django_db


def days(n: int):
    """A date ``n`` days from today (negative for the past)."""
    return timezone.localdate() + timedelta(days=n)


def incident_filter(user, **params) -> IncidentFilter:
    request = RequestFactory().get("/incidents/", params)
    request.user = user
    return IncidentFilter(request.GET, queryset=Incident.objects.visible_to(user), request=request)


@pytest.fixture
def officer(world):
    return world.personas[f"lmns:{Role.LMNS_OFFICER}"]


@pytest.fixture
def types(db):
    return list(IncidentType.objects.order_by("pk")[:2])


@pytest.fixture
def incidents(world, types, officer):
    """Three incidents the LMNS officer sees (two at A1, one at A2) and one at B1 they don't."""
    first_type, second_type = types
    return {
        "F-1": make_incident(
            world.a1,
            local_reference="F-1",
            unit=world.a1.units.get(),
            occurred_on=days(-30),
            reported_on=days(-29),
            incident_type=first_type,
            physical_harm=PhysicalHarm.LOW,
            psychological_harm=PsychologicalHarm.NONE,
            response_type=ResponseType.PSII,
            status=IncidentStatus.UNDER_REVIEW,
            mnsi_referred_on=days(-20),
            summary="Shoulder dystocia with delayed call for help.",
        ),
        "F-2": make_incident(
            world.a1,
            local_reference="F-2",
            occurred_on=days(-10),
            reported_on=days(-10),
            incident_type=second_type,
            physical_harm=PhysicalHarm.SEVERE,
            psychological_harm=PsychologicalHarm.MODERATE,
            response_type=ResponseType.AFTER_ACTION_REVIEW,
            status=IncidentStatus.REPORTED,
            pmrt_referred_on=days(-5),
            coroner_referred_on=days(-4),
            summary="Stillbirth after reduced fetal movements.",
            immediate_actions="Bereavement midwife informed.",
        ),
        "F-3": make_incident(
            world.a2,
            local_reference="F-3",
            unit=world.a2.units.get(),
            occurred_on=days(-5),
            reported_on=days(-5),
            incident_type=first_type,
            physical_harm=PhysicalHarm.NONE,
            psychological_harm=PsychologicalHarm.LOW,
            status=IncidentStatus.CLOSED,
            summary="Wrong blood group label.",
        ),
        "F-4": make_incident(
            world.b1,
            local_reference="F-4",
            occurred_on=days(-5),
            reported_on=days(-5),
            incident_type=first_type,
            physical_harm=PhysicalHarm.SEVERE,
            status=IncidentStatus.CLOSED,
            mnsi_referred_on=days(-3),
        ),
    }


def refs(filterset, incidents) -> list[str]:
    """References of this test's incidents in the filter's result, in its order."""
    assert filterset.is_valid(), filterset.errors
    mine = {incident.pk for incident in incidents.values()}
    return [incident.local_reference for incident in filterset.qs if incident.pk in mine]


# --- Results --------------------------------------------------------------------------------------


def test_no_filter_lists_every_visible_incident_only(world, officer, incidents):
    filterset = incident_filter(officer)
    assert set(refs(filterset, incidents)) == {"F-1", "F-2", "F-3"}
    assert {incident.provider for incident in filterset.qs} <= {world.a1, world.a2}


def test_filter_by_provider(world, officer, incidents):
    assert set(refs(incident_filter(officer, provider=world.a1.pk), incidents)) == {"F-1", "F-2"}
    assert refs(incident_filter(officer, provider=world.a2.pk), incidents) == ["F-3"]


def test_filter_by_unit(world, officer, incidents):
    assert refs(incident_filter(officer, unit=world.a1.units.get().pk), incidents) == ["F-1"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"occurred_from": -10}, {"F-2", "F-3"}),
        ({"occurred_to": -10}, {"F-1", "F-2"}),
        ({"occurred_from": -10, "occurred_to": -10}, {"F-2"}),
        ({"occurred_from": -29, "occurred_to": -6}, {"F-2"}),
        ({"occurred_from": -4}, set()),
    ],
)
def test_filter_by_date_range_is_inclusive(world, officer, incidents, params, expected):
    params = {name: days(offset).isoformat() for name, offset in params.items()}
    assert set(refs(incident_filter(officer, **params), incidents)) == expected


def test_filter_by_type(world, officer, incidents, types):
    assert set(refs(incident_filter(officer, incident_type=types[0].pk), incidents)) == {"F-1", "F-3"}
    assert refs(incident_filter(officer, incident_type=types[1].pk), incidents) == ["F-2"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"physical_harm": PhysicalHarm.SEVERE}, {"F-2"}),
        ({"physical_harm": PhysicalHarm.NONE}, {"F-3"}),
        ({"physical_harm": PhysicalHarm.FATAL}, set()),
        ({"psychological_harm": PsychologicalHarm.LOW}, {"F-3"}),
        ({"psychological_harm": PsychologicalHarm.NONE}, {"F-1"}),
        ({"physical_harm": PhysicalHarm.LOW, "psychological_harm": PsychologicalHarm.NONE}, {"F-1"}),
    ],
)
def test_filter_by_harm(world, officer, incidents, params, expected):
    assert set(refs(incident_filter(officer, **params), incidents)) == expected


@pytest.mark.parametrize(
    ("response_type", "expected"),
    [
        (ResponseType.PSII, {"F-1"}),
        (ResponseType.AFTER_ACTION_REVIEW, {"F-2"}),
        (ResponseType.SWARM_HUDDLE, set()),
    ],
)
def test_filter_by_learning_response(world, officer, incidents, response_type, expected):
    assert set(refs(incident_filter(officer, response_type=response_type), incidents)) == expected


@pytest.mark.parametrize(
    ("referral", "expected"),
    [
        ("any", {"F-1", "F-2"}),
        ("mnsi", {"F-1"}),
        ("pmrt", {"F-2"}),
        ("coroner", {"F-2"}),
        ("mbrrace", set()),
    ],
)
def test_filter_by_referral(world, officer, incidents, referral, expected):
    assert set(refs(incident_filter(officer, referral=referral), incidents)) == expected


def test_the_referral_choices_are_the_active_bodies_the_user_sees_in_order(world, officer):
    ReferralBody.objects.filter(code="mbrrace").update(is_active=False)
    ReferralBody.objects.filter(code="coroner").update(order=1)
    ReferralBody.objects.create(code="a_panel", label="A's own panel", lmns=world.a1.lmns, order=5)
    ReferralBody.objects.create(code="b_panel", label="B's own panel", lmns=world.b1.lmns, order=5)
    choices = [code for code, _ in incident_filter(officer, referral="any").form.fields["referral"].choices]
    assert choices == ["", "any", "coroner", "a_panel", "mnsi", "pmrt"]
    # A retired body, or another LMNS's, is not a choice: asking for it is an error.
    assert not incident_filter(officer, referral="mbrrace").is_valid()
    assert not incident_filter(officer, referral="b_panel").is_valid()


def test_filter_by_a_body_an_lmns_added(world, officer, incidents):
    panel = ReferralBody.objects.create(code="a_panel", label="A's own panel", lmns=world.a1.lmns)
    IncidentReferral.objects.create(incident=incidents["F-3"], body=panel, referred_on=days(-1))
    assert set(refs(incident_filter(officer, referral="a_panel"), incidents)) == {"F-3"}
    assert set(refs(incident_filter(officer, referral="any"), incidents)) == {"F-1", "F-2", "F-3"}


def test_filter_by_referral_lists_an_incident_referred_to_two_bodies_once(world, officer, incidents):
    assert refs(incident_filter(officer, referral="any", provider=world.a1.pk, q="F-2"), incidents) == ["F-2"]


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (IncidentStatus.REPORTED, {"F-2"}),
        (IncidentStatus.UNDER_REVIEW, {"F-1"}),
        (IncidentStatus.CLOSED, {"F-3"}),
        (IncidentStatus.RESPONSE_UNDERWAY, set()),
    ],
)
def test_filter_by_status(world, officer, incidents, status, expected):
    assert set(refs(incident_filter(officer, status=status), incidents)) == expected


def test_filter_by_learning_theme(world, officer, incidents):
    first, second = Theme.objects.order_by("-pk")[:2]
    make_learning(world.a1, themes=[first], incidents=[incidents["F-1"]])
    # Two themes and two incidents: each incident must still appear once.
    make_learning(world.a1, themes=[first, second], incidents=[incidents["F-1"], incidents["F-2"]])
    make_learning(world.a2, themes=[second], incidents=[incidents["F-3"]])
    assert refs(incident_filter(officer, theme=first.pk, order="reference"), incidents) == ["F-1", "F-2"]
    assert refs(incident_filter(officer, theme=second.pk, order="reference"), incidents) == [
        "F-1",
        "F-2",
        "F-3",
    ]


@pytest.fixture
def actions(world, incidents):
    owner = make_user()
    make_action(world.a1, owner=owner, incident=incidents["F-1"], due_on=days(-1))
    make_action(world.a1, owner=owner, incident=incidents["F-1"], due_on=days(10))
    make_action(
        world.a1,
        owner=owner,
        incident=incidents["F-2"],
        due_on=days(-30),
        status=ActionStatus.COMPLETED,
        completion_evidence="Audit.",
    )
    make_action(world.a2, owner=owner, incident=incidents["F-3"], due_on=days(0))
    return owner


def test_filter_by_overdue_actions(world, officer, incidents, actions):
    assert refs(incident_filter(officer, overdue="true"), incidents) == ["F-1"]


def test_filter_without_overdue_actions(world, officer, incidents, actions):
    assert set(refs(incident_filter(officer, overdue="false"), incidents)) == {"F-2", "F-3"}


def test_filter_without_overdue_actions_when_an_overdue_action_has_no_incident(
    world, officer, incidents, actions
):
    # NOT IN over a subquery holding a NULL incident id would match no incident at all.
    make_action(world.a2, owner=actions, learning=make_learning(world.a2), due_on=days(-3))
    assert set(refs(incident_filter(officer, overdue="false"), incidents)) == {"F-2", "F-3"}


def test_search_by_reference_and_text(world, officer, incidents):
    assert refs(incident_filter(officer, q="f-3"), incidents) == ["F-3"]
    assert refs(incident_filter(officer, q="stillbirth"), incidents) == ["F-2"]
    assert refs(incident_filter(officer, q="bereavement midwife"), incidents) == ["F-2"]


def test_filters_combine(world, officer, incidents, types):
    params = {"provider": world.a1.pk, "incident_type": types[0].pk, "referral": "any"}
    assert refs(incident_filter(officer, **params), incidents) == ["F-1"]


@pytest.mark.parametrize(
    ("order", "expected"),
    [
        ("reference", ["F-1", "F-2", "F-3"]),
        ("-reference", ["F-3", "F-2", "F-1"]),
        ("occurred", ["F-1", "F-2", "F-3"]),
        ("-occurred", ["F-3", "F-2", "F-1"]),
        ("reported", ["F-1", "F-2", "F-3"]),
        ("status", ["F-3", "F-2", "F-1"]),  # closed, reported, under_review
        ("-status", ["F-1", "F-2", "F-3"]),
    ],
)
def test_ordering(world, officer, incidents, order, expected):
    assert refs(incident_filter(officer, order=order), incidents) == expected


def test_ordering_by_provider(world, officer, incidents):
    ordered = refs(incident_filter(officer, order="provider"), incidents)
    assert ordered.index("F-3") == 2  # Albatross (A2) after Aardvark (A1)
    ordered = refs(incident_filter(officer, order="-provider"), incidents)
    assert ordered.index("F-3") == 0


@pytest.mark.parametrize("order", ["type", "-type"])
def test_ordering_by_type(world, officer, incidents, order):
    names = [
        incidents[ref].incident_type.name for ref in refs(incident_filter(officer, order=order), incidents)
    ]
    assert names == sorted(names, reverse=order.startswith("-"))
    assert len(set(names)) == 2


def test_unknown_ordering_is_refused(world, officer, incidents):
    assert not incident_filter(officer, order="summary").is_valid()


# --- Dropdowns --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "persona",
    [
        f"provider:{Role.PROVIDER_LEAD}",
        f"provider:{Role.PROVIDER_CONTRIBUTOR}",
        f"lmns:{Role.LMNS_OFFICER}",
        f"lmns:{Role.LMNS_SAFETY_LEAD}",
        "superuser",
        "nobody",
    ],
)
def test_provider_and_unit_choices_are_only_what_the_user_can_see(world, persona):
    filterset = incident_filter(world.personas[persona])
    expected = world.visible_providers(persona)
    assert set(filterset.form.fields["provider"].queryset) == expected
    assert {unit.provider for unit in filterset.form.fields["unit"].queryset} == expected


def test_provider_user_with_shared_learning_elsewhere_still_sees_only_their_provider(world, alice):
    make_learning(world.a2, status="shared")
    assert list(incident_filter(alice).form.fields["provider"].queryset) == [world.a1]


def test_choosing_a_provider_the_user_cannot_see_is_refused(world, alice, officer, incidents):
    for user, provider in [(alice, world.a2), (officer, world.b1)]:
        filterset = incident_filter(user, provider=provider.pk)
        assert not filterset.is_valid()
        assert "provider" in filterset.errors


def test_choosing_a_unit_the_user_cannot_see_is_refused(world, officer, incidents):
    filterset = incident_filter(officer, unit=Unit.objects.get(provider=world.b1).pk)
    assert not filterset.is_valid()
    assert "unit" in filterset.errors
