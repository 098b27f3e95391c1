"""Forms of a SCORE wave. Every text box is under the PID guard (``NHSErrorMessagesMixin``):
debrief notes and actions are themes, never names."""

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from lmns import access
from lmns.forms import DateField, NHSErrorMessagesMixin
from lmns.imports.mapping import columns_from_text, columns_to_text
from lmns.imports.parsing import MAX_UPLOAD_BYTES
from workforce.score import sheets
from workforce.score.models import ACTION, ScoreActionStatus
from workforce.score.reference import domains


class WaveForm(NHSErrorMessagesMixin, forms.Form):
    name = forms.CharField(
        label="Name of the wave", max_length=100, help_text="For example “Wave 2, spring 2027”."
    )
    opens_on = DateField(label="Survey opens")
    closes_on = DateField(label="Survey closes")

    def __init__(self, *args, user, wave=None, **kwargs):
        super().__init__(*args, **kwargs)
        if wave is None:
            providers = access.providers_where(user, ACTION).select_related("lmns")
            self.fields["provider"] = forms.ModelChoiceField(
                queryset=providers,
                initial=providers[0].pk if len(providers) == 1 else None,
                error_messages={"required": "Select the provider", "invalid_choice": "Select the provider"},
            )
            self.order_fields(["provider"])

    def clean(self):
        cleaned = super().clean()
        opens_on, closes_on = cleaned.get("opens_on"), cleaned.get("closes_on")
        if opens_on and closes_on and closes_on < opens_on:
            self.add_error("closes_on", "Survey closes must be on or after the day it opens")
        return cleaned


class _SpreadsheetForm(NHSErrorMessagesMixin, forms.Form):
    file = forms.FileField(
        label="File (.xlsx or .csv)",
        error_messages={"required": "Select the file to upload"},
    )

    def clean_file(self):
        file = self.cleaned_data["file"]
        if file.size == 0:
            raise ValidationError("The file is empty")
        if file.size > MAX_UPLOAD_BYTES:
            raise ValidationError(f"The file must be smaller than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB")
        return file


class MappingUploadForm(_SpreadsheetForm):
    pass


class ResultsImportForm(_SpreadsheetForm):
    columns = forms.CharField(
        label="Column mapping",
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text="One line per column: Their heading = our field. Our fields: "
        + ", ".join(f"{name} ({what})" for name, what in sheets.RESULT_FIELDS.items())
        + ", and the domain codes "
        + ", ".join(domains().codes)
        + ". A domain left out is not imported.",
    )

    def __init__(self, *args, wave, **kwargs):
        kwargs.setdefault(
            "initial", {"columns": columns_to_text(wave.results_columns or sheets.default_results_columns())}
        )
        super().__init__(*args, **kwargs)

    def clean_columns(self):
        columns = columns_from_text(self.cleaned_data["columns"])
        known = set(sheets.RESULT_FIELDS) | set(domains().codes)
        if unknown := sorted({field for field in columns.values() if field not in known}):
            raise ValidationError(f"Enter our fields as listed below, not {', '.join(unknown)}")
        fields = list(columns.values())
        if doubled := sorted({field for field in fields if fields.count(field) > 1}):
            raise ValidationError(f"Map each of our fields from one column only, not {', '.join(doubled)}")
        if missing := [field for field in sheets.RESULT_FIELDS if field not in fields]:
            raise ValidationError(f"Enter the heading of the column holding {', '.join(missing)}")
        return columns


class DebriefForm(NHSErrorMessagesMixin, forms.Form):
    setting = forms.ModelChoiceField(
        queryset=None,
        label="Work setting",
        error_messages={"required": "Select the work setting", "invalid_choice": "Select the work setting"},
    )
    held_on = DateField(label="Date of the debrief")
    facilitator = forms.CharField(label="Facilitated by", max_length=200, help_text="Name and role.")
    notes = forms.CharField(
        label="What the team discussed",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Themes only: no names of staff, patients or families.",
    )

    def __init__(self, *args, wave, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["setting"].queryset = wave.settings.all()


def owner_choices(provider):
    """People who run the provider's SCORE survey: the owner is reminded and must be able to open it."""
    return access.users_who_can(ACTION, provider).order_by("first_name", "last_name", "username")


class ActionForm(NHSErrorMessagesMixin, forms.Form):
    description = forms.CharField(
        label="What the team agreed to do", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
    owner = forms.ModelChoiceField(
        queryset=get_user_model().objects.none(),
        label="Owner",
        help_text="Reminded by email as the action falls due, and while it is overdue.",
        error_messages={"required": "Select the owner", "invalid_choice": "Select the owner"},
    )
    due_on = DateField(label="Due date")
    status = forms.ChoiceField(choices=ScoreActionStatus.choices, label="Status")

    def __init__(self, *args, provider, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owner_choices(provider)
        self.fields["owner"].label_from_instance = lambda user: user.get_full_name() or user.username
        if not editing:
            # A new action is open.
            del self.fields["status"]
