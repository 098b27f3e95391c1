from django import forms
from django.utils import timezone

from lmns.forms import DateField, NHSErrorMessagesMixin
from lmns.models import Unit, birth_site_ordering
from workforce.perinatal.models import (
    OutcomeSignal,
    PerinatalReturn,
    SafetyCheckAction,
    SignalLevel,
    SignalMeasure,
)

PERINATAL_SECTIONS = [
    (
        "Births",
        ["live_births", "stillbirths", "term_births", "term_stillbirths"],
    ),
    (
        "Deaths and their reviews",
        ["neonatal_deaths", "term_neonatal_deaths", "late_fetal_losses", "pmrt_reviews"],
    ),
    (
        "Harm to babies and mothers",
        ["hie_cooled", "term_nnu_admissions", "pph_1500", "third_fourth_degree_tears"],
    ),
    (
        "Obstetric and midwifery staffing",
        ["obstetric_rota_gaps", "midwifery_shifts_planned", "midwifery_shifts_filled"],
    ),
    (
        "Feedback from women and families",
        ["complaints", "compliments", "fft_responses", "fft_positive"],
    ),
]


def site_prefix(unit) -> str:
    """The prefix of a site's figures on the return form: its ODS site code, which stays the
    same when the provider gains another site."""
    return f"perinatal-{unit.ods_site_code}"


class PerinatalReturnForm(NHSErrorMessagesMixin, forms.ModelForm):
    """One birth site's half of the monthly return: counts only; rates are worked out."""

    class Meta:
        model = PerinatalReturn
        fields = [name for _title, names in PERINATAL_SECTIONS for name in names]

    def __init__(self, *args, unit, **kwargs):
        kwargs.setdefault("prefix", site_prefix(unit))
        super().__init__(*args, **kwargs)
        self.unit = unit

    @property
    def is_left_empty(self) -> bool:
        """An optional site's form given nothing: the site is left without figures that month."""
        return self.empty_permitted and not self.has_changed()

    def sections(self):
        return [(title, [self[name] for name in names]) for title, names in PERINATAL_SECTIONS]


def site_forms(data, *, units, workforce_return=None) -> list[PerinatalReturnForm]:
    """A form for each of ``units`` (a provider's birth sites), holding the site's figures of
    ``workforce_return`` where it has them.

    A new return needs every site's figures. When a return is corrected, a site with none for
    that month may be left empty: it may have been added since, or not yet have opened, and
    demanding its figures would make a correction of an old month ask for made-up ones."""
    if workforce_return is None:
        return [PerinatalReturnForm(data, unit=unit) for unit in units]
    current = {
        item.unit_id: item for item in PerinatalReturn.objects.filter(workforce_return=workforce_return)
    }
    return [
        PerinatalReturnForm(data, unit=unit, instance=current[unit.pk])
        if unit.pk in current
        else PerinatalReturnForm(data, unit=unit, empty_permitted=True, use_required_attribute=False)
        for unit in units
    ]


class SiteChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.ods_site_code}), {obj.provider.name}"


class NationalSignalForm(NHSErrorMessagesMixin, forms.Form):
    # MOSS signals a site: the trust is told which of its sites the signal is for.
    unit = SiteChoiceField(queryset=None, label="Site")
    measure = forms.ChoiceField(label="What the signal is about", choices=SignalMeasure.choices)
    level = forms.ChoiceField(label="Level", choices=SignalLevel.choices)
    month = DateField(
        label="Month of the figures",
        help_text="Any day of the month the national signal is for.",
    )
    raised_on = DateField(label="Date the trust received the signal")
    notes = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Figures and context only: never anything that could identify a family.",
    )

    def __init__(self, *args, providers, **kwargs):
        super().__init__(*args, **kwargs)
        sites = Unit.objects.filter(provider__in=providers).birth_sites().select_related("provider")
        self.fields["unit"].queryset = sites.order_by("provider__name", *birth_site_ordering())
        if len(sites) == 1:
            self.fields["unit"].initial = sites[0]

    def clean_raised_on(self):
        value = self.cleaned_data["raised_on"]
        if value > timezone.localdate():
            raise forms.ValidationError("The date the signal was received cannot be in the future.")
        return value


class SafetyCheckForm(NHSErrorMessagesMixin, forms.ModelForm):
    class Meta:
        model = OutcomeSignal
        fields = ["findings", "check_completed_on"]
        widgets = {"findings": forms.Textarea(attrs={"rows": 6})}
        field_classes = {"check_completed_on": DateField}
        help_texts = {
            "findings": "What the check found about care, staffing and escalation. Never anything that "
            "could identify a family.",
            "check_completed_on": "Leave empty while the check is under way. Completing it shares it "
            "with the LMNS.",
        }


class SafetyCheckActionForm(NHSErrorMessagesMixin, forms.ModelForm):
    class Meta:
        model = SafetyCheckAction
        fields = ["description", "owner", "due_on"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        field_classes = {"due_on": DateField}
