"""Each incident's PMRT, MBRRACE-UK and coroner referral moves from its own columns into a
referral row, and back when the migration is reversed. MNSI's stays on the incident.

The incident's history moves too: every change to a body's date or reference in an incident's
history becomes a row of the referral's history, with the same time, person and reason, so
the History page still shows who recorded each referral when. (A referral since removed gets
its own id, reserved by saving and deleting a row, so that its history is its own.)
"""

from django.db import migrations

MOVED = ["pmrt", "mbrrace", "coroner"]


def _state(row, code):
    referred_on, reference = getattr(row, f"{code}_referred_on"), getattr(row, f"{code}_reference")
    return (referred_on, reference) if referred_on or reference else None


def forward(apps, schema_editor):
    incident_model = apps.get_model("incidents", "Incident")
    historical_incident = apps.get_model("incidents", "HistoricalIncident")
    body_model = apps.get_model("incidents", "ReferralBody")
    referral_model = apps.get_model("incidents", "IncidentReferral")
    historical_referral = apps.get_model("incidents", "HistoricalIncidentReferral")
    bodies = {body.code: body for body in body_model.objects.filter(code__in=MOVED, lmns=None)}

    undated = [
        f"{incident.local_reference} ({code})"
        for incident in incident_model.objects.all()
        for code in MOVED
        if getattr(incident, f"{code}_reference") and not getattr(incident, f"{code}_referred_on")
    ]
    if undated:
        # A reference without its date cannot become a referral row; stop rather than drop it.
        raise RuntimeError(
            "These incidents have a referral reference without its date: add the date, then "
            "migrate again: " + ", ".join(undated)
        )

    ids = {}  # (incident id, code) -> referral id
    for incident in incident_model.objects.all():
        for code in MOVED:
            if state := _state(incident, code):
                referral = referral_model.objects.create(
                    incident_id=incident.pk, body=bodies[code], referred_on=state[0], reference=state[1]
                )
                ids[incident.pk, code] = referral.pk

    def referral_id(incident_id, code):
        if (incident_id, code) not in ids:
            # Referred once and since removed: reserve an id of its own for its history.
            reserved = referral_model.objects.create(
                incident_id=incident_id, body=bodies[code], referred_on="2000-01-01"
            )
            ids[incident_id, code] = reserved.pk
            reserved.delete()
        return ids[incident_id, code]

    history = []
    last = {}
    for row in historical_incident.objects.order_by("id", "history_date", "history_id").iterator():
        for code in MOVED:
            before, after = last.get((row.id, code)), _state(row, code)
            if row.history_type == "-":
                after = None
            if before == after or (after is not None and after[0] is None):
                continue
            change = "+" if before is None else "-" if after is None else "~"
            shown = after or before
            history.append(
                historical_referral(
                    id=referral_id(row.id, code),
                    incident_id=row.id,
                    body_id=bodies[code].pk,
                    referred_on=shown[0],
                    reference=shown[1],
                    history_date=row.history_date,
                    history_user_id=row.history_user_id,
                    history_change_reason=row.history_change_reason,
                    history_type=change,
                )
            )
            last[row.id, code] = after
    historical_referral.objects.bulk_create(history, batch_size=500)


def backward(apps, schema_editor):
    incident_model = apps.get_model("incidents", "Incident")
    historical_incident = apps.get_model("incidents", "HistoricalIncident")
    referral_model = apps.get_model("incidents", "IncidentReferral")
    historical_referral = apps.get_model("incidents", "HistoricalIncidentReferral")

    others = referral_model.objects.exclude(body__code__in=MOVED, body__lmns=None)
    if others.exists():
        names = sorted(set(others.values_list("body__label", flat=True)))
        raise RuntimeError(
            "Incidents were referred to bodies the older version has no columns for: "
            + ", ".join(names)
            + ". Retiring a body keeps its referrals; export them before going back."
        )
    for referral in referral_model.objects.select_related("body"):
        code = referral.body.code
        incident_model.objects.filter(pk=referral.incident_id).update(
            **{f"{code}_referred_on": referral.referred_on, f"{code}_reference": referral.reference}
        )
        referral.delete()

    # Each row of an incident's history takes the referrals as they stood at that moment.
    changes = {}
    for change in historical_referral.objects.select_related("body").order_by("history_date", "history_id"):
        changes.setdefault(change.incident_id, []).append(change)
    for incident_id, incident_changes in changes.items():
        rows = list(historical_incident.objects.filter(id=incident_id).order_by("history_date", "history_id"))
        state, position = {}, 0
        for row in rows:
            while (
                position < len(incident_changes)
                and incident_changes[position].history_date <= row.history_date
            ):
                change = incident_changes[position]
                gone = change.history_type == "-"
                state[change.body.code] = None if gone else (change.referred_on, change.reference)
                position += 1
            for code in MOVED:
                referred_on, reference = state.get(code) or (None, "")
                setattr(row, f"{code}_referred_on", referred_on)
                setattr(row, f"{code}_reference", reference)
        fields = [f"{code}_{part}" for code in MOVED for part in ("referred_on", "reference")]
        historical_incident.objects.bulk_update(rows, fields, batch_size=500)
    historical_referral.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0016_referral_bodies"),
    ]

    operations = [migrations.RunPython(forward, backward)]
