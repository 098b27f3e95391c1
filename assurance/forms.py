from django import forms

from assurance.models import Evidence, Framework, RequirementAssessment, Status
from assurance.services import ITEM_FIELDS
from assurance.uploads import ALLOWED_DESCRIPTION, MAX_EVIDENCE_BYTES
from lmns.access import providers_where
from lmns.forms import DateInput, NHSErrorMessagesMixin, Radios, RecordsChoiceField
from lmns.models import Provider


class AssessmentStartForm(NHSErrorMessagesMixin, forms.Form):
    provider = forms.ModelChoiceField(queryset=Provider.objects.none())
    framework = forms.ModelChoiceField(queryset=Framework.objects.all())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = providers_where(user, "assess")


class ItemForm(NHSErrorMessagesMixin, forms.ModelForm):
    class Meta:
        model = RequirementAssessment
        fields = list(ITEM_FIELDS)
        widgets = {"status": Radios, "action_due_on": DateInput()}
        help_texts = {
            "not_applicable_reason": "Required when the requirement does not apply.",
            "action_plan": "Required when the requirement is not met or partially met.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = Status.choices


class EvidenceForm(NHSErrorMessagesMixin, forms.Form):
    description = forms.CharField(max_length=300, help_text=Evidence._meta.get_field("description").help_text)
    file = forms.FileField(
        required=False,
        help_text=f"{ALLOWED_DESCRIPTION}, up to {MAX_EVIDENCE_BYTES // 2**20} MB. Or give a link instead.",
    )
    url = forms.URLField(label="Link", required=False, max_length=500, assume_scheme="https")
    effective_from = forms.DateField(widget=DateInput())
    expires_on = forms.DateField(label="Expires on (optional)", required=False, widget=DateInput())
    items = RecordsChoiceField(
        queryset=RequirementAssessment.objects.none(),
        label="Requirements it supports",
        help_text="One piece of evidence can support requirements in several frameworks.",
    )

    def __init__(self, *args, provider, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["items"].queryset = (
            RequirementAssessment.objects.filter(assessment__provider=provider)
            .select_related("assessment__framework", "requirement")
            .order_by(
                "assessment__framework__name",
                "assessment__framework__version",
                "requirement__action__order",
                "requirement__order",
            )
        )
        self.fields["items"].label_from_instance = lambda item: (
            f"{item.assessment.framework.name} {item.assessment.framework.version}: "
            f"{item.requirement.code} {item.requirement.title}"
        )
        self.fields["items"].widget.attrs["size"] = 12

    def clean(self):
        data = super().clean()
        if bool(data.get("file")) == bool(data.get("url")):
            self.add_error("file", "Upload a file or give a link (one of the two).")
        return data


class EvidenceLinkForm(NHSErrorMessagesMixin, forms.Form):
    evidence = forms.ModelChoiceField(queryset=Evidence.objects.none(), label="Evidence already held")

    def __init__(self, *args, item, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["evidence"].queryset = Evidence.objects.filter(provider=item.assessment.provider).exclude(
            links__item=item
        )


class VerifyForm(NHSErrorMessagesMixin, forms.Form):
    decision = forms.ChoiceField(
        choices=[("accept", "Accept"), ("challenge", "Challenge and return to the provider")], widget=Radios
    )
    comment = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="Required when you challenge: say what the provider needs to address.",
    )


class ReturnUploadForm(NHSErrorMessagesMixin, forms.Form):
    file = forms.FileField(label="Completed return workbook (.xlsx)")
