from django import forms
from django.core.exceptions import ValidationError

from incidents.imports import mapping as mappings
from incidents.imports.models import ImportMapping
from incidents.models import ReferralBody
from lmns.access import providers_where
from lmns.forms import NHSErrorMessagesMixin
from lmns.imports.parsing import MAX_UPLOAD_BYTES


class ProviderChoice(forms.ModelChoiceField):
    """The providers the user may import for. With only one there is nothing to choose: it is
    chosen, and no empty option is offered in its place."""

    def __init__(self, user, **kwargs):
        super().__init__(queryset=providers_where(user, "record_incident"), **kwargs)
        if len(self.queryset) == 1:
            self.initial = self.queryset[0]
            self.empty_label = None


class ImportUploadForm(NHSErrorMessagesMixin, forms.Form):
    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"] = ProviderChoice(user, label="Provider")
        choices = {}
        for provider in self.fields["provider"].queryset:
            choices.update(mappings.mapping_choices(provider))
        self.fields["mapping"] = forms.ChoiceField(
            label="Column mapping",
            choices=list(choices.items()),
            help_text="Which system the file was exported from, and how its columns are named.",
        )
        self.fields["file"] = forms.FileField(
            label="Exported file (.xlsx or .csv)",
            help_text=f"Up to {MAX_UPLOAD_BYTES // (1024 * 1024)} MB. Nothing is changed until you have "
            "seen what the import will do and chosen to apply it.",
        )

    def clean_file(self):
        file = self.cleaned_data["file"]
        # Refused on size alone, before anything tries to read it.
        if file.size == 0:
            raise ValidationError("The file is empty.")
        if file.size > MAX_UPLOAD_BYTES:
            raise ValidationError(
                f"The file must be smaller than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB. "
                "Export fewer incidents at a time."
            )
        return file

    def clean(self):
        cleaned = super().clean()
        provider, name = cleaned.get("provider"), cleaned.get("mapping")
        if provider and name and name not in dict(mappings.mapping_choices(provider)):
            self.add_error("mapping", f"{provider.name} has no mapping called “{name}”.")
        return cleaned


class ImportMappingForm(NHSErrorMessagesMixin, forms.Form):
    """A mapping as two plain-text lists, which anyone can edit without a special widget."""

    name = forms.CharField(max_length=60, help_text="For example “Datix (our export)”.")
    columns = forms.CharField(
        label="Columns",
        widget=forms.Textarea(attrs={"rows": 14}),
    )
    values = forms.CharField(
        label="Value labels",
        required=False,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text="One line per label: our field: their label = our value, for example "
        "“physical_harm: No harm = none” or “unit: Labour Ward = Delivery Suite” (a unit by our name "
        "or site code). Labels apply to incident_type, unit, provider and the harm, response and "
        "duty of candour fields.",
    )

    def __init__(self, *args, user, mapping: ImportMapping | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.mapping = mapping
        bodies = ReferralBody.objects.visible_to(user).active()
        names = [*mappings.FIELDS, *mappings.body_fields(bodies)]
        self.fields["columns"].help_text = (
            "One line per column: Their heading = our field. Our fields: " + ", ".join(names) + "."
        )
        if mapping is None:
            self.fields["provider"] = ProviderChoice(user, label="Provider")
            self.order_fields(["provider"])

    def clean_columns(self):
        return mappings.columns_from_text(self.cleaned_data["columns"])

    def clean_values(self):
        return mappings.values_from_text(self.cleaned_data["values"])

    def clean(self):
        cleaned = super().clean()
        provider = cleaned.get("provider") or (self.mapping and self.mapping.provider)
        name = (cleaned.get("name") or "").strip()
        if provider and name:
            clash = ImportMapping.objects.filter(provider=provider, name__iexact=name)
            if self.mapping is not None:
                clash = clash.exclude(pk=self.mapping.pk)
            if clash.exists():
                self.add_error("name", f"{provider.name} already has a mapping called “{name}”.")
        return cleaned
