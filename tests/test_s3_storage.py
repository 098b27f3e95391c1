"""Evidence, background workbooks and imports stored in an S3 bucket (AWS_STORAGE_BUCKET_NAME).

The bucket is on moto's S3 server, run in a thread on a free local port, so that boto3 takes
its real path over HTTP: signing, uploads, downloads and deletes. The workers here are eager,
but they reach the files only through the bucket, as a worker on another machine would.
"""

import io
import os
import subprocess
import sys
import uuid
from pathlib import Path

import boto3
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from moto.server import ThreadedMotoServer
from openpyxl import load_workbook

from assurance.models import BoardWorkbookJob, ExportStatus
from assurance.services import assessment_start
from assurance.workbooks import board_workbook_job_run, board_workbook_job_start
from incidents.imports import services as import_services
from incidents.imports.models import ImportStatus, IncidentImport
from incidents.models import Incident
from lmns.models import Role
from tests.assurance.test_exports import build_framework
from tests.factories import make_user
from tests.incidents.imports.helpers import csv_bytes, row, upload

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
REGION = "eu-west-2"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "moto-test-key", "AWS_SECRET_ACCESS_KEY": "moto-test-secret"}
PDF_BYTES = b"%PDF-1.4\n% Stored in a bucket\n%%EOF\n"


@pytest.fixture(scope="module")
def s3_endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_endpoint, settings, monkeypatch):
    """A new, empty bucket as the default storage, set as lmns.settings sets it."""
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    name = f"lmns-test-{uuid.uuid4().hex[:12]}"
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name=REGION)
    client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": name,
                "endpoint_url": s3_endpoint,
                "region_name": REGION,
                "default_acl": None,
                "file_overwrite": True,
                "object_parameters": {"ServerSideEncryption": "AES256"},
                "max_memory_size": 2 * 1024 * 1024,
            },
        },
    }
    # Nothing may reach the disk: every file is in the bucket.
    settings.MEDIA_ROOT = "/nonexistent/media"
    return Bucket(client, name)


