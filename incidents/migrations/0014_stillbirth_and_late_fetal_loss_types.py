"""The 2026 definitions (docs/definitions.md): a stillbirth is not a neonatal event, and
intrapartum stillbirth (MNSI's criteria) and late fetal loss (PMRT's scope) become types.

Only deployment-wide entries change, and the deployment administrator's edits stand:
"Stillbirth" moves only if it is still in the neonatal group, and a type is added only if no
deployment-wide type has its name. Types without history yet get a first row with their state as
found, then each change made here is recorded with its reason.
"""

from django.db import migrations
from django.utils import timezone

NEW_TYPES = [
    ("Intrapartum stillbirth", "MNSI referral criteria (domain.md 4.4, 11) [V]"),
    ("Late fetal loss (22+0 to 23+6 weeks)", "PMRT scope (domain.md 4.5, 11) [V]"),
]


def forward(apps, schema_editor):
    IncidentType = apps.get_model("incidents", "IncidentType")
    History = apps.get_model("incidents", "HistoricalIncidentType")
    now = timezone.now()

    def record(entry, kind, reason):
        History.objects.create(
            id=entry.pk,
            name=entry.name,
            group=entry.group,
            is_active=entry.is_active,
            source=entry.source,
            lmns_id=entry.lmns_id,
            history_date=now,
            history_type=kind,
            history_change_reason=reason,
        )

    for entry in IncidentType.objects.exclude(pk__in=History.objects.values("id")).order_by("pk"):
        record(entry, "+", "As found when history began")
    for stillbirth in IncidentType.objects.filter(name="Stillbirth", group="neonatal", lmns=None):
        stillbirth.group = "fetal"
        stillbirth.save(update_fields=["group"])
        record(stillbirth, "~", "2026 definitions: a stillbirth is not a neonatal event")
    for name, source in NEW_TYPES:
        entry, created = IncidentType.objects.get_or_create(
            name=name, lmns=None, defaults={"group": "fetal", "source": source}
        )
        if created:
            record(entry, "+", "Added with the 2026 definitions")


def backward(apps, schema_editor):
    # The group did not exist before: its types go back where stillbirth was.
    apps.get_model("incidents", "IncidentType").objects.filter(group="fetal").update(group="neonatal")


class Migration(migrations.Migration):
    dependencies = [("incidents", "0013_mnsi_pmrt_responses_and_fetal_group")]

    operations = [migrations.RunPython(forward, backward)]
