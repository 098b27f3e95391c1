"""The 2026 reference data: MNSI investigation and PMRT review as learning responses,
intrapartum stillbirth and late fetal loss as incident types, stillbirths out of the
neonatal group, brought in by a migration that keeps the LMNS's own edits and starts the
types' history."""

import importlib

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.urls import reverse

from incidents.models import IncidentType, ResponseType

pytestmark = pytest.mark.django_db

MIGRATION = "0014_stillbirth_and_late_fetal_loss_types"
NEW = ["Intrapartum stillbirth", "Late fetal loss (22+0 to 23+6 weeks)"]


def _as_before(stillbirth_group="neonatal"):
    """The types as an install made before 2026 had them, with no history."""
    IncidentType.objects.filter(name="Stillbirth").update(group=stillbirth_group)
    IncidentType.objects.filter(name__in=NEW).delete()
    IncidentType.history.all().delete()


def _migrate():
    # The migration's own models, as it sees them: no history signals, so every history row
    # below is one the migration wrote.
    state = MigrationLoader(connection).project_state(("incidents", MIGRATION)).apps
    importlib.import_module(f"incidents.migrations.{MIGRATION}").forward(state, None)


def test_the_migration_moves_stillbirth_adds_the_types_and_records_why():
    _as_before()
    before = IncidentType.objects.count()
    _migrate()
    assert IncidentType.objects.get(name="Stillbirth").group == IncidentType.Group.FETAL
    assert {t.name: t.group for t in IncidentType.objects.filter(name__in=NEW)} == dict.fromkeys(NEW, "fetal")
    assert IncidentType.objects.count() == before + 2
    stillbirth = IncidentType.objects.get(name="Stillbirth").history.order_by("history_id")
    assert [(row.history_type, row.group) for row in stillbirth] == [("+", "neonatal"), ("~", "fetal")]
    assert "not a neonatal event" in stillbirth.last().history_change_reason
    # Every type's history starts here.
    assert set(IncidentType.history.values_list("id", flat=True)) == set(
        IncidentType.objects.values_list("pk", flat=True)
    )


def test_the_migration_keeps_an_lmnss_own_edits():
    _as_before(stillbirth_group="maternal")
    IncidentType.objects.create(name="Intrapartum stillbirth", group="maternal", source="Our own list")
    _migrate()
    assert IncidentType.objects.get(name="Stillbirth").group == "maternal"
    kept = IncidentType.objects.get(name="Intrapartum stillbirth")
    assert (kept.group, kept.source) == ("maternal", "Our own list")
    assert IncidentType.objects.get(name="Late fetal loss (22+0 to 23+6 weeks)").group == "fetal"


def test_a_change_in_the_admin_is_kept_in_the_types_history(client, world):
    editor = world.personas["superuser"]
    client.force_login(editor)
    late = IncidentType.objects.get(name="Late fetal loss (22+0 to 23+6 weeks)")
    response = client.post(
        reverse("admin:incidents_incidenttype_change", args=[late.pk]),
        {"name": late.name, "group": "fetal", "is_active": "", "source": late.source},
    )
    assert response.status_code == 302
    latest = late.history.latest()
    assert (latest.history_type, latest.is_active, latest.history_user) == ("~", False, editor)
    assert client.get(reverse("admin:incidents_incidenttype_history", args=[late.pk])).status_code == 200


def test_mnsi_investigation_and_pmrt_review_are_learning_responses(client, world, bob):
    assert {ResponseType.MNSI_INVESTIGATION.label, ResponseType.PMRT_REVIEW.label} == {
        "MNSI investigation",
        "Perinatal Mortality Review Tool (PMRT) review",
    }
    client.force_login(bob)
    page = client.get(reverse("incidents:incident-create")).content.decode()
    for label in ["MNSI investigation", "PMRT) review", *NEW]:
        assert label in page
