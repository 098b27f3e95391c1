from django import forms

from lmns.forms import NHSErrorMessagesMixin, Radios
from lmns.work_email.models import Frequency


class WorkEmailForm(NHSErrorMessagesMixin, forms.Form):
    frequency = forms.ChoiceField(
        label="When should we email you about work waiting for you?",
        choices=Frequency.choices,
        widget=Radios,
        help_text="Learning to sign off, requirements the LMNS challenged, recommendations asking for "
        "closure and concerns handed to you. Emails link to the work and hold nothing from it.",
        # The label is a question, so it says its own instruction (lmns.forms.NHSErrorMessagesMixin).
        error_messages={
            "required": "Select when to email you about work waiting for you",
            "invalid_choice": "Select when to email you about work waiting for you",
        },
    )
