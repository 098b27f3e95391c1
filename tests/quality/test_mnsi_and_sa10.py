"""What MNSI and NHS Resolution's Early Notification scheme did with an incident: recorded
coherently, shown and edited on the incident's pages and in the API, MNSI's recommendations
taken on as safety actions, and MIS safety action 10's position read from these records."""

import io
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from incidents import services
from incidents.models import ActionSource, SafetyAction
from tests.api.conftest import client_with_token
from tests.factories import make_incident

pytestmark = pytest.mark.django_db

OCTOBER = "2026-10"
REFERRED = {
    "occurred_on": date(2026, 10, 5),
    "reported_on": date(2026, 10, 5),
    "mnsi_referred_on": date(2026, 10, 7),
}


def oct_(day):
    """A day counted from the start of October 2026 (61 is 30 November, in the future)."""
    return date(2026, 10, 1) + timedelta(days=day - 1)


ACCEPTED = {**REFERRED, "mnsi_decision": "accepted", "mnsi_decision_on": date(2026, 10, 9)}


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"occurred_on": oct_(5), "mnsi_decision": "accepted", "mnsi_decision_on": oct_(9)},
         "mnsi_decision"),
        ({"occurred_on": oct_(5), "mnsi_family_told_on": oct_(6)}, "mnsi_family_told_on"),
        ({**REFERRED, "mnsi_decision": "accepted"}, "mnsi_decision_on"),
        ({**REFERRED, "mnsi_decision_on": oct_(9)}, "mnsi_decision"),
        ({**REFERRED, "mnsi_decision": "accepted", "mnsi_decision_on": oct_(6)}, "mnsi_decision_on"),
        ({**REFERRED, "mnsi_decision": "accepted", "mnsi_decision_on": oct_(61)}, "mnsi_decision_on"),
        ({**REFERRED, "mnsi_decision": "declined", "mnsi_decision_on": oct_(9)}, "mnsi_decision_reason"),
        ({**REFERRED, "mnsi_decision": "declined", "mnsi_decision_on": oct_(9),
          "mnsi_decision_reason": "Pre-labour caesarean", "mnsi_report_received_on": date(2026, 11, 1)},
         "mnsi_report_received_on"),
        ({**ACCEPTED, "mnsi_report_received_on": oct_(8)}, "mnsi_report_received_on"),
        ({**REFERRED, "mnsi_family_told_on": oct_(4)}, "mnsi_family_told_on"),
        ({**REFERRED, "early_notification": "not_referred", "early_notification_reference": "EN-1"},
         "early_notification_reference"),
    ],
)  # fmt: skip
def test_incoherent_mnsi_and_early_notification_records_are_refused(trust, today, fields, field):
    incident = make_incident(trust.provider, **fields)
    with pytest.raises(ValidationError) as refused:
        incident.full_clean()
    assert field in refused.value.message_dict


def test_a_coherent_record_is_edited_on_the_form_and_shown_on_the_page_and_in_the_api(client, trust, today):
    incident = make_incident(trust.provider, **REFERRED, mnsi_reference="MI-0001")
    client.force_login(trust.lead)
    form = client.get(reverse("incidents:incident-edit", kwargs={"pk": incident.pk})).context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None and name in form.fields}
    data |= {
        "mnsi_qualifying": "true",
        "mnsi_family_told_on": "2026-10-06",
        "mnsi_decision": "declined",
        "mnsi_decision_on": "2026-10-20",
        "mnsi_decision_reason": "Born before 37 weeks.",
        "early_notification": "referred",
        "early_notification_reference": "EN-42",
    }
    response = client.post(reverse("incidents:incident-edit", kwargs={"pk": incident.pk}), data)
    assert response.status_code == 302, response.context["form"].errors
    incident.refresh_from_db()
    assert (incident.mnsi_decision, incident.early_notification_reference) == ("declined", "EN-42")
    page = client.get(incident.get_absolute_url()).content.decode()
    for shown in [
        "Declined on 20 October 2026",
        "Born before 37 weeks.",
        "6 October 2026",
        "Referred (ref. EN-42)",
    ]:
        assert shown in page
    answer = client_with_token(trust.lead).get(f"/api/v1/incidents/{incident.pk}/").json()
    assert answer["early_notification"] == "referred"
    assert (answer["mnsi_decision_on"], answer["mnsi_family_told_on"]) == ("2026-10-20", "2026-10-06")


