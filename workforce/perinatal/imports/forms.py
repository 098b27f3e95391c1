from django import forms
from django.core.exceptions import ValidationError

from lmns import access
from lmns.forms import NHSErrorMessagesMixin
from lmns.imports.mapping import columns_from_text
from lmns.imports.parsing import MAX_UPLOAD_BYTES
from workforce.perinatal.imports import fields
from workforce.perinatal.imports.checking import ACTION
from workforce.perinatal.imports.models import MonthlyImportMapping


def owners_for(user) -> dict:
    """Where ``user`` may import, as {choice value: (label, lmns, provider)}: each provider at
    which they may import, and the whole LMNS for its own staff who may."""
    owners = {}
    for lmns in access.lmnss_where(user, ACTION).order_by("name"):
        owners[f"lmns-{lmns.pk}"] = (f"Every provider of {lmns.name}", lmns, None)
    for provider in access.providers_where(user, ACTION).select_related("lmns"):
        owners[f"provider-{provider.pk}"] = (provider.name, provider.lmns, provider)
    return owners


class OwnerChoice(forms.ChoiceField):
    def __init__(self, owners: dict, **kwargs):
        super().__init__(choices=[(key, label) for key, (label, _l, _p) in owners.items()], **kwargs)
        self.owners = owners
        if len(owners) == 1:
            self.initial = next(iter(owners))

    def clean(self, value):
        return self.owners[super().clean(value)][1:]  # (lmns, provider or None)


class MonthlyImportUploadForm(NHSErrorMessagesMixin, forms.Form):
    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        owners = owners_for(user)
        self.fields["owner"] = OwnerChoice(
            owners,
            label="Figures of",
            help_text="Rows for any other provider or site are refused.",
        )
        choices = {}
        for _label, lmns, provider in owners.values():
            choices.update(fields.mapping_choices(lmns_id=lmns.pk, provider=provider))
        self.fields["mapping"] = forms.ChoiceField(
            label="Column mapping",
            choices=list(choices.items()),
            help_text="Which dashboard or extract the file comes from, and how its columns are named.",
        )
        self.fields["file"] = forms.FileField(
            label="File (.xlsx or .csv)",
            help_text=f"Up to {MAX_UPLOAD_BYTES // (1024 * 1024)} MB, one row per site and month. Nothing "
            "is changed until you have seen what the import will do and chosen to apply it.",
        )
        self.fields["update_existing"] = forms.BooleanField(
            label="Update months that already have a return",
            required=False,
            help_text="Otherwise a row for a month that already has a return is a problem, and nothing "
            "is imported.",
        )

    def clean_file(self):
        file = self.cleaned_data["file"]
        if file.size == 0:
            raise ValidationError("The file is empty.")
        if file.size > MAX_UPLOAD_BYTES:
            raise ValidationError(
                f"The file must be smaller than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB. Export fewer months."
            )
        return file

    def clean(self):
        cleaned = super().clean()
        owner, name = cleaned.get("owner"), cleaned.get("mapping")
        if owner and name:
            lmns, provider = owner
            if name not in dict(fields.mapping_choices(lmns_id=lmns.pk, provider=provider)):
                self.add_error("mapping", f"{provider or lmns} has no mapping called “{name}”.")
        return cleaned


class MonthlyImportMappingForm(NHSErrorMessagesMixin, forms.Form):
    """A mapping as a plain-text list, which anyone can edit without a special widget."""

    name = forms.CharField(max_length=60, help_text="For example “Our maternity dashboard”.")
    columns = forms.CharField(
        label="Columns",
        widget=forms.Textarea(attrs={"rows": 20}),
        help_text="One line per column: Their heading = our field. Our fields: "
        + ", ".join(f"{name} ({field.label})" for name, field in fields.FIELDS.items())
        + ".",
    )

    def __init__(self, *args, user, mapping: MonthlyImportMapping | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.mapping = mapping
        if mapping is None:
            self.fields["owner"] = OwnerChoice(
                owners_for(user),
                label="Mapping of",
                help_text="An LMNS's mapping may be used by its providers too.",
            )
            self.order_fields(["owner"])

    def clean_columns(self):
        return columns_from_text(self.cleaned_data["columns"])

    def clean(self):
        cleaned = super().clean()
        if self.mapping is not None:
            lmns, provider = self.mapping.lmns, self.mapping.provider
        elif cleaned.get("owner"):
            lmns, provider = cleaned["owner"]
        else:
            return cleaned
        name = (cleaned.get("name") or "").strip()
        if name:
            clash = MonthlyImportMapping.objects.filter(lmns=lmns, provider=provider, name__iexact=name)
            if self.mapping is not None:
                clash = clash.exclude(pk=self.mapping.pk)
            if clash.exists():
                self.add_error("name", f"{provider or lmns} already has a mapping called “{name}”.")
        return cleaned
