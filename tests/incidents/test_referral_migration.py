"""The migrations that turn the incidents' PMRT, MBRRACE-UK and coroner columns into referral
rows, with their history, and back. Found by name, since numbers change at merge."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from incidents.models import Incident, IncidentReferral, ReferralBody
from tests.factories import make_provider, make_user

TODAY = timezone.localdate()


def _named(executor, suffix):
    [node] = [
        node for node in executor.loader.graph.nodes if node[0] == "incidents" and node[1].endswith(suffix)
    ]
    return node


def _nodes():
    executor = MigrationExecutor(connection)
    first = _named(executor, "_referral_bodies")
    [before] = [
        parent for parent in executor.loader.graph.node_map[first].parents if parent.key[0] == "incidents"
    ]
    return before.key, _named(executor, "_remove_generic_referral_columns")


def _old_incident(old, history, provider, incident_type, reference, states, users):
    """An incident of the old schema, and the history rows its changes would have left:
    ``states`` is a list of its referral columns after each save."""
    made = old.objects.create(
        provider_id=provider.pk,
        local_reference=reference,
        occurred_on=TODAY - timedelta(days=20),
        reported_on=TODAY - timedelta(days=20),
        incident_type_id=incident_type.pk,
        physical_harm="fatal",
        psychological_harm="none",
        summary="Before referral bodies were data.",
        **states[-1],
    )
    now = timezone.now()
    for number, state in enumerate(states):
        values = {f.attname: getattr(made, f.attname) for f in old._meta.concrete_fields}
        values |= {
            f"{c}_{p}": None if p == "referred_on" else ""
            for c in ("pmrt", "mbrrace", "coroner")
            for p in ("referred_on", "reference")
        }
        values |= state
        history.objects.create(
            history_date=now - timedelta(days=len(states) - number),
            history_type="+" if number == 0 else "~",
            history_user_id=users[number].pk,
            history_change_reason=f"save {number}",
            **values,
        )
    return made


def test_the_columns_become_rows_with_their_history_and_come_back(migrator):
    before, after = _nodes()
    state = migrator.reach([before])
    old, history = (
        state.get_model("incidents", "Incident"),
        state.get_model("incidents", "HistoricalIncident"),
    )
    provider = make_provider()
    incident_type = state.get_model("incidents", "IncidentType").objects.order_by("pk").first()
    first, second = make_user("first"), make_user("second")
    day = TODAY - timedelta(days=10)
    _old_incident(
        old,
        history,
        provider,
        incident_type,
        "A",
        [
            {"pmrt_referred_on": day, "pmrt_reference": "P-1", "coroner_referred_on": day},
            {"pmrt_referred_on": day, "pmrt_reference": "P-2", "coroner_referred_on": day},
            {"pmrt_referred_on": day, "pmrt_reference": "P-2", "mbrrace_referred_on": day},
        ],
        [first, second, first],
    )
    _old_incident(old, history, provider, incident_type, "B", [{}], [first])

    migrator.migrate([after])
    a = Incident.objects.get(local_reference="A")
    rows = {r.body.code: (r.referred_on, r.reference) for r in IncidentReferral.objects.filter(incident=a)}
    assert rows == {"pmrt": (day, "P-2"), "mbrrace": (day, "")}
    assert not IncidentReferral.objects.filter(incident__local_reference="B").exists()
    # Who recorded each referral, and when it changed, came across from the incident's history.
    kept = IncidentReferral.history.filter(incident_id=a.pk).order_by("history_date", "body__code")
    assert [
        (h.history_change_reason, h.body.code, h.history_type, h.reference, h.history_user_id) for h in kept
    ] == [
        ("save 0", "coroner", "+", "", first.pk),
        ("save 0", "pmrt", "+", "P-1", first.pk),
        ("save 1", "pmrt", "~", "P-2", second.pk),
        ("save 2", "coroner", "-", "", first.pk),
        ("save 2", "mbrrace", "+", "", first.pk),
    ]
    # The referral since removed has an id of its own, not another referral's.
    coroner_ids = {h.id for h in kept if h.body.code == "coroner"}
    assert len(coroner_ids) == 1 and not coroner_ids & set(
        IncidentReferral.objects.values_list("pk", flat=True)
    )
    assert ReferralBody.objects.count() == 4

    # And back: the columns, and the incident's history, as they were.
    state = migrator.migrate([before])
    old, history = (
        state.get_model("incidents", "Incident"),
        state.get_model("incidents", "HistoricalIncident"),
    )
    a = old.objects.get(local_reference="A")
    assert (a.pmrt_referred_on, a.pmrt_reference, a.mbrrace_referred_on, a.coroner_referred_on) == (
        day,
        "P-2",
        day,
        None,
    )
    rows = history.objects.filter(id=a.pk).order_by("history_date")
    assert [(r.pmrt_reference, r.coroner_referred_on, r.mbrrace_referred_on) for r in rows] == [
        ("P-1", day, None),
        ("P-2", day, None),
        ("P-2", None, day),
    ]


def test_a_reference_without_its_date_stops_the_migration_rather_than_being_dropped(migrator):
    before, after = _nodes()
    state = migrator.reach([before])
    old, history = (
        state.get_model("incidents", "Incident"),
        state.get_model("incidents", "HistoricalIncident"),
    )
    incident_type = state.get_model("incidents", "IncidentType").objects.order_by("pk").first()
    _old_incident(
        old, history, make_provider(), incident_type, "UNDATED", [{"pmrt_reference": "P-9"}], [make_user("u")]
    )
    with pytest.raises(RuntimeError, match="UNDATED"):
        migrator.migrate([after])
    # Where the database migrates back to the latest (PostgreSQL), the row would stop it again.
    old.objects.filter(local_reference="UNDATED").delete()
