"""Forms for safety champion records and the MNVP's feedback. Every text box is under the PID
guard (``NHSErrorMessagesMixin``): what staff and families said is recorded as themes only."""

from django import forms

from lmns import access
from lmns.forms import DateField, NHSErrorMessagesMixin
from lmns.models import Unit
from workforce.champions.models import ChampionAction, ChampionsMeeting, MnvpFeedback, Walkabout

ACTION = "record_champions"
NO_PERSONAL_DETAILS = (
    "Themes only. Never record a family's or a baby's name, dates of birth, addresses or anything "
    "else that could identify someone."
)


def _provider_field(form, user) -> None:
    """On a new record only: the providers the user records for, chosen for them when there is one."""
    providers = access.providers_where(user, ACTION).select_related("lmns")
    form.fields["provider"].queryset = providers
    if len(providers) == 1:
        form.fields["provider"].initial = providers[0].pk


class WalkaboutForm(NHSErrorMessagesMixin, forms.ModelForm):
    class Meta:
        model = Walkabout
        fields = ["provider", "unit", "held_on", "board_champions", "frontline_champions", "staff_said"]
        widgets = {"staff_said": forms.Textarea(attrs={"rows": 6})}
        field_classes = {"held_on": DateField}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["provider"]
            units = Unit.objects.filter(provider_id=self.instance.provider_id)
        else:
            _provider_field(self, user)
            units = Unit.objects.filter(provider__in=self.fields["provider"].queryset)
        self.fields["unit"].queryset = units.select_related("provider")
        self.fields["unit"].error_messages["invalid_choice"] = "Select one of the provider's own units"
        self.fields["unit"].label_from_instance = lambda unit: f"{unit.name} ({unit.provider.name})"

    def clean(self):
        cleaned = super().clean()
        provider = cleaned.get("provider") or getattr(self.instance, "provider", None)
        unit = cleaned.get("unit")
        if provider and unit and unit.provider_id != provider.pk:
            self.add_error("unit", f"Select one of {provider}'s own units")
        return cleaned

    def service_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields if name in self.fields}


class ChampionsMeetingForm(NHSErrorMessagesMixin, forms.ModelForm):
    class Meta:
        model = ChampionsMeeting
        fields = ["provider", "held_on", "attendees", "key_points"]
        widgets = {"key_points": forms.Textarea(attrs={"rows": 6})}
        field_classes = {"held_on": DateField}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["provider"]
        else:
            _provider_field(self, user)

    def service_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields if name in self.fields}


class ChampionActionForm(NHSErrorMessagesMixin, forms.ModelForm):
    class Meta:
        model = ChampionAction
        fields = ["you_said", "we_did", "owner", "due_on", "status"]
        widgets = {
            "you_said": forms.Textarea(attrs={"rows": 3}),
            "we_did": forms.Textarea(attrs={"rows": 3}),
        }
        field_classes = {"due_on": DateField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            # A new action is open: it is marked done from its own page.
            del self.fields["status"]

    def service_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields if name in self.fields}


class MnvpFeedbackForm(NHSErrorMessagesMixin, forms.ModelForm):
    class Meta:
        model = MnvpFeedback
        fields = ["provider", "period_start", "period_end", "themes", "response", "status"]
        widgets = {
            "themes": forms.Textarea(attrs={"rows": 6}),
            "response": forms.Textarea(attrs={"rows": 6}),
        }
        field_classes = {"period_start": DateField, "period_end": DateField}
        help_texts = {"response": NO_PERSONAL_DETAILS}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["provider"]
        else:
            _provider_field(self, user)

    def service_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields if name in self.fields}
