# Uploaded imports move from a storage of their own (MEDIA_ROOT/private/incident-imports) to
# the default storage, which may be an S3 bucket, under the same folder. A file waiting to be
# applied keeps its place on disk: only its name gains the folder.

import incidents.imports.models
from django.db import migrations
from django.db.models import Value
from django.db.models.functions import Concat, Substr

FOLDER = "private/incident-imports/"


def add_folder(apps, schema_editor):
    IncidentImport = apps.get_model("incidents", "IncidentImport")
    IncidentImport.objects.exclude(file="").update(file=Concat(Value(FOLDER), "file"))


def remove_folder(apps, schema_editor):
    IncidentImport = apps.get_model("incidents", "IncidentImport")
    IncidentImport.objects.filter(file__startswith=FOLDER).update(file=Substr("file", len(FOLDER) + 1))


class Migration(migrations.Migration):

    dependencies = [
        ('incidents', '0006_incident_list_order_index'),
    ]

    operations = [
        migrations.AlterField(
            model_name='incidentimport',
            name='file',
            field=incidents.imports.models.PrivateFileField(blank=True, upload_to=incidents.imports.models._upload_name),
        ),
        migrations.RunPython(add_folder, remove_folder),
    ]
