from django import forms

from assurance.oversight.models import (
    KEY_QUESTIONS,
    ConcernSource,
    CqcMaternityRating,
    CqcRating,
    ExternalConcern,
    OversightLevel,
)
from lmns.access import providers_where
from lmns.forms import DateField, NHSErrorMessagesMixin, Radios


class ExternalConcernForm(NHSErrorMessagesMixin, forms.ModelForm):
    """Log a concern or notice, or correct one. The provider is chosen only when logging, from
    those the user may log concerns for."""

    # The reference is a regulator's or coroner's case number, not a person's.
    pid_exempt = frozenset({"reference"})

    class Meta:
        model = ExternalConcern
        fields = ["source", "source_name", "received_on", "reference", "summary", "response_due_on"]
        widgets = {
            "source": Radios,
            "summary": forms.Textarea(attrs={"rows": 5}),
        }
        field_classes = {"received_on": DateField, "response_due_on": DateField}

    def __init__(self, *args, user, concern=None, provider=None, **kwargs):
        super().__init__(*args, instance=concern, **kwargs)
        self.fields["source"].choices = ConcernSource.choices
        if concern is None:
            self.fields["provider"] = forms.ModelChoiceField(
                queryset=providers_where(user, "record_external_concern"),
                label="Provider",
                initial=provider,
            )
            self.order_fields(["provider", *self.Meta.fields])

    def clean(self):
        data = super().clean()
        if data.get("source") == ConcernSource.OTHER and not (data.get("source_name") or "").strip():
            self.add_error("source_name", "Enter the name of the organisation that raised it")
        return data

    def service_kwargs(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class RespondForm(NHSErrorMessagesMixin, forms.Form):
    responded_on = DateField(label="Date the response was sent")
    response_summary = forms.CharField(
        label="What the response said",
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="The actions the trust committed to, and by when. Describe care and services, not people.",
    )
    close = forms.BooleanField(
        label="Close the concern: nothing more is expected of the trust", required=False
    )


class CqcRatingForm(NHSErrorMessagesMixin, forms.ModelForm):
    report_url = forms.URLField(
        label="Link to the report",
        max_length=500,
        assume_scheme="https",
        help_text="The report's page on the CQC website.",
    )

    class Meta:
        model = CqcMaternityRating
        fields = [
            "inspected_on",
            "published_on",
            "overall",
            *(name for name, _ in KEY_QUESTIONS),
            "report_url",
        ]
        widgets = {"overall": Radios}
        field_classes = {"inspected_on": DateField, "published_on": DateField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["overall"].choices = CqcRating.choices
        for name, _label in KEY_QUESTIONS:
            self.fields[name].choices = [("", "Not rated"), *CqcRating.choices]


class OversightLevelForm(NHSErrorMessagesMixin, forms.Form):
    level = forms.ChoiceField(label="Oversight level", choices=OversightLevel.choices, widget=Radios)
    in_mssp = forms.BooleanField(label="In the Maternity Safety Support Programme", required=False)
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Why the LMNS holds the provider at this level, and what would change it.",
    )
