"""The audit trail: who changed what, recorded through the pages and shown on each record's
History page to exactly those who may read the record (issue #9).

Who may open which History page is walked by tests/test_access_matrix.py; FTSU secrecy of
History pages by tests/workforce/test_concern_secrecy.py.
"""

import base64
from datetime import datetime, time, timedelta

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from simple_history.manager import HistoryDescriptor

from assurance.services import assessment_start
from incidents.models import Incident, IncidentType, Learning, LearningStatus
from incidents.services import learning_submit, ssig_meeting_hold
from lmns.historical_records import OneClassHistoryDescriptor
from lmns.history import PER_PAGE
from lmns.models import Role
from tests.factories import make_framework, make_learning, make_meeting
from workforce.models import FtsuConcern

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
GUARDIAN = f"provider:{Role.PROVIDER_FTSU_GUARDIAN}"
FTSU_LEAD = f"lmns:{Role.LMNS_FTSU_LEAD}"


def _squash(response) -> str:
    """The page with its runs of white space made single spaces."""
    return " ".join(response.content.decode().split())


def _incident_form(world, **overrides):
    return {
        "provider": world.a1.pk,
        "local_reference": "DATIX-900",
        "occurred_on": (TODAY - timedelta(days=3)).isoformat(),
        "reported_on": (TODAY - timedelta(days=2)).isoformat(),
        "incident_type": IncidentType.objects.order_by("pk").first().pk,
        "physical_harm": "moderate",
        "psychological_harm": "low",
        "summary": "Delayed review of a deteriorating MEOWS score on the postnatal ward.",
        "duty_of_candour": "applies",
        **overrides,
    }


def test_changes_made_through_the_pages_are_recorded_with_who_made_them(client, world, alice, bob):
    client.force_login(bob)
    client.post(reverse("incidents:incident-create"), _incident_form(world))
    incident = Incident.objects.get(local_reference="DATIX-900")
    client.force_login(alice)
    response = client.post(
        reverse("incidents:incident-edit", kwargs={"pk": incident.pk}),
        _incident_form(world, physical_harm="severe"),
    )
    assert response.status_code == 302
    created, changed = incident.history.order_by("history_id")
    assert (created.history_type, created.history_user) == ("+", bob)
    assert (changed.history_type, changed.history_user, changed.physical_harm) == ("~", alice, "severe")


def test_the_history_page_shows_each_change_field_by_field_with_labels(client, world, alice, bob):
    client.force_login(bob)
    client.post(reverse("incidents:incident-create"), _incident_form(world))
    incident = Incident.objects.get(local_reference="DATIX-900")
    client.force_login(alice)
    client.post(
        reverse("incidents:incident-edit", kwargs={"pk": incident.pk}),
        _incident_form(world, physical_harm="severe", summary="Delayed review, escalated late."),
    )
    body = _squash(client.get(reverse("incidents:incident-history", kwargs={"pk": incident.pk})))
    changed_by = f"Changed by {alice.get_full_name() or alice.username}"
    created_by = f"Created by {bob.get_full_name() or bob.username}"
    assert changed_by in body and created_by in body
    assert body.index(changed_by) < body.index(created_by)  # newest first
    changed = body[body.index(changed_by) : body.index(created_by)]
    # Choice labels, not codes; only the fields that changed.
    assert "Physical harm" in changed
    assert "Moderate physical harm" in changed and "Severe physical harm" in changed
    assert "Delayed review, escalated late." in changed
    assert "Psychological harm" not in changed
    created = body[body.index(created_by) :]
    assert str(incident.incident_type) in created  # a related record by its name
    assert "Date occurred" in created


def test_the_history_page_is_paginated_and_its_query_count_is_fixed(
    client, world, alice, django_assert_max_num_queries
):
    incident = world.record("incident", world.a1)
    url = reverse("incidents:incident-history", kwargs={"pk": incident.pk})
    client.force_login(alice)
    with CaptureQueriesContext(connection) as one_change:
        assert client.get(url).status_code == 200
    types = list(IncidentType.objects.all())
    for n in range(PER_PAGE * 2):
        incident.summary = f"Summary number {n}"
        incident.incident_type = types[n % len(types)]
        incident.save()
    # Only the change just before the page is read besides: however many changes and names.
    for page in (1, 2):
        with django_assert_max_num_queries(len(one_change) + 1):
            body = client.get(url, {"page": page}).content.decode()
        assert f"page {page} of 3" in body
    newest = client.get(url).content.decode()
    assert f"Summary number {PER_PAGE * 2 - 1}" in newest and "Summary number 0<" not in newest


def test_bulk_changes_in_services_are_recorded_with_the_user(world):
    officer = world.personas[f"lmns:{Role.LMNS_OFFICER}"]
    lead = world.personas[f"provider:{Role.PROVIDER_LEAD}"]
    meeting = make_meeting(world.lmns_a, meeting_on=TODAY, submission_deadline=TODAY)
    learning = make_learning(world.a1, status=LearningStatus.SIGNED_OFF)
    learning_submit(learning=learning, meeting=meeting, by=lead)
    ssig_meeting_hold(meeting=meeting, by=officer)
    latest = Learning.history.filter(id=learning.pk).latest()
    assert (latest.status, latest.history_user) == (LearningStatus.SHARED, officer)

    assessment = assessment_start(provider=world.a1, framework=make_framework(), by=lead)
    item = assessment.items.first()
    assert item.history.get().history_user == lead


