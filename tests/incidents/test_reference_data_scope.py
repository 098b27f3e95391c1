"""Deployment-wide incident types and themes are the deployment administrator's; an LMNS's
safety lead keeps entries of their own LMNS, which other LMNSs never see (issue 18, item 4)."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from incidents import services
from incidents.filters import IncidentFilter, LearningFilter
from incidents.forms import IncidentForm, LearningForm
from incidents.models import Incident, IncidentType, Theme
from lmns.models import Role
from tests.api.conftest import client_with_token
from tests.factories import make_incident, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead_a(world):
    return world.personas[f"lmns:{Role.LMNS_SAFETY_LEAD}"]


@pytest.fixture
def lead_b(world):
    return make_user("lmnsb-safety-lead", role=Role.LMNS_SAFETY_LEAD, lmns=world.lmns_b)


@pytest.fixture
def b_lead(world):
    """A provider lead at B1, in LMNS B."""
    return make_user("b1-lead", role=Role.PROVIDER_LEAD, provider=world.b1)


@pytest.fixture
def local_theme(world):
    return Theme.objects.create(name="Alpha's own theme", lmns=world.lmns_a)


@pytest.fixture
def local_type(world):
    return IncidentType.objects.create(name="Alpha's own type", group="service", lmns=world.lmns_a)


def _wide_theme():
    return Theme.objects.filter(lmns=None).order_by("pk").first()


def test_a_safety_lead_cannot_rename_or_retire_a_deployment_wide_entry(client, lead_a):
    theme = _wide_theme()
    client.force_login(lead_a)
    url = reverse("admin:incidents_theme_change", args=[theme.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()  # shown to read, not to change
    response = client.post(url, {"name": "Renamed by Alpha", "description": "", "lmns": ""})
    assert response.status_code == 403
    theme.refresh_from_db()
    assert theme.name != "Renamed by Alpha" and theme.is_active
    incident_type = IncidentType.objects.filter(lmns=None).first()
    url = reverse("admin:incidents_incidenttype_change", args=[incident_type.pk])
    assert client.post(url, {"name": incident_type.name, "group": incident_type.group}).status_code == 403
    incident_type.refresh_from_db()
    assert incident_type.is_active


def test_a_safety_lead_adds_a_local_entry_for_their_own_lmns_only(client, lead_a, world):
    client.force_login(lead_a)
    add = reverse("admin:incidents_incidenttype_add")
    elsewhere = client.post(
        add, {"name": "Beta's", "group": "service", "is_active": "on", "lmns": world.lmns_b.pk}
    )
    assert elsewhere.status_code == 200  # the form refuses another LMNS
    wide = client.post(add, {"name": "Everyone's", "group": "service", "is_active": "on", "lmns": ""})
    assert wide.status_code == 200  # and a deployment-wide entry
    own = client.post(
        add, {"name": "Alpha's", "group": "service", "is_active": "on", "lmns": world.lmns_a.pk}
    )
    assert own.status_code == 302
    assert list(IncidentType.objects.filter(name__in=["Beta's", "Everyone's", "Alpha's"])) == [
        IncidentType.objects.get(name="Alpha's", lmns=world.lmns_a)
    ]


def test_a_safety_lead_edits_their_local_entry_and_the_history_says_who(client, lead_a, local_theme, world):
    client.force_login(lead_a)
    url = reverse("admin:incidents_theme_change", args=[local_theme.pk])
    response = client.post(url, {"name": "Alpha's renamed theme", "description": "Why", "is_active": ""})
    assert response.status_code == 302
    local_theme.refresh_from_db()
    assert (local_theme.name, local_theme.is_active, local_theme.lmns) == (
        "Alpha's renamed theme",
        False,
        world.lmns_a,
    )
    latest = local_theme.history.first()
    assert (latest.history_type, latest.history_user, latest.name) == ("~", lead_a, "Alpha's renamed theme")


def test_the_deployment_administrator_changes_a_deployment_wide_entry_with_history(client, world):
    theme = _wide_theme()
    admin = world.personas["superuser"]
    client.force_login(admin)
    url = reverse("admin:incidents_theme_change", args=[theme.pk])
    response = client.post(
        url, {"name": "Renamed for everyone", "description": "", "is_active": "on", "lmns": ""}
    )
    assert response.status_code == 302
    assert theme.history.first().history_user == admin
    assert theme.history.first().name == "Renamed for everyone"


def test_another_lmns_safety_lead_neither_sees_nor_changes_a_local_entry(client, lead_b, local_theme):
    client.force_login(lead_b)
    changelist = client.get(reverse("admin:incidents_theme_changelist")).content.decode()
    assert "Alpha&#x27;s own theme" not in changelist and "Alpha's own theme" not in changelist
    assert _wide_theme().name in changelist
    url = reverse("admin:incidents_theme_change", args=[local_theme.pk])
    client.post(url, {"name": "Taken over", "description": "", "is_active": "on"})
    local_theme.refresh_from_db()
    assert local_theme.name == "Alpha's own theme"


def test_names_are_unique_within_a_scope_only(world, local_theme):
    Theme(name="Alpha's own theme", lmns=world.lmns_b).full_clean()  # another LMNS may use the name
    with pytest.raises(ValidationError):
        Theme(name="alpha's own theme", lmns=world.lmns_a).full_clean()
    with pytest.raises(ValidationError):
        Theme(name=_wide_theme().name.upper(), lmns=world.lmns_b).full_clean()


def test_other_lmnss_users_never_see_a_local_entry_in_forms_or_filters(
    world, b_lead, local_theme, local_type
):
    a_lead = world.personas[f"provider:{Role.PROVIDER_LEAD}"]
    for user, sees in ((a_lead, True), (b_lead, False)):
        themes = LearningForm(user=user).fields["themes"].queryset
        types = IncidentForm(user=user).fields["incident_type"].queryset
        request = type("Request", (), {"user": user})()
        incident_filter = IncidentFilter(queryset=Incident.objects.none(), request=request)
        learning_filter = LearningFilter(
            queryset=None, request=request, providers=world.b1.lmns.providers.all()
        )
        assert (local_theme in themes) is sees
        assert (local_type in types) is sees
        assert (local_type in incident_filter.form.fields["incident_type"].queryset) is sees
        assert (local_theme in incident_filter.form.fields["theme"].queryset) is sees
        assert (local_theme in learning_filter.form.fields["theme"].queryset) is sees
        assert _wide_theme() in themes


def test_the_api_refuses_another_lmnss_local_entry(world, b_lead, local_theme, local_type):
    api = client_with_token(b_lead)
    assert api.get("/api/v1/learning/", {"theme": local_theme.pk}).status_code == 400
    assert api.get("/api/v1/learning/", {"theme": _wide_theme().pk}).status_code == 200
    body = {
        "provider": world.b1.ods_code,
        "local_reference": "B-LOCAL-TYPE",
        "occurred_on": "2026-01-02",
        "reported_on": "2026-01-03",
        "incident_type": local_type.pk,
        "physical_harm": "low",
        "psychological_harm": "none",
        "summary": "Delay.",
        "duty_of_candour": "not_applicable",
    }
    response = api.post("/api/v1/incidents/", body, format="json")
    assert response.status_code == 400
    assert "incident_type" in response.json()


def test_records_of_one_lmns_cannot_hold_anothers_local_entries(world, local_theme, local_type):
    by = world.personas["superuser"]
    incident = make_incident(world.b1, local_reference="B-TYPE")
    with pytest.raises(ValidationError, match="Choose entries used in this LMNS"):
        services.incident_update(incident=incident, by=by, incident_type=local_type)
    fields = {
        name: getattr(incident, name)
        for name in ("occurred_on", "reported_on", "summary", "physical_harm", "psychological_harm")
    }
    with pytest.raises(ValidationError, match="Choose entries used in this LMNS"):
        services.incident_create(
            provider=world.b1, by=by, local_reference="B-NEW", incident_type=local_type, **fields
        )
    assert services.incident_update(
        incident=incident, by=by, incident_type=IncidentType.objects.filter(is_death=False).first()
    )
    with pytest.raises(ValidationError, match="Choose entries used in this LMNS"):
        services.learning_create(
            provider=world.b1,
            by=world.personas["superuser"],
            title="Learning",
            what_happened="a",
            what_we_learned="b",
            what_we_changed="c",
            themes=[local_theme],
        )


def test_ssig_outcomes_and_learning_events_hold_only_their_lmnss_themes(world, local_theme):
    by = world.personas["superuser"]
    meeting = world.record("meeting", world.b1)
    with pytest.raises(ValidationError, match="Choose entries used in this LMNS"):
        services.ssig_meeting_record_outcomes(
            meeting=meeting,
            by=by,
            attended_by=[],
            attendees="",
            themes_agreed=[local_theme],
            escalations="",
            learning_event_topics="",
        )
    with pytest.raises(ValidationError, match="Choose entries used in this LMNS"):
        services.learning_event_create(
            lmns=world.lmns_b, by=by, topic="Event", held_on="2026-05-01", themes=[local_theme]
        )
    event = services.learning_event_create(
        lmns=world.lmns_a, by=by, topic="Event", held_on="2026-05-01", themes=[local_theme]
    )
    assert list(event.themes.all()) == [local_theme]


def test_the_admin_history_page_shows_a_local_entrys_changes_to_its_own_lmns_only(
    client, lead_a, lead_b, local_theme
):
    client.force_login(lead_a)
    url = reverse("admin:incidents_theme_change", args=[local_theme.pk])
    client.post(url, {"name": "Alpha's renamed theme", "description": "", "is_active": "on"})
    history = reverse("admin:incidents_theme_history", args=[local_theme.pk])
    page = client.get(history)
    assert page.status_code == 200
    assert (
        "Alpha&#x27;s renamed theme" in page.content.decode()
        or "Alpha's renamed theme" in page.content.decode()
    )
    client.force_login(lead_b)
    assert client.get(history).status_code in {302, 403, 404}
