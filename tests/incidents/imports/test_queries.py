"""Preview and apply cost a few queries per batch of 500 rows, not per row."""

import pytest
from django.urls import reverse

from incidents.imports.models import ImportStatus, IncidentImport
from incidents.models import Incident
from tests.incidents.imports.helpers import csv_bytes, row, upload

pytestmark = pytest.mark.django_db
ROWS = 1200  # three batches


def test_preview_and_apply_queries_are_bounded(client, world, alice, django_assert_max_num_queries):
    client.force_login(alice)
    first = [row(f"W{n}") for n in range(ROWS // 2)]
    url = reverse("incidents:import-create")
    client.post(url, {"provider": world.a1.pk, "mapping": "datix", "file": upload(csv_bytes(first))})
    client.post(reverse("incidents:import-apply", kwargs={"pk": IncidentImport.objects.get().pk}))
    # Half the rows change an existing incident, half are new.
    rows = [row(f"W{n}", Result="Moderate harm") for n in range(ROWS)]
    with django_assert_max_num_queries(25):
        client.post(url, {"provider": world.a1.pk, "mapping": "datix", "file": upload(csv_bytes(rows))})
    incident_import = IncidentImport.objects.first()
    assert (incident_import.to_create, incident_import.to_update) == (ROWS // 2, ROWS // 2)
    # SQLite splits a bulk write to stay under its limit on bound parameters (999: about 28
    # incidents a statement, at 35 columns); PostgreSQL writes each batch of 500 in one. Either
    # way, far fewer than one query a row. Every row also gets an audit history row (about 24 a
    # statement on SQLite: the history table has more columns).
    with django_assert_max_num_queries(15 + ROWS // 28 + ROWS // 24):
        client.post(reverse("incidents:import-apply", kwargs={"pk": incident_import.pk}))
    incident_import.refresh_from_db()
    assert incident_import.status == ImportStatus.APPLIED
    assert Incident.objects.filter(provider=world.a1, physical_harm="moderate").count() == ROWS