def test_others_get_not_found_on_a_history_page(client, world):
    url = reverse("incidents:incident-history", kwargs={"pk": world.record("incident", world.a1).pk})
    client.force_login(world.personas["nobody"])
    assert client.get(url).status_code == 404


def test_a_record_without_history_says_why(client, world, alice):
    """Records from before the audit trail, or bulk loads, have no rows: the page says so."""
    incident = world.record("incident", world.a1)
    incident.history.all().delete()
    client.force_login(alice)
    body = client.get(reverse("incidents:incident-history", kwargs={"pk": incident.pk})).content.decode()
    assert "It was made before the audit trail began" in body


# --- Freedom to Speak Up ------------------------------------------------------------------


def _speak_up(client, **overrides):
    return client.post(
        reverse("workforce:speak-up"),
        {
            "organisation": f"p:{overrides.pop('provider_pk')}",
            "raised_as": "confidential",
            "contact": "Jo Bloggs, 07700 900123",
            "professional_group": "nurses_midwives",
            "categories": ["patient_safety"],
            "detriment_reported": "no",
            "summary": "The birth pool thermometer has been broken for weeks.",
            **overrides,
        },
    )


def test_a_concern_raised_online_keeps_no_time_of_day_in_its_history(client, world):
    _speak_up(client, provider_pk=world.a1.pk)
    concern = FtsuConcern.objects.get(route="online")
    created = concern.history.get()
    assert created.history_user is None
    assert timezone.localtime(created.history_date).time() == time(0, 0)
    assert timezone.localdate(created.history_date) == TODAY
    assert created.contact_encrypted == concern.contact_encrypted
    # A Fernet token carries the time it was made (bytes 1-8): the day's start, here too.
    token = base64.urlsafe_b64decode(concern.contact_encrypted)
    made = datetime.fromtimestamp(int.from_bytes(token[1:9], "big"), tz=timezone.get_current_timezone())
    assert (made.date(), made.time()) == (TODAY, time(0, 0))


def test_changes_to_a_concern_keep_the_day_but_not_the_time(client, world):
    lead = world.personas[FTSU_LEAD]
    concern = world.record("concern", world.a1)
    client.force_login(lead)
    client.post(reverse("workforce:concern-take", kwargs={"pk": concern.pk}))
    guardian = world.personas[GUARDIAN]
    client.force_login(guardian)
    client.post(reverse("workforce:concern-hand-over", kwargs={"pk": concern.pk}), {"to": lead.pk})
    records = list(concern.history.all())
    assert len(records) >= 2
    assert {timezone.localtime(r.history_date).time() for r in records} == {time(0, 0)}
    client.force_login(lead)
    body = _squash(client.get(reverse("workforce:concern-history", kwargs={"pk": concern.pk})))
    assert f"Changed by {guardian.get_full_name() or guardian.username}, {TODAY:%-d %B %Y} </h2>" in body
    assert "00:00" not in body


def test_contact_details_stay_encrypted_in_history_and_the_passphrase_is_not_kept(client, world):
    _speak_up(client, provider_pk=world.a1.pk)
    concern = FtsuConcern.objects.get(route="online")
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM workforce_historicalftsuconcern WHERE id = %s", [concern.pk])
        row = " ".join(str(value) for value in cursor.fetchone())
        columns = [column[0] for column in cursor.description]
    assert "birth pool" in row  # the query reads the right row
    assert "Jo Bloggs" not in row and "07700" not in row
    assert "passphrase_hash" not in columns
    client.force_login(world.personas[FTSU_LEAD])
    body = client.get(reverse("workforce:concern-history", kwargs={"pk": concern.pk})).content.decode()
    text = " ".join(body.split())
    assert 'Contact details</th> <td class="nhsuk-table__cell">Recorded (not shown here)' in text
    assert "Jo Bloggs" not in body and "gAAAA" not in body


def test_no_concern_history_in_the_admin(client, world):
    from django.contrib import admin

    assert not admin.site.is_registered(FtsuConcern.history.model)
    client.force_login(world.personas["superuser"])
    concern = world.record("concern", world.a1)
    assert client.get(reverse("workforce:concern-history", kwargs={"pk": concern.pk})).status_code == 404


def test_every_history_manager_class_is_built_once():
    """simple-history built a new manager class on every ``Model.history`` access, which every
    save makes (lmns.historical_records): each model's is now built once."""
    descriptors = [
        model.__dict__["history"]
        for model in apps.get_models()
        if isinstance(model.__dict__.get("history"), HistoryDescriptor)
    ]
    assert len(descriptors) > 50
    assert all(isinstance(descriptor, OneClassHistoryDescriptor) for descriptor in descriptors)
    assert type(Incident.history) is type(Incident.history)
