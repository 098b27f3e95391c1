from datetime import date

from django import forms

from incidents.highlights.models import LAST_DUE_DAY, HighlightReport, ReportStatus
from incidents.models import PID_WARNING
from lmns.forms import NHSErrorMessagesMixin, Radios
from lmns.models import Lmns

TEXT_HELP = {
    "progress": "What the team did this month, against the plan's aims and PDSA cycles.",
    "successes": "What went well, worth sharing with the other providers.",
    "risks": "What could stop the plan, and what you are doing about it.",
    "support_asked": "What you would like from the LMNS, for example data support or an introduction.",
    "next_steps": "What the team will do next month.",
}


class HighlightReportForm(NHSErrorMessagesMixin, forms.ModelForm):
    """A report's text. Every box may stay empty in a draft; submitting asks for the overall
    status and progress (``services.highlight_report_submit``)."""

    class Meta:
        model = HighlightReport
        fields = [
            "overall_status",
            "status_reason",
            "progress",
            "successes",
            "risks",
            "support_asked",
            "next_steps",
        ]
        widgets = {
            "overall_status": Radios,
            **{
                name: forms.Textarea(attrs={"rows": 4})
                for name in ["status_reason", "progress", "successes", "risks", "support_asked", "next_steps"]
            },
        }
        labels = {"status_reason": "Why is it at risk or off track?"}
        # The page warns once, above the form, against writing about people; every box is
        # guarded (NHSErrorMessagesMixin), so the warning need not repeat under each.
        help_texts = {"status_reason": "Needed when the plan is not on track.", **TEXT_HELP}

    def __init__(self, *args, month_choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["overall_status"].error_messages["invalid_choice"] = "Select the overall status"
        if month_choices is not None:
            self.fields = {
                "month": forms.ChoiceField(
                    label="Which month is the report for?",
                    choices=month_choices,
                    error_messages={
                        "required": "Select the month the report is for",
                        "invalid_choice": "Select a month from the list",
                    },
                ),
                **self.fields,
            }

    def clean_month(self):
        return date.fromisoformat(self.cleaned_data["month"])

    def service_kwargs(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class ReviewForm(NHSErrorMessagesMixin, forms.Form):
    review_comment = forms.CharField(
        label="Your comment for the provider",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="What the LMNS makes of the month, and the support it will give. " + PID_WARNING,
        error_messages={"required": "Enter your comment for the provider"},
    )


class ScheduleForm(NHSErrorMessagesMixin, forms.Form):
    lmns = forms.ModelChoiceField(
        label="LMNS",
        queryset=Lmns.objects.none(),
        error_messages={"required": "Select the LMNS", "invalid_choice": "Select an LMNS from the list"},
    )
    due_day = forms.IntegerField(
        label="Day of the month reports are due",
        min_value=1,
        max_value=LAST_DUE_DAY,
        help_text="Each month's report is due on this day of the following month: 1 to 28, so every "
        "month has it.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "nhsuk-input--width-2"}),
        error_messages={
            "required": "Enter the day of the month reports are due",
            "invalid": "Enter the day as a number from 1 to 28",
            "min_value": "Enter a day from 1 to 28",
            "max_value": "Enter a day from 1 to 28",
        },
    )

    def __init__(self, *args, lmnss, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lmns"].queryset = lmnss
        if len(lmnss) == 1:
            self.fields["lmns"].initial = lmnss[0].pk


class FilterForm(forms.Form):
    status = forms.ChoiceField(
        label="Latest report",
        required=False,
        choices=[("", "Any"), ("none", "No report yet"), *ReportStatus.choices],
    )
    plans = forms.ChoiceField(
        label="Plans",
        required=False,
        choices=[("", "Open and closed"), ("open", "Open only"), ("closed", "Closed only")],
    )
    late = forms.BooleanField(label="Late only", required=False)
    awaiting = forms.BooleanField(
        label="Awaiting your review (every submitted report, not only each plan's latest)",
        required=False,
    )
