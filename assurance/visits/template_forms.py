from django import forms

from assurance.models import VisitTemplate, VisitTemplateLine, VisitTemplateSection
from assurance.visits.template_services import LINE_FIELDS, SECTION_FIELDS, TEMPLATE_FIELDS
from lmns.forms import DateField, NHSErrorMessagesMixin
from lmns.models import Lmns


class VisitTemplateCopyForm(NHSErrorMessagesMixin, forms.Form):
    name = forms.CharField(max_length=200)
    version = forms.CharField(max_length=50, help_text="For example 2027, or CQC final framework.")
    lmns = forms.ModelChoiceField(
        queryset=Lmns.objects.none(),
        required=False,
        label="Who will use it",
        empty_label="Every LMNS of this deployment",
        help_text="A local template is seen only by the chosen LMNS.",
    )
    change_note = forms.CharField(
        label="What this version changes", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args, source, lmnss, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["lmns"].queryset = lmnss
        self.initial.setdefault("name", source.name)
        if not user.is_superuser:
            # Only the deployment administrator writes deployment-wide templates.
            self.fields["lmns"].required = True
            self.fields["lmns"].empty_label = None

    def clean_lmns(self):
        lmns = self.cleaned_data["lmns"]
        if lmns is None and not self.user.is_superuser:
            raise forms.ValidationError("Choose your LMNS")
        return lmns


class VisitTemplateForm(NHSErrorMessagesMixin, forms.ModelForm):
    source_url = forms.URLField(
        label="Link to the source document", required=False, max_length=500, assume_scheme="https"
    )

    class Meta:
        model = VisitTemplate
        fields = list(TEMPLATE_FIELDS)
        widgets = {
            "source_note": forms.Textarea(attrs={"rows": 4}),
            "revise_note": forms.Textarea(attrs={"rows": 3}),
            "change_note": forms.Textarea(attrs={"rows": 3}),
        }
        field_classes = {"source_date": DateField}
        help_texts = {
            "source_note": "How far the wording was checked, and against what.",
            "source_publisher": "For example Care Quality Commission.",
        }


class VisitTemplateSectionForm(NHSErrorMessagesMixin, forms.ModelForm):
    class Meta:
        model = VisitTemplateSection
        fields = list(SECTION_FIELDS)
        help_texts = {"code": "A short code findings are filed under, for example safe or well_led."}


class VisitTemplateLineForm(NHSErrorMessagesMixin, forms.ModelForm):
    class Meta:
        model = VisitTemplateLine
        fields = list(LINE_FIELDS)
        widgets = {"prompt": forms.Textarea(attrs={"rows": 3}), "guidance": forms.Textarea(attrs={"rows": 3})}
