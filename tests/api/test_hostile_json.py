"""Bodies that Python's json module parses (or chokes on) but no record can hold: 400, not 500."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from incidents.models import Incident, IncidentType
from lmns.models import Role
from quality.api.parsers import MAX_DEPTH, nesting_depth
from tests.api.conftest import client_with_token

pytestmark = pytest.mark.django_db

INCIDENTS = "/api/v1/incidents/"


@pytest.fixture
def lead(world):
    return client_with_token(world.personas[f"provider:{Role.PROVIDER_LEAD}"])


def _incident_json(world, summary: str) -> str:
    today = timezone.localdate()
    body = {
        "provider": world.a1.ods_code,
        "local_reference": "DATIX-HOSTILE-1",
        "occurred_on": (today - timedelta(days=3)).isoformat(),
        "reported_on": (today - timedelta(days=2)).isoformat(),
        "incident_type": IncidentType.objects.order_by("pk").first().pk,
        "physical_harm": "low",
        "psychological_harm": "none",
        "summary": "SUMMARY",
        "duty_of_candour": "not_applicable",
    }
    # json.dumps would escape a real surrogate the same way; the raw text is what an attacker sends.
    return json.dumps(body).replace('"SUMMARY"', summary)


def test_a_lone_surrogate_posted_is_refused_and_nothing_is_saved(world, lead):
    response = lead.post(INCIDENTS, _incident_json(world, r'"Delay \ud800"'), content_type="application/json")
    assert response.status_code == 400
    assert "surrogate" in response.json()["detail"]
    assert not Incident.objects.filter(local_reference="DATIX-HOSTILE-1").exists()


def test_a_lone_surrogate_in_a_key_is_refused(world, lead):
    response = lead.post(INCIDENTS, '{"\\udfff": 1}', content_type="application/json")
    assert response.status_code == 400


def test_a_lone_surrogate_patched_is_refused_and_the_record_is_unchanged(world, lead):
    incident = world.record("incident", world.a1)
    response = lead.patch(
        f"{INCIDENTS}{incident.pk}/", '{"summary": "Revised \\ud800"}', content_type="application/json"
    )
    assert response.status_code == 400
    incident.refresh_from_db()
    assert "Revised" not in incident.summary


def test_a_surrogate_pair_is_a_character_like_any_other(world, lead):
    # U+1F600 written as the pair JSON uses for it: valid, and stored.
    response = lead.post(
        INCIDENTS, _incident_json(world, r'"Delay \ud83d\ude00"'), content_type="application/json"
    )
    assert response.status_code == 201, response.content
    assert Incident.objects.get(local_reference="DATIX-HOSTILE-1").summary == "Delay \U0001f600"


@pytest.mark.parametrize("opening", ["[", '{"a":'])
def test_json_nested_100000_deep_is_refused(world, lead, opening):
    closing = "]" if opening == "[" else "}"
    body = opening * 100_000 + "1" + closing * 100_000
    for method in (lead.post, lead.patch):
        url = INCIDENTS if method == lead.post else f"{INCIDENTS}{world.record('incident', world.a1).pk}/"
        response = method(url, body, content_type="application/json")
        assert response.status_code == 400
        assert f"at most {MAX_DEPTH} levels" in response.json()["detail"]


def test_a_body_at_the_depth_limit_is_parsed_and_answered_field_by_field(world, lead):
    nested = "[" * (MAX_DEPTH - 1) + "1" + "]" * (MAX_DEPTH - 1)
    body = _incident_json(world, '"x"').replace("}", f', "extra": {nested}}}')
    response = lead.post(INCIDENTS, body, content_type="application/json")
    # The serializer saw it: it names the field, where a refused parse says "detail".
    assert response.status_code == 400
    assert list(response.json()) == ["extra"]


def test_brackets_inside_strings_do_not_count_towards_depth():
    assert nesting_depth('{"a": "[[[[{{{{", "b": [1, {"c": "\\"]]]"}]}') == 3
