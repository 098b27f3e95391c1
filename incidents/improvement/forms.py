import re

from django import forms

from incidents.improvement.models import CommunicationItem, PdsaCycle, PlanMeasure, PlanTeamMember
from incidents.improvement.selectors import (
    SCALE,
    driver_diagram,
    plan_owner_choices,
    plan_sections,
    primary_driver_choices,
    survey_definitions,
)
from incidents.models import PID_WARNING, Learning, LearningStatus, Theme
from lmns.access import lmnss_where, providers_where
from lmns.forms import Checkboxes, DateField, NHSErrorMessagesMixin, Picker, Radios, RecordsChoiceField
from lmns.models import Lmns, Provider

SECTION_HELP = "Describe care and services, not people: nothing that could identify a patient or family."


class PlanForm(NHSErrorMessagesMixin, forms.Form):
    """Start a plan (whose it is, driver, aim, secondary drivers, what prompted it), or change
    it on the General tab, which adds the nine sections."""

    owner = forms.ChoiceField(
        label="Whose plan is it?", error_messages={"required": "Select whose plan it is"}
    )
    title = forms.CharField(
        max_length=200, help_text="A short name the team will use, for example 'Fresh eyes'."
    )
    primary_driver = forms.ChoiceField(
        label="Primary driver", widget=Radios, help_text="From the national driver diagram."
    )
    overarching_aim = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The aim for this programme of work, which the project's aims build on. " + PID_WARNING,
    )
    foundations = forms.MultipleChoiceField(
        label="Secondary drivers", required=False, widget=Checkboxes, help_text="The national foundations."
    )
    own_drivers = forms.CharField(
        label="Your own secondary drivers",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One per line, for example 'Reliable CTG review at every handover'.",
    )
    themes = RecordsChoiceField(
        queryset=Theme.objects.none(),
        required=False,
        widget=Checkboxes,
        label="SSIG themes that prompted the plan",
    )
    learning = RecordsChoiceField(
        queryset=Learning.objects.none(),
        required=False,
        widget=Picker,
        label="Learning that prompted the plan",
        help_text="Learning shared at the SSIG, or your own provider's.",
    )

    def __init__(self, *args, user, plan=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["primary_driver"].choices = primary_driver_choices()
        self.fields["foundations"].choices = [(f, f) for f in driver_diagram()["foundations"]]
        if plan is None:
            self.fields["themes"].queryset = Theme.objects.visible_to(user).active()
            self.fields["owner"].choices = plan_owner_choices(user)
            providers = providers_where(user, "plan_improvement")
            lmns_ids = set(providers.values_list("lmns", flat=True)) | set(
                lmnss_where(user, "plan_improvement").values_list("pk", flat=True)
            )
        else:
            del self.fields["owner"]
            providers = Provider.objects.filter(pk=plan.provider_id)
            lmns_ids = {plan.lmns_id}
            self.fields["themes"].queryset = Theme.objects.available_to(plan.lmns).active_or(
                plan.themes.all()
            )
            for section in plan_sections():
                self.fields[section.field] = forms.CharField(
                    label=section.title,
                    required=False,
                    widget=forms.Textarea(attrs={"rows": 5}),
                    help_text=SECTION_HELP,
                )
        visible = Learning.objects.visible_to(user)
        self.fields["learning"].queryset = (
            visible.filter(provider__in=providers)
            | visible.filter(status=LearningStatus.SHARED, provider__lmns__in=lmns_ids)
        ).distinct()

    @property
    def sections(self):
        """(bound field, the portal's guidance) for each General section."""
        return [(self[section.field], section.guidance) for section in plan_sections()]

    @classmethod
    def initial_for(cls, plan) -> dict:
        foundations = set(driver_diagram()["foundations"])
        return {
            "title": plan.title,
            "primary_driver": plan.primary_driver,
            "overarching_aim": plan.overarching_aim,
            "foundations": [d for d in plan.secondary_drivers if d in foundations],
            "own_drivers": "\n".join(d for d in plan.secondary_drivers if d not in foundations),
            "themes": list(plan.themes.all()),
            "learning": list(plan.learning.all()),
            **{section.field: section.text for section in plan_sections(plan)},
        }

    def clean_owner(self):
        kind, _, pk = self.cleaned_data["owner"].partition("-")
        model = Provider if kind == "provider" else Lmns
        return model.objects.get(pk=pk)

    def clean_own_drivers(self):
        drivers = [line.strip() for line in self.cleaned_data["own_drivers"].splitlines() if line.strip()]
        if any(len(line) > 200 for line in drivers):
            raise forms.ValidationError("Keep each secondary driver to 200 characters.")
        return drivers

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data["secondary_drivers"] = data.pop("foundations") + data.pop("own_drivers")
        if "owner" in data:
            data["organisation"] = data.pop("owner")
        return data


class ClosePlanForm(NHSErrorMessagesMixin, forms.Form):
    closed_on = DateField(
        label="Date the plan closed",
        help_text="The month it closed in still has its highlight report; no report is due after it.",
        error_messages={"required": "Enter the date the plan closed"},
    )
    summary = forms.CharField(
        label="Closing summary",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="What the plan achieved against its aims, what is sustained and who carries it on. "
        + SECTION_HELP,
        error_messages={"required": "Enter the closing summary"},
    )


class MeasureForm(NHSErrorMessagesMixin, forms.ModelForm):
    class Meta:
        model = PlanMeasure
        fields = [
            "name",
            "measure_type",
            "definition",
            "direction",
            "unit",
            "collected_by",
            "frequency",
            "lead",
            "due_on",
            "risks",
        ]
        widgets = {
            "measure_type": Radios,
            "direction": Radios,
            "definition": forms.Textarea(attrs={"rows": 3}),
            "risks": forms.Textarea(attrs={"rows": 3}),
        }
        field_classes = {"due_on": DateField}
        help_texts = {
            "measure_type": "Outcome: the result for women and babies. Process: whether the change is "
            "done. Balancing: whether it causes a problem elsewhere.",
            "direction": "Colours the chart's special causes as improvement or concern.",
        }


class CommunicationForm(NHSErrorMessagesMixin, forms.ModelForm):
    class Meta:
        model = CommunicationItem
        fields = ["audience", "message", "channel", "when", "owner"]
        widgets = {"message": forms.Textarea(attrs={"rows": 3})}
        labels = {"channel": "Channel or method"}


class TeamMemberForm(NHSErrorMessagesMixin, forms.ModelForm):
    class Meta:
        model = PlanTeamMember
        fields = ["name", "role", "email"]
        labels = {"role": "Role (optional)", "email": "Email address (optional)"}
        error_messages = {
            "email": {"invalid": "Enter a complete email address, like name@example.com, or leave it empty"}
        }


class PdsaForm(NHSErrorMessagesMixin, forms.ModelForm):
    class Meta:
        model = PdsaCycle
        fields = ["title", "started_on", "ended_on", "change"]
        widgets = {
            "change": forms.Textarea(attrs={"rows": 4}),
        }
        field_classes = {"started_on": DateField, "ended_on": DateField}
        labels = {"ended_on": "End date (optional)"}


ROW_FORMS = {
    "measure": MeasureForm,
    "communication": CommunicationForm,
    "team": TeamMemberForm,
    "pdsa": PdsaForm,
}


class MeasureValuesForm(NHSErrorMessagesMixin, forms.Form):
    """One box per month, and a "remove" tick for each month that has a value.

    The boxes are text, not number inputs: a browser sends a number input it cannot read
    ("7e") as empty, which read as "remove" and lost the stored value while the page said
    "Values saved.". Now unreadable text is refused, and a stored value goes only when its
    "remove" box is ticked.
    """

    def __init__(self, *args, months, stored: dict, **kwargs):
        kwargs["initial"] = {self._box(month): value for month, value in stored.items()}
        super().__init__(*args, **kwargs)
        self.months, self.stored = months, stored
        for month in months:
            label = f"{month:%B %Y}"
            self.fields[self._box(month)] = forms.DecimalField(
                label=label,
                required=False,
                max_digits=12,
                decimal_places=2,
                widget=forms.TextInput(
                    attrs={"class": "nhsuk-input--width-5", "inputmode": "decimal", "spellcheck": "false"}
                ),
                error_messages={
                    "invalid": f"Enter a number for {label}",
                    "max_digits": f"Enter a number for {label} of up to 12 digits",
                    "max_decimal_places": f"Enter a number for {label} with up to 2 decimal places",
                    "max_whole_digits": f"Enter a number for {label} of up to 10 digits before the point",
                },
            )
            if month in stored:
                self.fields[self._remove(month)] = forms.BooleanField(
                    label=f"Remove the {label} value", required=False
                )

    @staticmethod
    def _box(month) -> str:
        return f"m{month:%Y-%m}"

    @staticmethod
    def _remove(month) -> str:
        return f"remove-{month:%Y-%m}"

    def clean(self):
        data = super().clean()
        for month in self.months:
            box, label = self._box(month), f"{month:%B %Y}"
            if box in self.errors:
                continue
            value, remove = data.get(box), data.get(self._remove(month), False)
            stored = self.stored.get(month)
            if self.add_prefix(box) not in self.data and not remove:
                # A box the page never sent (a month added since it was drawn) keeps its value.
                data[box] = stored
                continue
            if remove and value is not None and value != stored:
                self.add_error(box, f"Enter a new value for {label} or remove it, not both")
            elif value is None and stored is not None and not remove:
                self.add_error(box, f"Enter a number for {label}, or tick “Remove the {label} value”")
        return data

    def values(self) -> dict:
        """Each month's value; None for a month whose value is to be removed or was never given."""
        return {
            month: None if self.cleaned_data.get(self._remove(month)) else self.cleaned_data[self._box(month)]
            for month in self.months
        }


# --- The health survey --------------------------------------------------------------------------


class SurveyRoundForm(NHSErrorMessagesMixin, forms.Form):
    lmns = forms.ModelChoiceField(queryset=Lmns.objects.none(), label="LMNS")
    survey = forms.ChoiceField(widget=Radios)
    title = forms.CharField(max_length=200, help_text="For example 'Spring 2026'.")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        lmnss = lmnss_where(user, "plan_improvement")
        self.fields["lmns"].queryset = lmnss
        if len(lmnss) == 1:
            self.fields["lmns"].initial = lmnss[0].pk
            self.fields["lmns"].widget = forms.HiddenInput()
        self.fields["survey"].choices = [(slug, s["title"]) for slug, s in survey_definitions().items()]
        if len(self.fields["survey"].choices) == 1:
            self.fields["survey"].initial = self.fields["survey"].choices[0][0]


class InviteForm(NHSErrorMessagesMixin, forms.Form):
    pid_exempt = frozenset({"emails"})  # staff addresses to send the survey to, not free text
    emails = forms.CharField(
        label="Email addresses",
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="One or more, separated by new lines, commas or spaces. Each person gets their own "
        "single-use link. The addresses are used to send the links and are not kept.",
    )

    def clean_emails(self):
        return [part for part in re.split(r"[\s,;]+", self.cleaned_data["emails"]) if part]


class ScaleRadios(forms.RadioSelect):
    template_name = "incidents/improvement/_scale_radios.html"


class SurveyAnswerForm(forms.Form):
    """One question per statement, each on the agreement scale with "don't know"."""

    token = forms.CharField(widget=forms.HiddenInput())

    def __init__(self, *args, definition, **kwargs):
        super().__init__(*args, **kwargs)
        self.groups = []
        number = 0
        for group in definition["groups"]:
            names = []
            for statement in group["statements"]:
                number += 1
                name = f"s_{statement['key']}"
                self.fields[name] = forms.TypedChoiceField(
                    label=f"{number}. {statement['text']}",
                    choices=SCALE,
                    coerce=int,
                    widget=ScaleRadios,
                    error_messages={"required": f"Select an answer to statement {number}"},
                )
                names.append(name)
            self.groups.append((group["title"], [self[name] for name in names]))

    def answers(self) -> dict[str, int]:
        return {name[2:]: value for name, value in self.cleaned_data.items() if name.startswith("s_")}