def test_mnsis_recommendation_becomes_a_safety_action_of_the_provider(client, trust, today):
    incident = make_incident(trust.provider, **ACCEPTED)
    with pytest.raises(ValidationError):  # no report yet, so no recommendations
        services.safety_action_from_mnsi(
            incident=incident,
            recommendation="r",
            reference="1",
            owner=trust.lead,
            due_on=today,
            by=trust.lead,
        )
    incident.mnsi_report_received_on = date(2026, 11, 2)
    incident.save()
    client.force_login(trust.lead)
    url = reverse("incidents:incident-mnsi-action", kwargs={"pk": incident.pk})
    assert url in client.get(incident.get_absolute_url()).content.decode()
    response = client.post(
        url,
        {
            "reference": "SR2",
            "recommendation": "Review fetal monitoring escalation in the latent phase.",
            "owner": trust.lead.pk,
            "due_on": "2027-02-01",
        },
    )
    assert response.url == incident.get_absolute_url()
    action = SafetyAction.objects.get()
    assert (action.provider, action.incident, action.source, action.source_reference) == (
        trust.provider,
        incident,
        ActionSource.MNSI,
        "SR2",
    )
    assert "MNSI SR2" in client.get(incident.get_absolute_url()).content.decode()


def _sa10_cases(provider):
    make_incident(provider, local_reference="TOLD", **REFERRED, mnsi_family_told_on=date(2026, 10, 6),
                  early_notification="referred")  # fmt: skip
    make_incident(provider, local_reference="UNTOLD", **REFERRED, early_notification="not_referred")
    make_incident(provider, local_reference="MISSED", occurred_on=date(2026, 10, 8), mnsi_qualifying=True)
    make_incident(provider, local_reference="OUT", occurred_on=date(2026, 10, 9), mnsi_qualifying=False,
                  early_notification="not_eligible")  # fmt: skip
    make_incident(provider, local_reference="NEXT", occurred_on=date(2026, 11, 2), mnsi_qualifying=True)


def test_mis_safety_action_10_is_read_from_the_records_on_the_quality_view(client, trust, today):
    _sa10_cases(trust.provider)
    client.force_login(trust.lead)
    response = client.get(reverse("lmns:quality-provider", kwargs={"ods_code": "QQA"}), {"month": OCTOBER})
    rows = {
        row.label.removeprefix("MIS safety action 10: "): row
        for domain in response.context["view"].domains
        for row in domain.rows
        if row.label.startswith("MIS safety action 10")
    }
    assert {label: (row.value, row.rating.rag) for label, row in rows.items()} == {
        "Qualifying cases referred to MNSI": ("2 of 3", "red"),
        "Eligible cases referred to NHS Resolution's Early Notification scheme": ("1 of 2", "red"),
        "Families told of the MNSI referral": ("1 of 2", "red"),
    }
    gaps = {
        label: [incident.local_reference for incident in client.get(row.url).context["page"].object_list]
        for label, row in rows.items()
    }
    assert gaps == {
        "Qualifying cases referred to MNSI": ["MISSED"],
        "Eligible cases referred to NHS Resolution's Early Notification scheme": ["UNTOLD"],
        "Families told of the MNSI referral": ["UNTOLD"],
    }
    workbook = load_workbook(
        io.BytesIO(
            client.get(
                reverse("lmns:board-pack-workbook", kwargs={"ods_code": "QQA"}), {"month": OCTOBER}
            ).content
        )
    )
    assert any(
        row[1] == "MIS safety action 10: Qualifying cases referred to MNSI" and row[2] == "2 of 3"
        for row in workbook["Incidents"].iter_rows(values_only=True)
    )


def test_a_period_with_no_qualifying_case_is_not_rated(client, trust, today):
    client.force_login(trust.lead)
    response = client.get(reverse("lmns:quality-provider", kwargs={"ods_code": "QQA"}), {"month": OCTOBER})
    rows = [
        row for domain in response.context["view"].domains for row in domain.rows if "action 10" in row.label
    ]
    assert [(row.value, row.rating) for row in rows] == [("None due", None)] * 3