class Bucket:
    def __init__(self, client, name):
        self.client, self.name = client, name

    def keys(self, prefix: str = "") -> list[str]:
        listing = self.client.list_objects_v2(Bucket=self.name, Prefix=prefix)
        return sorted(item["Key"] for item in listing.get("Contents", []))

    def read(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()

    def is_private_and_encrypted(self, key: str) -> bool:
        grants = self.client.get_object_acl(Bucket=self.name, Key=key)["Grants"]
        encryption = self.client.head_object(Bucket=self.name, Key=key).get("ServerSideEncryption")
        return [grant["Permission"] for grant in grants] == ["FULL_CONTROL"] and encryption == "AES256"


def _evidence_url(name, pk):
    return reverse(f"assurance:{name}", kwargs={"pk": pk})


def test_evidence_is_uploaded_to_the_bucket_and_downloaded_only_through_the_access_check(
    client, world, bucket
):
    lead = world.personas[f"provider:{Role.PROVIDER_LEAD}"]
    item = world.record("item", world.a1)
    client.force_login(lead)
    response = client.post(
        _evidence_url("evidence-add", item.pk),
        {
            "description": "CTG audit in the bucket",
            "url": "",
            "effective_from": "2026-03-01",
            "expires_on": "",
            "items": [item.pk],
            "file": SimpleUploadedFile("ctg-audit.pdf", PDF_BYTES),
        },
    )
    assert response.status_code == 302
    evidence = item.evidence.get(description="CTG audit in the bucket")
    assert evidence.file.name.startswith(f"evidence/{world.a1.pk}/")
    assert bucket.read(evidence.file.name) == PDF_BYTES
    assert bucket.is_private_and_encrypted(evidence.file.name)

    response = client.get(_evidence_url("evidence-download", evidence.pk))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Disposition"] == 'attachment; filename="ctg-audit.pdf"'
    assert (response["Content-Type"], response["Content-Length"]) == ("application/pdf", str(len(PDF_BYTES)))
    assert response["Cache-Control"] == "private, no-store"

    # A sibling provider's lead and another LMNS's provider lead are told it does not exist.
    for other in (world.a2, world.b1):
        client.force_login(make_user(f"lead-{other.ods_code}", role=Role.PROVIDER_LEAD, provider=other))
        assert client.get(_evidence_url("evidence-download", evidence.pk)).status_code == 404


def test_a_background_workbook_is_written_to_the_bucket_and_served(
    client, world, bucket, django_capture_on_commit_callbacks
):
    officer = world.personas[f"lmns:{Role.LMNS_OFFICER}"]
    framework = build_framework("mis-bucket")
    for provider in (world.a1, world.a2):
        assessment_start(provider=provider, framework=framework, by=officer)
    with django_capture_on_commit_callbacks(execute=True):
        job = board_workbook_job_start(lmns=world.lmns_a, framework=framework, by=officer)
    job.refresh_from_db()
    assert job.status == ExportStatus.DONE
    folder = f"workbooks/{job.pk}/"
    assert bucket.keys(folder) == [job.file.name]
    assert bucket.is_private_and_encrypted(job.file.name)

    client.force_login(officer)
    response = client.get(reverse("assurance:workbook-download", kwargs={"pk": job.pk}))
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert workbook.sheetnames == ["Cover", "Summary", world.a1.name, world.a2.name]

    # Built again, as after a worker died having written its file: the one object is replaced.
    BoardWorkbookJob.objects.filter(pk=job.pk).update(status=ExportStatus.RUNNING, file="")
    board_workbook_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == ExportStatus.DONE
    assert bucket.keys(folder) == [job.file.name]


def test_a_large_import_is_checked_and_applied_by_the_tasks_reading_the_bucket(
    client, world, bucket, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(import_services, "INLINE_MAX_BYTES", 10)
    client.force_login(world.personas[f"provider:{Role.PROVIDER_LEAD}"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("incidents:import-create"),
            {"provider": world.a1.pk, "mapping": "datix", "file": upload(csv_bytes([row("S3-1")]), "x.csv")},
        )
    incident_import = IncidentImport.objects.get()
    assert (incident_import.status, incident_import.to_create) == (ImportStatus.CHECKED, 1)
    assert incident_import.file.name.startswith("private/incident-imports/")
    assert bucket.keys("private/") == [incident_import.file.name]
    assert bucket.is_private_and_encrypted(incident_import.file.name)
    with pytest.raises(ValueError, match="private and have no address"):
        incident_import.file.url  # noqa: B018

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("incidents:import-apply", kwargs={"pk": incident_import.pk}))
    incident_import.refresh_from_db()
    assert incident_import.status == ImportStatus.APPLIED
    assert Incident.objects.filter(provider=world.a1, local_reference="S3-1").exists()
    assert bucket.keys("private/") == []


def test_the_environment_switches_the_default_storage_to_the_bucket(s3_endpoint):
    """lmns.settings, in a fresh process, from the variables an operator sets."""
    name = f"lmns-env-{uuid.uuid4().hex[:12]}"
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name=REGION,
        aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    )
    client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    script = (
        "from django.core.files.base import ContentFile\n"
        "from django.core.files.storage import storages\n"
        "print(type(storages['default']).__name__)\n"
        "print(storages['default'].save('evidence/check.txt', ContentFile(b'from the environment')))\n"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--verbosity", "0", "-c", script],
        cwd=ROOT,
        env={
            **os.environ,
            **CREDENTIALS,
            "DEBUG": "true",
            "AWS_STORAGE_BUCKET_NAME": name,
            "AWS_S3_ENDPOINT_URL": s3_endpoint,
            "AWS_S3_REGION_NAME": REGION,
            "AWS_S3_ADDRESSING_STYLE": "path",
            "AWS_S3_SERVER_SIDE_ENCRYPTION": "AES256",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["S3Storage", "evidence/check.txt"]
    stored = client.get_object(Bucket=name, Key="evidence/check.txt")
    assert (stored["Body"].read(), stored["ServerSideEncryption"]) == (b"from the environment", "AES256")
