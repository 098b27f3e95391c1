"""Saved column mappings, and each import from upload to apply.

Loaded by ``incidents.models`` so that Django finds them in the incidents app.
"""

from django.db import models
from django.urls import reverse

from lmns.imports.models import (  # noqa: F401 (ImportStatus, WORKING: this import's vocabulary too)
    WORKING,
    ImportStatus,
    PrivateFileField,
    SheetImport,
    private_upload_name,
)
from lmns.models import Provider, ProviderScopedQuerySet

# Uploaded exports wait here, in the default storage (MEDIA_ROOT or the S3 bucket, which the
# workers that check and apply them share), between preview and apply. Each is deleted once
# applied or discarded.
UPLOAD_FOLDER = "private/incident-imports"


def _upload_name(instance, filename):
    return private_upload_name(UPLOAD_FOLDER, filename)


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


class IncidentImport(SheetImport):
    """One uploaded export, from its check and preview to its apply."""

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="incident_imports")
    file = PrivateFileField(upload_to=_upload_name, blank=True)
    # Cells that look like personal data (not NHS numbers, which are problems), in the shape of
    # ``problems``.
    warnings = models.JSONField(default=list, blank=True)
    warning_count = models.PositiveIntegerField(default=0)

    objects = ProviderScopedQuerySet.as_manager()

    class Meta(SheetImport.Meta):
        pass

    def __str__(self):
        return f"Import of {self.original_name} for {self.provider}"

    def get_absolute_url(self):
        return reverse("incidents:import-detail", kwargs={"pk": self.pk})
