"""'Moderate harm or worse' counts psychological harm as well as physical, in every place
that counts it: the quality view, the board pack, the API, the pre-visit pack and the
incident list its figure links to."""

import io
from datetime import date

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from incidents.models import Incident
from tests.api.conftest import client_with_token
from tests.factories import make_incident, make_visit

pytestmark = pytest.mark.django_db

OCTOBER = "2026-10"
LABEL = "Moderate or worse harm (physical or psychological)"


@pytest.fixture
def psychological(trust, today):
    """One incident in October with low physical but moderate psychological harm, and one
    with low harm of both kinds, which is not counted."""
    make_incident(
        trust.provider, local_reference="PSY", occurred_on=date(2026, 10, 5), psychological_harm="moderate"
    )
    make_incident(
        trust.provider, local_reference="LOW", occurred_on=date(2026, 10, 6), psychological_harm="low"
    )
    return Incident.objects.get(local_reference="PSY")


@pytest.mark.parametrize(
    ("physical", "psychological", "counted"),
    [
        ("none", "moderate", True),
        ("low", "severe", True),
        ("moderate", "none", True),
        ("fatal", "none", True),
        ("low", "low", False),
    ],
)
def test_one_definition_for_the_model_and_the_queryset(trust, physical, psychological, counted):
    incident = make_incident(trust.provider, physical_harm=physical, psychological_harm=psychological)
    assert incident.is_moderate_or_worse is counted
    assert Incident.objects.moderate_or_worse().filter(pk=incident.pk).exists() is counted


def test_the_quality_view_counts_it_and_links_to_exactly_those_incidents(client, trust, psychological):
    client.force_login(trust.lead)
    response = client.get(reverse("lmns:quality-provider", kwargs={"ods_code": "QQA"}), {"month": OCTOBER})
    row = next(
        row for domain in response.context["view"].domains for row in domain.rows if row.label == LABEL
    )
    assert row.value == "1"
    assert "1 incident with moderate or worse harm, physical or psychological, in October 2026" in (
        response.content.decode()
    )
    listed = client.get(row.url).context["page"].object_list
    assert [incident.local_reference for incident in listed] == ["PSY"]


def test_the_board_pack_counts_it(client, trust, psychological):
    client.force_login(trust.board)
    url = reverse("lmns:board-pack-workbook", kwargs={"ods_code": "QQA"})
    workbook = load_workbook(io.BytesIO(client.get(url, {"month": OCTOBER}).content))
    row = next(row for row in workbook["Incidents"].iter_rows(values_only=True) if row[1] == LABEL)
    assert row[2] == 1


def test_the_api_counts_it(trust, psychological):
    response = client_with_token(trust.lead).get("/api/v1/quality/QQA/", {"month": OCTOBER})
    rows = [row for domain in response.json()["domains"] for row in domain["rows"] if row["label"] == LABEL]
    assert [row["value"] for row in rows] == ["1"]


def test_the_pre_visit_pack_counts_it(client, trust, psychological):
    visit = make_visit(trust.provider, created_by=trust.officer, visit_on=date(2026, 12, 1))
    client.force_login(trust.officer)
    response = client.get(reverse("assurance:visit-pack", kwargs={"pk": visit.pk}))
    assert response.context["pack"].moderate_or_worse == 1
    workbook = load_workbook(
        io.BytesIO(client.get(reverse("assurance:visit-pack-workbook", kwargs={"pk": visit.pk})).content)
    )
    summary = dict(row for row in workbook["Summary"].iter_rows(values_only=True) if len(row) == 2 and row[0])
    assert summary["of which moderate or worse harm, physical or psychological"] == 1


def test_the_incident_page_says_so(client, trust, psychological):
    client.force_login(trust.lead)
    page = client.get(psychological.get_absolute_url()).content.decode()
    assert "Yes (physical or psychological)" in page
