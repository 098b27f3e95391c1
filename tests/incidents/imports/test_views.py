"""The import pages: upload, preview, apply, discard; mappings; and who may open them."""

import os

import pytest
from django.urls import reverse

from incidents.imports import services
from incidents.imports.models import ImportMapping, ImportStatus, IncidentImport
from incidents.models import Incident, IncidentType
from lmns.models import Role
from tests.factories import make_user
from tests.incidents.imports.factories import make_import, make_mapping
from tests.incidents.imports.helpers import HEADINGS, csv_bytes, row, upload, xlsx_bytes

pytestmark = pytest.mark.django_db


def post_upload(client, world, data, name="export.csv", mapping="datix"):
    return client.post(
        reverse("incidents:import-create"),
        {"provider": world.a1.pk, "mapping": mapping, "file": upload(data, name)},
    )


def test_upload_preview_apply(client, world, alice):
    client.force_login(alice)
    response = post_upload(client, world, xlsx_bytes([row("W1"), row("W2")]), "export.xlsx")
    incident_import = IncidentImport.objects.get()
    assert response.url == incident_import.get_absolute_url()
    page = client.get(response.url).content.decode()
    assert "2 created, 0 updated, 0 unchanged" in page
    assert "Apply the import" in page
    response = client.post(reverse("incidents:import-apply", kwargs={"pk": incident_import.pk}), follow=True)
    assert "Import applied: 2 created, 0 updated." in response.content.decode()
    assert Incident.objects.filter(provider=world.a1, local_reference__in=["W1", "W2"]).count() == 2
    post_upload(client, world, xlsx_bytes([row("W1"), row("W2")]), "export.xlsx")
    again = client.get(IncidentImport.objects.first().get_absolute_url()).content.decode()
    assert "0 created, 0 updated, 2 unchanged" in again
    assert "Apply the import" not in again


def test_every_problem_is_listed_with_its_row_and_column(client, world, alice):
    client.force_login(alice)
    data = csv_bytes([row("W1", Type="Nonsense"), row("W2", **{"Incident date": "31/02/2026"}), row("W1")])
    page = client.get(post_upload(client, world, data).url).content.decode()
    assert "3 problems: nothing can be imported" in page
    assert "“Nonsense” is not an incident type in use" in page
    assert "“31/02/2026” is not a date" in page
    assert "Reference W1 is also on row 2." in page
    assert "Apply the import" not in page


def test_an_oversized_file_is_refused_before_it_is_read(client, world, alice, monkeypatch):
    monkeypatch.setattr("incidents.imports.forms.MAX_UPLOAD_BYTES", 1000)
    client.force_login(alice)
    response = post_upload(client, world, b"\x00junk" * 10_000)
    assert "The file must be smaller than" in response.content.decode()
    assert not IncidentImport.objects.exists()


def test_a_file_that_is_not_a_spreadsheet_gets_a_clear_message(client, world, alice):
    client.force_login(alice)
    page = client.get(post_upload(client, world, b"%PDF-1.4\x00\x01\x02" * 100, "export.pdf").url)
    assert "The file is not a spreadsheet" in page.content.decode()


def test_another_providers_user_gets_404_on_every_import_page(client, world):
    incident_import = make_import(world.a1)
    mapping = make_mapping(world.a1)
    charlie = make_user("charlie", role=Role.PROVIDER_LEAD, provider=world.b1)
    client.force_login(charlie)
    for name in ["import-detail", "import-apply", "import-discard"]:
        url = reverse(f"incidents:{name}", kwargs={"pk": incident_import.pk})
        response = client.post(url) if name != "import-detail" else client.get(url)
        assert response.status_code == 404, name
    assert client.get(reverse("incidents:import-mapping-edit", kwargs={"pk": mapping.pk})).status_code == 404
    assert "export-AA1.csv" not in client.get(reverse("incidents:import-list")).content.decode()
    incident_import.refresh_from_db()
    assert incident_import.status == ImportStatus.CHECKED


def test_discard_deletes_the_uploaded_file(client, world, alice):
    client.force_login(alice)
    post_upload(client, world, csv_bytes([row("W1")]))
    incident_import = IncidentImport.objects.get()
    path = incident_import.file.path
    client.post(reverse("incidents:import-discard", kwargs={"pk": incident_import.pk}))
    incident_import.refresh_from_db()
    assert incident_import.status == ImportStatus.DISCARDED
    assert not incident_import.file
    assert not os.path.exists(path)


