import re
from datetime import datetime, time

from django import forms
from django.utils import timezone

from incidents.calendar.models import EVENT_TEXT_WARNING, CalendarCohort, CalendarEvent, EventKind
from lmns.access import lmnss_where
from lmns.forms import Checkboxes, DateField, NHSErrorMessagesMixin, Radios, RecordsChoiceField
from lmns.models import Provider
from lmns.uploads import ALLOWED_DESCRIPTION, MAX_EVIDENCE_BYTES

_TIME = re.compile(r"([01]?[0-9]|2[0-3])[:.]([0-5][0-9])")


class TimeField(forms.CharField):
    """A time of day as 24-hour hours and minutes, "14:30"; "9.30" is read too."""

    def __init__(self, **kwargs):
        super().__init__(max_length=5, **kwargs)
        self.widget.attrs.update({"class": "nhsuk-input--width-5", "inputmode": "numeric"})

    def clean(self, value):
        # The text is checked as text (its length, no NUL characters) before it is read as a time.
        text = super().clean(value).strip()
        if not text:
            return None
        if not (match := _TIME.fullmatch(text)):
            raise forms.ValidationError(
                f"{self.label} must be a time on the 24-hour clock, for example 09:30 or 14:00"
            )
        return time(int(match[1]), int(match[2]))


def _audience_of(event: CalendarEvent) -> str:
    if event.for_all_providers:
        return "yes"
    return "cohort" if event.cohorts.exists() else "no"


class CalendarEventForm(NHSErrorMessagesMixin, forms.Form):
    """The event's dates and times in separate boxes, as the design system asks: a date input,
    then a time."""

    lmns = forms.ModelChoiceField(queryset=None, label="LMNS")
    kind = forms.ChoiceField(label="Type of event", choices=EventKind.choices, widget=Radios)
    title = forms.CharField(max_length=200, help_text="For example “Wave 2 learning set 1”.")
    start_date = DateField(label="Start date", help_text="For example, 15 3 2027")
    start_time = TimeField(label="Start time", help_text="24-hour clock, for example 09:30")
    end_date = DateField(
        label="End date (optional)", required=False, help_text="Leave empty if it ends the same day."
    )
    end_time = TimeField(label="End time", help_text="24-hour clock, for example 16:00")
    place = forms.CharField(
        max_length=200, required=False, help_text="Where it is held, for example “Engine Shed, Bristol”."
    )
    joining_link = forms.URLField(
        label="Joining link",
        assume_scheme="https",
        max_length=500,
        required=False,
        help_text="For an online session, the link to join it.",
    )
    description = forms.CharField(
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=EVENT_TEXT_WARNING,
    )
    # "yes" and "no" are kept from before cohorts, so that bookmarked and tested posts still read.
    for_all_providers = forms.ChoiceField(
        label="Who is it for?",
        choices=[
            ("yes", "Every provider of the LMNS"),
            ("no", "Only the providers I choose"),
            ("cohort", "A cohort"),
        ],
        widget=Radios,
        error_messages={"required": "Select who the event is for"},
    )
    providers = RecordsChoiceField(
        queryset=Provider.objects.none(), required=False, widget=Checkboxes, label="Providers"
    )
    cohort = forms.ModelChoiceField(
        queryset=CalendarCohort.objects.none(),
        required=False,
        label="Cohort",
        help_text="Its providers at the time the calendar is read, including any added later.",
    )

    def __init__(self, *args, user, event: CalendarEvent | None = None, **kwargs):
        if event is not None:
            local_start, local_end = timezone.localtime(event.starts_at), timezone.localtime(event.ends_at)
            kwargs.setdefault(
                "initial",
                {
                    "lmns": event.lmns_id,
                    "kind": event.kind,
                    "title": event.title,
                    "start_date": local_start.date(),
                    "start_time": f"{local_start:%H:%M}",
                    "end_date": local_end.date() if local_end.date() != local_start.date() else None,
                    "end_time": f"{local_end:%H:%M}",
                    "place": event.place,
                    "joining_link": event.joining_link,
                    "description": event.description,
                    "for_all_providers": _audience_of(event),
                    "providers": list(event.providers.values_list("pk", flat=True)),
                    "cohort": event.cohorts.values_list("pk", flat=True).first(),
                },
            )
        super().__init__(*args, **kwargs)
        lmnss = lmnss_where(user, "keep_calendar").order_by("name")
        self.fields["lmns"].queryset = lmnss
        self.fields["providers"].queryset = Provider.objects.filter(lmns__in=lmnss).order_by("name")
        self.fields["cohort"].queryset = CalendarCohort.objects.filter(lmns__in=lmnss).order_by("name")
        if event is not None or len(lmnss) == 1:
            # One LMNS to choose from, or an event's own: nothing to ask.
            self.fields["lmns"].widget = forms.HiddenInput()
            if event is None:
                self.fields["lmns"].initial = lmnss[0]

    def clean(self):
        cleaned = super().clean()
        start_date, start_time, end_time = (
            cleaned.get(name) for name in ("start_date", "start_time", "end_time")
        )
        if start_date and start_time and end_time:
            end_date = cleaned.get("end_date") or start_date
            zone = timezone.get_current_timezone()
            cleaned["starts_at"] = datetime.combine(start_date, start_time, tzinfo=zone)
            cleaned["ends_at"] = datetime.combine(end_date, end_time, tzinfo=zone)
            if cleaned["ends_at"] <= cleaned["starts_at"]:
                self.add_error("end_time", "The end must be after the start")
        if not cleaned.get("place") and not cleaned.get("joining_link") and "joining_link" not in self.errors:
            self.add_error("place", "Enter where the event is held, or a link to join it")
        lmns, providers = cleaned.get("lmns"), cleaned.get("providers") or []
        audience, cohort = cleaned.get("for_all_providers"), cleaned.get("cohort")
        if audience == "no":
            if not providers:
                self.add_error("providers", "Select the providers the event is for")
            elif lmns and any(provider.lmns_id != lmns.pk for provider in providers):
                self.add_error("providers", "Select providers of this LMNS")
        elif audience == "cohort" and "cohort" not in self.errors:
            if cohort is None:
                self.add_error("cohort", "Select the cohort the event is for")
            elif lmns and cohort.lmns_id != lmns.pk:
                self.add_error("cohort", "Select a cohort of this LMNS")
        return cleaned

    def service_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "lmns": data["lmns"],
            "kind": data["kind"],
            "title": data["title"],
            "starts_at": data["starts_at"],
            "ends_at": data["ends_at"],
            "place": data["place"],
            "joining_link": data["joining_link"],
            "description": data["description"],
            "for_all_providers": data["for_all_providers"] == "yes",
            "providers": data["providers"] if data["for_all_providers"] == "no" else [],
            "cohorts": [data["cohort"]] if data["for_all_providers"] == "cohort" else [],
        }


