from django import forms

from assurance.authoring import ACTION_FIELDS, DEADLINE_FIELDS, FRAMEWORK_FIELDS, REQUIREMENT_FIELDS
from assurance.models import (
    Deadline,
    Evidence,
    Framework,
    FrameworkAction,
    Requirement,
    RequirementAssessment,
    Status,
)
from assurance.services import ITEM_FIELDS
from lmns.access import lmnss_where, providers_where
from lmns.forms import DateField, NHSErrorMessagesMixin, Picker, Radios, RecordsChoiceField
from lmns.models import Lmns, Provider
from lmns.uploads import ALLOWED_DESCRIPTION, MAX_EVIDENCE_BYTES


class AssessmentStartForm(NHSErrorMessagesMixin, forms.Form):
    provider = forms.ModelChoiceField(queryset=Provider.objects.none())
    framework = forms.ModelChoiceField(
        queryset=Framework.objects.none(), help_text="Only published frameworks can be assessed."
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = providers_where(user, "assess")
        self.fields["framework"].queryset = Framework.objects.visible_to(user).assessable()


class ItemForm(NHSErrorMessagesMixin, forms.ModelForm):
    class Meta:
        model = RequirementAssessment
        fields = list(ITEM_FIELDS)
        widgets = {"status": Radios}
        field_classes = {"action_due_on": DateField}
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
    effective_from = DateField(
        help_text="The date from which it shows the requirement is met: for example the day an audit "
        "was completed or a policy was approved.",
    )
    expires_on = DateField(label="Expires on (optional)", required=False)
    items = RecordsChoiceField(
        queryset=RequirementAssessment.objects.none(),
        label="Requirements it supports",
        widget=Picker,
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

    def clean(self):
        data = super().clean()
        if bool(data.get("file")) == bool(data.get("url")):
            self.add_error("file", "Upload a file or give a link (one of the two).")
        return data

    def full_clean(self):
        super().full_clean()
        # A browser never keeps a chosen file when the page comes back with errors: say so at
        # the field, rather than let the evidence be saved later without it.
        chosen = self.files.get(self.add_prefix("file")) if self.is_bound else None
        if chosen and self._errors and "file" not in self._errors:
            self._errors["file"] = self.error_class(
                [f"Choose {chosen.name} again: files are not kept when the page shows an error"]
            )


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


# --- Authoring frameworks ------------------------------------------------------------------------


class FrameworkCopyForm(NHSErrorMessagesMixin, forms.Form):
    name = forms.CharField(max_length=200)
    version = forms.CharField(max_length=50, help_text="For example Year 8, or 2026/27.")
    lmns = forms.ModelChoiceField(
        queryset=Lmns.objects.none(),
        required=False,
        label="Who will use it",
        empty_label="Every LMNS of this deployment",
        help_text="A local framework is seen only by the chosen LMNS and its providers.",
    )
    change_note = forms.CharField(
        label="What this version changes", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args, source, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["lmns"].queryset = lmnss_where(user, "author_framework")
        self.initial.setdefault("name", source.name)
        if not user.is_superuser:
            # Only the deployment administrator authors deployment-wide frameworks.
            self.fields["lmns"].required = True
            self.fields["lmns"].empty_label = None

    def clean_lmns(self):
        lmns = self.cleaned_data["lmns"]
        if lmns is None and not self.user.is_superuser:
            raise forms.ValidationError("Choose your LMNS")
        return lmns


class FrameworkReviseForm(NHSErrorMessagesMixin, forms.Form):
    change_note = forms.CharField(
        label="What the revision corrects, and why",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Shown to providers beside the changed wording.",
    )


class FrameworkForm(NHSErrorMessagesMixin, forms.ModelForm):
    source_url = forms.URLField(
        label="Link to the source document", required=False, max_length=500, assume_scheme="https"
    )

    class Meta:
        model = Framework
        fields = list(FRAMEWORK_FIELDS)
        widgets = {
            "source_note": forms.Textarea(attrs={"rows": 4}),
            "change_note": forms.Textarea(attrs={"rows": 3}),
        }
        field_classes = {"period_start": DateField, "period_end": DateField, "source_date": DateField}
        help_texts = {
            "source_note": "How far the wording was checked, and against what.",
            "source_publisher": "For example NHS Resolution.",
        }


class SourceDocumentForm(NHSErrorMessagesMixin, forms.Form):
    source_document = forms.FileField(
        label="The published guidance", help_text="A PDF, Word or Excel file, up to 20 MB."
    )


class FrameworkUploadForm(NHSErrorMessagesMixin, forms.Form):
    file = forms.FileField(label="The edited framework workbook (.xlsx)")


class DeadlineForm(NHSErrorMessagesMixin, forms.ModelForm):
    class Meta:
        model = Deadline
        fields = list(DEADLINE_FIELDS)
        field_classes = {"due_on": DateField}
        labels = {"due_on": "Due on"}
        help_texts = {"name": "For example, Board declaration to NHS Resolution."}


class FrameworkActionForm(NHSErrorMessagesMixin, forms.ModelForm):
    class Meta:
        model = FrameworkAction
        fields = list(ACTION_FIELDS)
        widgets = {"summary": forms.Textarea(attrs={"rows": 3})}


class RequirementForm(NHSErrorMessagesMixin, forms.ModelForm):
    class Meta:
        model = Requirement
        fields = list(REQUIREMENT_FIELDS)
        widgets = {
            "text": forms.Textarea(attrs={"rows": 5}),
            "evidence_guidance": forms.Textarea(attrs={"rows": 3}),
        }
        field_classes = {"due_on": DateField}
        labels = {"text": "Requirement", "replaces": "Replaces, from the previous version"}

    def __init__(self, *args, framework, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["replaces"].queryset = Requirement.objects.filter(
            action__framework_id=framework.previous_id
        ).order_by("action__order", "order")
        self.fields["replaces"].empty_label = "Nothing: this requirement is new"
        if not framework.previous_id:
            del self.fields["replaces"]
