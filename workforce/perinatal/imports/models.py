"""Saved column mappings for monthly return imports, and each import from upload to apply.

Loaded by ``workforce.models`` so that Django finds them in the workforce app.

Both belong to an LMNS and, when a provider made them, to that provider: a provider's import
holds only its own sites' rows; an LMNS-wide import (made by LMNS staff) may hold any of the
LMNS's providers, and only LMNS staff see it.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from lmns.imports.models import PrivateFileField, SheetImport, private_upload_name
from lmns.models import Lmns, Provider

# Uploaded files wait here, in the default storage, between preview and apply; each is deleted
# once applied or discarded.
UPLOAD_FOLDER = "private/monthly-return-imports"


def _upload_name(instance, filename):
    return private_upload_name(UPLOAD_FOLDER, filename)


class MonthlyImportMappingQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A provider's mappings to its users and its LMNS; an LMNS's to everyone in the LMNS,
        whose providers may import with them too (a mapping holds headings, no figures)."""
        from lmns.access import lmnss_for, providers_for

        return self.filter(
            Q(provider__in=providers_for(user)) | Q(provider__isnull=True, lmns__in=lmnss_for(user))
        )


class MonthlyImportMapping(models.Model):
    """How one dashboard or data warehouse extract names its columns.

    ``columns`` maps each heading of the file to one of the return's fields
    (``workforce.perinatal.imports.fields.FIELDS``).
    """

    lmns = models.ForeignKey(Lmns, on_delete=models.CASCADE, related_name="+", verbose_name="LMNS")
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="+", null=True, blank=True)
    name = models.CharField(max_length=60)
    columns = models.JSONField(default=dict)
    based_on = models.CharField(
        max_length=60, blank=True, help_text="The ready-made mapping this one started from, if any."
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = MonthlyImportMappingQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "name"],
                condition=Q(provider__isnull=False),
                name="monthly_import_mapping_name_unique_per_provider",
            ),
            models.UniqueConstraint(
                fields=["lmns", "name"],
                condition=Q(provider__isnull=True),
                name="monthly_import_mapping_name_unique_per_lmns",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("workforce:monthly-import-mapping-edit", kwargs={"pk": self.pk})

    @property
    def owner(self) -> Provider | Lmns:
        return self.provider or self.lmns


class MonthlyReturnImportQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A provider's imports to its users and its LMNS; an LMNS-wide import, which may hold
        every provider's figures, to the LMNS's own staff only."""
        from lmns.access import lmnss_staffed_by, providers_for

        return self.filter(
            Q(provider__in=providers_for(user)) | Q(provider__isnull=True, lmns__in=lmnss_staffed_by(user))
        )


class MonthlyReturnImport(SheetImport):
    """One uploaded file of monthly figures, from its check and preview to its apply."""

    lmns = models.ForeignKey(Lmns, on_delete=models.PROTECT, related_name="+", verbose_name="LMNS")
    # Empty for an LMNS-wide import.
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    file = PrivateFileField(upload_to=_upload_name, blank=True)
    update_existing = models.BooleanField(
        "Update months that already have a return",
        default=False,
        help_text="Otherwise a row for a month that already has a return is a problem.",
    )
    # Month-on-month changes beyond the usual, as the return form flags them: the preview lists
    # them (in ``changes``) and applying needs the importer to confirm them.
    flag_count = models.PositiveIntegerField(default=0)
    # Who applied it (and confirmed its flagged changes): the rows are checked in their reach.
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    objects = MonthlyReturnImportQuerySet.as_manager()

    class Meta(SheetImport.Meta):
        pass

    def __str__(self):
        return f"Import of {self.original_name} for {self.owner}"

    def get_absolute_url(self):
        return reverse("workforce:monthly-import-detail", kwargs={"pk": self.pk})

    @property
    def owner(self) -> Provider | Lmns:
        return self.provider or self.lmns
