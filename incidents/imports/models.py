"""Saved column mappings, and each import from upload to apply.

Loaded by ``incidents.models`` so that Django finds them in the incidents app.
"""

import os
import uuid

from django.conf import settings
from django.db import models
from django.db.models.fields.files import FieldFile
from django.urls import reverse

from lmns.models import Provider, ProviderScopedQuerySet

# Uploaded exports wait here, in the default storage (MEDIA_ROOT or the S3 bucket, which the
# workers that check and apply them share), between preview and apply. Each is deleted once
# applied or discarded.
UPLOAD_FOLDER = "private/incident-imports"


def _upload_name(instance, filename):
    # The user's file name may say what is in it; it is kept only in ``original_name``.
    return f"{UPLOAD_FOLDER}/{uuid.uuid4().hex}{os.path.splitext(filename)[1].lower()[:8]}"


class _PrivateFieldFile(FieldFile):
    @property
    def url(self):
        raise ValueError("Uploaded imports are private and have no address.")


class PrivateFileField(models.FileField):
    """A file no view serves and no page links to: its ``url`` is refused, rather than give a
    path under MEDIA_URL or a signed S3 address that would skip the access checks."""

    attr_class = _PrivateFieldFile


class ImportMapping(models.Model):
    """How one provider's export names its columns and values.

    ``columns`` maps each heading of the export to one of our incident fields
    (``incidents.imports.mapping.FIELDS``); ``values`` maps, per field, their labels to
    ours, for example {"physical_harm": {"No harm": "none"}}.
    """

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="import_mappings")
    name = models.CharField(max_length=60)
    columns = models.JSONField(default=dict)
    values = models.JSONField(default=dict, blank=True)
    based_on = models.CharField(
        max_length=60, blank=True, help_text="The ready-made mapping this one started from, if any."
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProviderScopedQuerySet.as_manager()

    class Meta:
        ordering = ["provider__name", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "name"], name="import_mapping_name_unique_per_provider"
            )
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("incidents:import-mapping-edit", kwargs={"pk": self.pk})


class ImportStatus(models.TextChoices):
    QUEUED = "queued", "Waiting to be checked"
    CHECKING = "checking", "Being checked"
    CHECKED = "checked", "Checked"
    APPLYING = "applying", "Being applied"
    APPLIED = "applied", "Applied"
    DISCARDED = "discarded", "Discarded"
    FAILED = "failed", "Failed"


WORKING = frozenset({ImportStatus.QUEUED, ImportStatus.CHECKING, ImportStatus.APPLYING})


class IncidentImport(models.Model):
    """One uploaded export, from its check and preview to its apply."""

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="incident_imports")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    mapping_name = models.CharField(max_length=60)
    # A copy of the mapping as it was at upload, so that editing it later changes nothing here.
    mapping = models.JSONField()
    file = PrivateFileField(upload_to=_upload_name, blank=True)
    original_name = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField(default=0)
    file_format = models.CharField(max_length=10, blank=True)
    encoding = models.CharField(max_length=40, blank=True, help_text="The encoding assumed for a CSV file.")
    status = models.CharField(max_length=20, choices=ImportStatus.choices, default=ImportStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent checked.")
    rows = models.PositiveIntegerField(default=0)
    to_create = models.PositiveIntegerField(default=0)
    to_update = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    # [{"row": 3, "column": "Incident date", "message": "..."}], at most MAX_PROBLEMS of them.
    problems = models.JSONField(default=list, blank=True)
    problem_count = models.PositiveIntegerField(default=0)
    # Cells that look like personal data (not NHS numbers, which are problems), in the same shape.
    warnings = models.JSONField(default=list, blank=True)
    warning_count = models.PositiveIntegerField(default=0)
    notes = models.JSONField(default=list, blank=True, help_text="What the check assumed or ignored.")
    # [{"row": 2, "reference": "W123", "action": "create"|"update", "changes": ["Summary"]}], capped.
    changes = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    objects = ProviderScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at", "-pk"]

    def __str__(self):
        return f"Import of {self.original_name} for {self.provider}"

    def get_absolute_url(self):
        return reverse("incidents:import-detail", kwargs={"pk": self.pk})

    @property
    def is_working(self) -> bool:
        return self.status in WORKING

    @property
    def can_apply(self) -> bool:
        return (
            self.status == ImportStatus.CHECKED
            and self.problem_count == 0
            and (self.to_create or self.to_update) > 0
        )
