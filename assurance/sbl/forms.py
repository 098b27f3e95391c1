from datetime import date

from django import forms
from django.utils import timezone

from assurance.models import Evidence
from assurance.sbl.models import Implementation, SblAnswer, quarter_label, quarter_start_of
from assurance.sbl.services import EARLIEST_QUARTER
from lmns.access import providers_where
from lmns.forms import NHSErrorMessagesMixin, Picker, Radios, RecordsChoiceField

# Offered when answering; "not yet answered" is only where every answer starts.
ANSWER_CHOICES = [
    (value, label) for value, label in Implementation.choices if value != Implementation.NOT_ANSWERED
]


def quarters(today: date | None = None) -> list[date]:
    """Every quarter from SBL v3's first to the current one, newest first."""
    start = quarter_start_of(today or timezone.localdate())
    found = []
    while start >= EARLIEST_QUARTER:
        found.append(start)
        start = date(start.year - (start.month == 1), (start.month - 4) % 12 + 1, 1)
    return found


class SblStartForm(NHSErrorMessagesMixin, forms.Form):
    provider = forms.ModelChoiceField(queryset=None)
    quarter_start = forms.TypedChoiceField(label="Quarter", coerce=date.fromisoformat)

    def __init__(self, *args, user, provider=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = providers_where(user, "assess")
        self.fields["provider"].initial = provider
        self.fields["quarter_start"].choices = [
            (start.isoformat(), quarter_label(start)) for start in quarters()
        ]


class SblAnswerForm(NHSErrorMessagesMixin, forms.Form):
    """One intervention's answer; an element's page holds one per intervention, each with its
    own prefix."""

    implementation = forms.ChoiceField(
        label="How far is it implemented?",
        choices=ANSWER_CHOICES,
        widget=Radios,
        error_messages={"required": "Select how far it is implemented"},
    )
    note = forms.CharField(
        label="Note",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="What is in place, what is missing, and the plan. Describe services and care, not people.",
    )
    evidence = RecordsChoiceField(
        label="Evidence",
        queryset=Evidence.objects.none(),
        required=False,
        widget=Picker,
        help_text="From the provider's evidence library (added on compliance requirements).",
    )

    def __init__(self, *args, answer: SblAnswer, evidence_choices, **kwargs):
        initial = {
            "implementation": ""
            if answer.implementation == Implementation.NOT_ANSWERED
            else answer.implementation,
            "note": answer.note,
            "evidence": [item.pk for item in answer.evidence.all()],
        }
        super().__init__(*args, prefix=f"answer-{answer.pk}", initial=initial, **kwargs)
        self.answer = answer
        # None when the provider has no current evidence: the field is left out.
        if evidence_choices is None:
            del self.fields["evidence"]
        else:
            self.fields["evidence"].queryset = evidence_choices

    def values(self) -> dict:
        return {
            "implementation": self.cleaned_data["implementation"],
            "note": self.cleaned_data["note"],
            "evidence": list(self.cleaned_data.get("evidence") or []),
        }


class SblCiteForm(NHSErrorMessagesMixin, forms.Form):
    items = RecordsChoiceField(
        label="Safety action 6 requirements it supports",
        queryset=None,
        widget=Picker,
    )

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["items"].queryset = items
        self.fields["items"].label_from_instance = lambda item: (
            f"{item.assessment.framework.name} ({item.assessment.framework.version}): "
            f"{item.requirement.code} {item.requirement.title}"
        )