class CalendarCohortForm(NHSErrorMessagesMixin, forms.Form):
    lmns = forms.ModelChoiceField(queryset=None, label="LMNS")
    name = forms.CharField(max_length=200, help_text="For example “Wave 2 of the collaborative”.")
    providers = RecordsChoiceField(queryset=Provider.objects.none(), widget=Checkboxes, label="Providers")

    def __init__(self, *args, user, cohort: CalendarCohort | None = None, **kwargs):
        if cohort is not None:
            kwargs.setdefault(
                "initial",
                {
                    "lmns": cohort.lmns_id,
                    "name": cohort.name,
                    "providers": list(cohort.providers.values_list("pk", flat=True)),
                },
            )
        super().__init__(*args, **kwargs)
        self.fields["providers"].error_messages["required"] = "Select the providers in the cohort"
        lmnss = lmnss_where(user, "keep_calendar").order_by("name")
        self.fields["lmns"].queryset = lmnss
        self.fields["providers"].queryset = Provider.objects.filter(lmns__in=lmnss).order_by("name")
        if cohort is not None or len(lmnss) == 1:
            self.fields["lmns"].widget = forms.HiddenInput()
            if cohort is None:
                self.fields["lmns"].initial = lmnss[0]
        # A cohort stays in its LMNS: what is posted for it is not read.
        self.fields["lmns"].disabled = cohort is not None

    def clean(self):
        cleaned = super().clean()
        lmns, providers = cleaned.get("lmns"), cleaned.get("providers") or []
        if lmns and any(provider.lmns_id != lmns.pk for provider in providers):
            self.add_error("providers", "Select providers of this LMNS")
        return cleaned


class EventMaterialForm(NHSErrorMessagesMixin, forms.Form):
    title = forms.CharField(max_length=200, help_text="For example “Interpreting your results slides”.")
    file = forms.FileField(
        required=False,
        help_text=f"{ALLOWED_DESCRIPTION}, up to {MAX_EVIDENCE_BYTES // (1024 * 1024)} MB.",
    )
    url = forms.URLField(label="Or a link", max_length=500, required=False, assume_scheme="https")

    def clean(self):
        cleaned = super().clean()
        if "file" in self.errors or "url" in self.errors:
            return cleaned
        if not cleaned.get("file") and not cleaned.get("url"):
            self.add_error("file", "Choose a file or enter a link")
        elif cleaned.get("file") and cleaned.get("url"):
            self.add_error("file", "Choose a file or enter a link, not both")
        return cleaned


class AttendanceForm(NHSErrorMessagesMixin, forms.Form):
    """One row per provider the event is for: how many came, and their roles."""

    def __init__(self, *args, providers, existing: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.providers = list(providers)
        for provider in self.providers:
            row = existing.get(provider.pk)
            self.fields[f"people_{provider.pk}"] = forms.IntegerField(
                label=f"People from {provider.name}",
                required=False,
                min_value=0,
                max_value=500,
                initial=row.people if row else None,
                widget=forms.NumberInput(attrs={"class": "nhsuk-input--width-4"}),
            )
            self.fields[f"roles_{provider.pk}"] = forms.CharField(
                label=f"Roles present from {provider.name}",
                required=False,
                max_length=300,
                initial=row.roles if row else "",
                help_text="Roles, not names, for example “Director of Midwifery”.",
            )

    def rows(self) -> dict:
        return {
            provider: (self.cleaned_data[f"people_{provider.pk}"], self.cleaned_data[f"roles_{provider.pk}"])
            for provider in self.providers
        }
