from datetime import timedelta

from django import forms
from django.utils import formats, timezone

from lmns.forms import NHSErrorMessagesMixin, Radios
from quality.api.models import ApiToken
from quality.api.services import DEFAULT_LIFETIME, LIFETIMES


def _lifetime_label(days: int) -> str:
    until = formats.date_format(timezone.localdate() + timedelta(days=days), "j F Y")
    length = "1 year" if days == 365 else f"{days} days"
    return f"{length} (until {until})"


class ApiTokenForm(NHSErrorMessagesMixin, forms.ModelForm):
    days = forms.TypedChoiceField(
        label="How long the token lasts",
        coerce=int,
        initial=DEFAULT_LIFETIME,
        widget=Radios,
        help_text="It stops working after this, and you create a new one. Choose the shortest time "
        "that suits the system using it.",
    )

    class Meta:
        model = ApiToken
        fields = ["name"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["days"].choices = [(days, _lifetime_label(days)) for days in LIFETIMES]
