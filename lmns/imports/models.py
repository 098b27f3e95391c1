"""The record every import keeps from upload to apply, and the private file field it is kept in."""

import os
import uuid

from django.conf import settings
from django.db import models
from django.db.models.fields.files import FieldFile


def private_upload_name(folder: str, filename: str) -> str:
    """Where an uploaded file is kept: under ``folder`` by a random name, since the user's file
    name may say what is in it (it is kept only in the record's ``original_name``). Each import
    calls this from a module-level ``upload_to`` function, which migrations can name."""
    return f"{folder}/{uuid.uuid4().hex}{os.path.splitext(filename)[1].lower()[:8]}"


class _PrivateFieldFile(FieldFile):
    @property
    def url(self):
        raise ValueError("Uploaded imports are private and have no address.")


class PrivateFileField(models.FileField):
    """A file no view serves and no page links to: its ``url`` is refused, rather than give a
    path under MEDIA_URL or a signed S3 address that would skip the access checks."""

    attr_class = _PrivateFieldFile


class ImportStatus(models.TextChoices):
    QUEUED = "queued", "Waiting to be checked"
    CHECKING = "checking", "Being checked"
    CHECKED = "checked", "Checked"
    APPLYING = "applying", "Being applied"
    APPLIED = "applied", "Applied"
    DISCARDED = "discarded", "Discarded"
    FAILED = "failed", "Failed"


WORKING = frozenset({ImportStatus.QUEUED, ImportStatus.CHECKING, ImportStatus.APPLYING})


class SheetImport(models.Model):
    """One uploaded file, from its check and preview to its apply. A concrete import adds who
    owns it and its ``file`` (a PrivateFileField in its own folder)."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    mapping_name = models.CharField(max_length=60)
    # A copy of the mapping as it was at upload, so that editing it later changes nothing here.
    mapping = models.JSONField()
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
    # [{"row": 3, "column": "Incident date", "message": "..."}], capped (lmns.imports.outcome).
    problems = models.JSONField(default=list, blank=True)
    problem_count = models.PositiveIntegerField(default=0)
    notes = models.JSONField(default=list, blank=True, help_text="What the check assumed or ignored.")
    # What applying would do, row by row, capped.
    changes = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-requested_at", "-pk"]

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
