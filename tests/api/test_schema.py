"""The OpenAPI schema: generated without warnings, without Freedom to Speak Up, and honoured
by the API itself (schemathesis, in-process over WSGI, with a provider lead's token)."""

import json

import pytest
import schemathesis
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from lmns.models import Role
from lmns.wsgi import application
from quality.api.services import api_token_create

pytestmark = pytest.mark.django_db

schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
schema.app = application
# Bounded so that every operation, in both modes, runs in CI in about a minute.
schema.config.generation.update(max_examples=6, deterministic=True, database="none")
# A made-up ODS code only ever meets a 404: ask for the world's provider A1, so that the
# quality figures' own response is checked against the schema too.
schema.config.parameters = {"path.ods_code": "AA1"}


def test_the_schema_generates_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))


def test_freedom_to_speak_up_is_not_in_the_schema():
    text = json.dumps(SchemaGenerator().get_schema(request=None, public=True)).lower()
    for word in ("ftsu", "speak", "concern", "guardian"):
        assert word not in text


def test_the_schema_marks_optional_only_what_the_api_lets_a_body_leave_out():
    components = SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]
    write = components["IncidentWriteRequest"]
    assert "duty_of_candour" not in write["required"]
    assert "not yet known" in write["properties"]["duty_of_candour"]["description"]
    assert {"local_reference", "incident_type", "physical_harm", "summary"} <= set(write["required"])


def test_the_reference_lists_are_documented_read_only():
    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    for path in ["/api/v1/incident-types/", "/api/v1/themes/", "/api/v1/units/"]:
        assert set(paths[path]) == {"get"}
        assert set(paths[path + "{id}/"]) == {"get"}
        assert paths[path]["get"]["description"]


@pytest.fixture
def wsgi_keeps_the_test_connection():
    """Called directly, the WSGI handler closes the database connection after each request,
    which on PostgreSQL ends the test's transaction; Django's test client holds it open the
    same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def lead_token(world, wsgi_keeps_the_test_connection):
    _token, secret = api_token_create(user=world.personas[f"provider:{Role.PROVIDER_LEAD}"], name="Fuzz")
    return secret


@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_the_api_honours_its_schema(case, lead_token):
    case.call_and_validate(
        headers={"Authorization": f"Bearer {lead_token}"},
        checks=[not_a_server_error, response_schema_conformance, content_type_conformance],
    )
