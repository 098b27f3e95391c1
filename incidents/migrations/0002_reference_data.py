from django.db import migrations

from incidents.reference_data import INCIDENT_TYPES, THEMES


def load(apps, schema_editor):
    IncidentType = apps.get_model("incidents", "IncidentType")
    Theme = apps.get_model("incidents", "Theme")
    for group, name, source in INCIDENT_TYPES:
        IncidentType.objects.get_or_create(name=name, defaults={"group": group, "source": source})
    for name, description in THEMES:
        Theme.objects.get_or_create(name=name, defaults={"description": description})


class Migration(migrations.Migration):
    dependencies = [("incidents", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