def test_the_uploaded_file_is_kept_outside_public_media_and_has_no_address(client, world, alice, settings):
    client.force_login(alice)
    post_upload(client, world, csv_bytes([row("W1")]))
    incident_import = IncidentImport.objects.get()
    assert "/private/incident-imports/" in incident_import.file.path
    assert "export" not in incident_import.file.name
    with pytest.raises(ValueError):
        incident_import.file.url  # noqa: B018


def test_a_large_file_is_checked_and_applied_by_the_task(
    client, world, alice, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(services, "INLINE_MAX_BYTES", 10)
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = post_upload(client, world, csv_bytes([row("W1")]))
    incident_import = IncidentImport.objects.get()
    assert incident_import.status == ImportStatus.QUEUED
    page = client.get(response.url).content.decode()
    assert 'http-equiv="refresh"' in page and "Checking the file: 0% done" in page
    for callback in callbacks:
        callback()
    incident_import.refresh_from_db()
    assert (incident_import.status, incident_import.to_create) == (ImportStatus.CHECKED, 1)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("incidents:import-apply", kwargs={"pk": incident_import.pk}))
    incident_import.refresh_from_db()
    assert incident_import.status == ImportStatus.APPLIED
    assert Incident.objects.filter(local_reference="W1", source_import=incident_import).exists()


def test_a_mapping_started_from_a_ready_made_one_is_saved_and_used(client, world, alice):
    client.force_login(alice)
    form = client.get(reverse("incidents:import-mapping-create") + "?from=datix").context["form"]
    columns = form.initial["columns"].replace("Ref = local_reference", "Datix ID = local_reference")
    response = client.post(
        reverse("incidents:import-mapping-create") + "?from=datix",
        {"provider": world.a1.pk, "name": "Our Datix", "columns": columns, "values": form.initial["values"]},
    )
    assert response.status_code == 302
    mapping = ImportMapping.objects.get(provider=world.a1)
    assert mapping.columns["Datix ID"] == "local_reference" and mapping.based_on == "datix"
    data = csv_bytes([row("W1")], headings=["Datix ID", *HEADINGS[1:]])
    page = client.get(post_upload(client, world, data, mapping="Our Datix").url).content.decode()
    assert "1 created, 0 updated, 0 unchanged" in page


def test_a_mapping_that_could_never_import_is_refused(client, world, alice):
    client.force_login(alice)
    mapping = make_mapping(world.a1)
    response = client.post(
        reverse("incidents:import-mapping-edit", kwargs={"pk": mapping.pk}),
        {
            "name": mapping.name,
            "columns": "Reference = local_reference\nSomething = favourite_colour",
            "values": "",
        },
    )
    page = response.content.decode()
    assert "which is not a field we import" in page
    assert "No heading maps to: Date occurred" in page


def test_apply_says_so_when_the_data_changed_since_the_preview(client, world, alice):
    client.force_login(alice)
    post_upload(client, world, csv_bytes([row("W1")]))
    incident_import = IncidentImport.objects.get()
    IncidentType.objects.filter(name="Shoulder dystocia").update(is_active=False)
    response = client.post(reverse("incidents:import-apply", kwargs={"pk": incident_import.pk}), follow=True)
    page = response.content.decode()
    assert "The data changed since the preview, so nothing was imported." in page
    assert "“Shoulder dystocia” is not an incident type in use" in page
    assert not Incident.objects.filter(local_reference="W1").exists()


def test_a_file_lost_before_apply_fails_in_words_not_a_server_error(client, world, alice):
    client.force_login(alice)
    post_upload(client, world, csv_bytes([row("W1")]))
    incident_import = IncidentImport.objects.get()
    os.remove(incident_import.file.path)
    response = client.post(reverse("incidents:import-apply", kwargs={"pk": incident_import.pk}), follow=True)
    assert response.status_code == 200
    assert (
        "The file could not be applied (FileNotFoundError). Please upload it again."
        in response.content.decode()
    )
    incident_import.refresh_from_db()
    assert incident_import.status == ImportStatus.FAILED
    client.post(reverse("incidents:import-discard", kwargs={"pk": incident_import.pk}))
    incident_import.refresh_from_db()
    assert incident_import.status == ImportStatus.DISCARDED
