import calendar
import re
from datetime import date

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.db.models.fields import BLANK_CHOICE_DASH
from django.forms.boundfield import BoundField
from django.forms.renderers import TemplatesSetting
from django.forms.utils import pretty_name
from django.template import loader
from django.utils import timezone

from lmns import dates, pid, services
from lmns.models import Unit

# NHS.UK design-system classes for each kind of widget.
_WIDGET_CLASSES = {
    "select": "nhsuk-select",
    "csvselect": "nhsuk-select",
    "selectmultiple": "nhsuk-select",
    "textarea": "nhsuk-textarea",
    "checkbox": "nhsuk-checkboxes__input",
    "checkboxselectmultiple": "nhsuk-checkboxes",
    "radioselect": "nhsuk-radios",
    "clearablefile": "nhsuk-file-upload",
    "date": "nhsuk-date-input",
    "file": "nhsuk-file-upload",
}


class NHSBoundField(BoundField):
    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        widget_class = _WIDGET_CLASSES.get(self.widget_type, "nhsuk-input")
        if self.errors and widget_class in {"nhsuk-input", "nhsuk-select", "nhsuk-textarea"}:
            widget_class += f" {widget_class}--error"
        # A width the widget was made with ("nhsuk-input--width-5") is kept beside the base class.
        own = attrs.get("class") or (widget or self.field.widget).attrs.get("class", "")
        attrs["class"] = f"{widget_class} {own}".strip()
        return attrs

    @property
    def error_link_id(self) -> str:
        """Where the error summary's link to this field goes: in a date input, the first box to
        blame (the day box when all are); in radios or checkboxes, the first one; as the design
        system asks, since the fieldset itself cannot take the focus."""
        widget = self.field.widget
        if isinstance(widget, DateInput):
            return f"{self.auto_id}_{DATE_PARTS.index(widget.parts_in_error(self.value())[0])}"
        if isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
            # Radios and checkboxes are numbered from the choices, and ``Radios`` leaves out the
            # blank one, so the first input shown is not always ``_0``. With none to show, the
            # widget's "None available" line carries the field's own id.
            first = next(iter(self.subwidgets), None)
            return first.id_for_label if first is not None else self.auto_id
        return self.auto_id


DATE_PARTS = ("day", "month", "year")
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_MONTH_NAMES = {
    name: number
    for number in range(1, 13)
    for name in (calendar.month_name[number].lower(), calendar.month_abbr[number].lower())
}
# "Sept" is as common as "Sep" in writing.
_MONTH_NAMES["sept"] = 9


def date_from_parts(day: str, month: str, year: str) -> tuple[date | None, tuple[str, ...], tuple[str, ...]]:
    """The date typed in the day, month and year boxes, or why there is none: the parts left
    empty, else the parts that cannot be right (all three when each is plausible alone but the
    date is not, such as 31 2 2026). All empty is no date and no problem.

    A month may be a number or a name ("jan", "January"), as the design system asks; only ASCII
    digits count, so that "¹" is refused rather than read by int()."""
    parts = {"day": day.strip(), "month": month.strip().lower(), "year": year.strip()}
    missing = tuple(part for part in DATE_PARTS if not parts[part])
    if len(missing) == len(DATE_PARTS):
        return None, (), ()
    if missing:
        return None, missing, ()
    numbers = {
        "day": int(parts["day"]) if re.fullmatch(r"[0-9]{1,2}", parts["day"]) else 0,
        "month": int(parts["month"])
        if re.fullmatch(r"[0-9]{1,2}", parts["month"])
        else _MONTH_NAMES.get(parts["month"], 0),
        "year": int(parts["year"]) if re.fullmatch(r"[0-9]{4}", parts["year"]) else 0,
    }
    highest = {"day": 31, "month": 12, "year": 9999}
    if wrong := tuple(part for part in DATE_PARTS if not 1 <= numbers[part] <= highest[part]):
        return None, (), wrong
    try:
        return date(numbers["year"], numbers["month"], numbers["day"]), (), ()
    except ValueError:  # 31 February
        return None, (), DATE_PARTS


class DateInput(forms.MultiWidget):
    """The NHS.UK date input: day, month and year boxes in a fieldset whose legend is the
    field's label (``includes/field.html``). The browser's date picker is hard to use with a
    keyboard or a screen reader, and slow for a date years back.

    A single ISO date posted under the field's own name (``visit_on=2026-01-31``) is read as
    well, so that links, tests and API clients that send one value keep working."""

    template_name = "includes/widgets/date_input.html"

    def __init__(self, attrs=None):
        super().__init__({part: forms.TextInput for part in DATE_PARTS}, attrs)

    def decompress(self, value):
        if isinstance(value, date):
            return [str(value.day), str(value.month), str(value.year)]
        if isinstance(value, str) and (match := _ISO_DATE.fullmatch(value.strip())):
            year, month, day = match.groups()
            return [day.lstrip("0"), month.lstrip("0"), year]
        return [None, None, None]

    def value_from_datadict(self, data, files, name):
        if name in data:
            return data.get(name)
        return [data.get(f"{name}_{part}") or "" for part in DATE_PARTS]

    def value_omitted_from_data(self, data, files, name):
        return name not in data and super().value_omitted_from_data(data, files, name)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        # Django marks a field with errors aria-invalid; the boxes to blame are only those left
        # empty or wrong when that can be told, else all three (the design system's rule).
        invalid = context["widget"]["attrs"].get("aria-invalid") == "true"
        blamed = self.parts_in_error(value) if invalid else ()
        for part, subwidget in zip(DATE_PARTS, context["widget"]["subwidgets"], strict=True):
            subwidget["part"] = part
            subwidget["width"] = 4 if part == "year" else 2
            subwidget["error"] = part in blamed
        return context

    def parts_in_error(self, value) -> tuple[str, ...]:
        """The boxes a field error is about, given the value the form was sent."""
        if isinstance(value, list | tuple) and len(value) == len(DATE_PARTS):
            _date, missing, wrong = date_from_parts(*(str(part or "") for part in value))
            return missing or wrong or DATE_PARTS
        return DATE_PARTS


class DateField(forms.DateField):
    """A date typed in the NHS.UK date input (``DateInput``), refused in the design system's
    words: "Date of visit must include a month", "Date of visit must be a real date". Every date
    field of the product is one (tests/test_date_input.py)."""

    widget = DateInput
    default_error_messages = {
        "incomplete": "%(label)s must include a %(missing)s",
        "invalid": "%(label)s must be a real date",
    }

    def to_python(self, value):
        if isinstance(value, list | tuple):
            parts = [str(part or "") for part in value] + [""] * (len(DATE_PARTS) - len(value))
            found, missing, wrong = date_from_parts(*parts[: len(DATE_PARTS)])
            if missing:
                raise forms.ValidationError(
                    self.error_messages["incomplete"],
                    code="incomplete",
                    params={"label": self._name(), "missing": " and ".join(missing)},
                )
            if wrong:
                raise self._invalid()
            return found
        if value is not None and not isinstance(value, str | date):
            raise self._invalid()
        try:
            return super().to_python(value)
        except forms.ValidationError:
            raise self._invalid() from None

    def _name(self) -> str:
        # "Expires on (optional) must be a real date" would read oddly.
        return re.sub(r"\s*\(optional\)$", "", str(self.label or "Date"))

    def _invalid(self) -> forms.ValidationError:
        return forms.ValidationError(
            self.error_messages["invalid"], code="invalid", params={"label": self._name()}
        )


class Checkboxes(forms.CheckboxSelectMultiple):
    template_name = "includes/widgets/checkboxes.html"


class Picker(Checkboxes):
    """Several to choose from a long list (incidents, requirements, learning): checkboxes in a box
    that scrolls, which with JavaScript (``static/js/app.mjs``) gains a box to filter the list by
    what is typed and a list of those chosen, each with a button to remove it, after the MOJ
    design system's filter with its selected filters. A multiple select took Ctrl-click, which
    few people know and a slip of which loses every choice; a page of checkboxes buried the rest
    of the form. It posts as checkboxes do (the field's name once per choice), as the multiple
    select did."""

    template_name = "includes/widgets/picker.html"


class Radios(forms.RadioSelect):
    template_name = "includes/widgets/radios.html"

    def optgroups(self, name, value, attrs=None):
        # Django offers a required model field without a default its "---------" choice, which
        # as a radio button is a meaningless option, and the one ticked on a new form.
        return [
            (group, [option for option in options if option["label"] != BLANK_CHOICE_DASH[0][1]], index)
            for group, options, index in super().optgroups(name, value, attrs)
        ]


# The largest id a 64-bit primary key can hold.
MAX_ID = 2**63 - 1


class RecordsChoiceField(forms.ModelMultipleChoiceField):
    """Several records by id, where an id beyond the database's integer range is an invalid
    choice: Django looks several ids up with ``IN``, which sends it to the database, and
    SQLite and PostgreSQL fail on it (a server error) rather than finding nothing."""

    def _check_values(self, value):
        for pk in value:
            text = str(pk).strip()
            # isdigit() also accepts digits int() cannot read, such as "¹": only ASCII ones count.
            digits = text.lstrip("+-")
            if digits.isascii() and digits.isdigit() and abs(int(text)) > MAX_ID:
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": pk}
                )
        return super()._check_values(value)


def _label(name: str, field: forms.Field) -> str:
    label = str(field.label or pretty_name(name))
    if not label[:2].isupper():  # keep acronyms such as "SSIG meeting" as written
        label = label[0].lower() + label[1:]
    return label


class PidGuardMixin:
    """Refuses an NHS number in free text, and warns about other personal data until the person
    edits it out or ticks that they have checked it (hazard H9; see ``lmns.pid``).

    Every text box is guarded except those listed in ``pid_exempt``, which are meant to hold
    contact details. The confirmation box appears only once there is something to confirm, and
    never reaches ``cleaned_data``, so views and services do not see it.
    """

    pid_exempt: frozenset[str] = frozenset()
    # How to confirm, said in the warning: the API replaces it with its own field.
    pid_how_to_confirm = f"tick “{pid.CHECKED_LABEL}”"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.is_bound and self.add_prefix(pid.CHECKED) in self.data:
            self._add_pid_checked()

    def _add_pid_checked(self) -> None:
        self.fields[pid.CHECKED] = forms.BooleanField(
            label=pid.CHECKED_LABEL,
            required=False,
            template_name="includes/_pid_checked.html",
            help_text="Tick once you have read the text flagged above and it identifies nobody.",
        )

    def _pid_guarded(self) -> list[str]:
        return [
            name
            for name, field in self.fields.items()
            if name not in self.pid_exempt
            and isinstance(field, forms.CharField)
            and isinstance(field.widget, forms.TextInput | forms.Textarea)
        ]

    def full_clean(self):
        super().full_clean()
        if not hasattr(self, "cleaned_data"):
            return
        confirmed = self.cleaned_data.pop(pid.CHECKED, False)
        for name in self._pid_guarded():
            text = self.cleaned_data.get(name)
            if not isinstance(text, str):
                continue
            matches = pid.find_identifiers(text)
            label = str(self.fields[name].label or pretty_name(name))
            if refused := [match for match in matches if match.refused]:
                self.add_error(
                    name,
                    f"“{label}” has what looks like {pid.describe(refused)}. Remove it: "
                    "nothing that could identify a patient may be recorded here",
                )
            # A warning already confirmed, or about text saved before, is not raised again.
            elif matches and not confirmed and name in self.changed_data:
                if pid.CHECKED not in self.fields:
                    self._add_pid_checked()
                self.add_error(
                    name,
                    f"“{label}” has what looks like {pid.describe(matches)}. Remove it, or if it is "
                    f"not patient-identifiable, {self.pid_how_to_confirm}",
                )


class PlausibleDatesMixin:
    """Every date field refuses a date before 2000 or more than five years ahead (``lmns.dates``),
    with a message naming the field. It is checked last, so that a field's own rule ("cannot be
    in the future") is the one shown when both apply."""

    def full_clean(self):
        super().full_clean()
        if not hasattr(self, "cleaned_data"):
            return
        today = timezone.localdate()
        for name, field in self.fields.items():
            value = self.cleaned_data.get(name)
            if not isinstance(field, forms.DateField) or not value or name in self.errors:
                continue
            if problem := dates.implausible(value, today=today):
                self.add_error(name, f"{field.label or pretty_name(name)} {problem}")


class NHSErrorMessagesMixin(PidGuardMixin, PlausibleDatesMixin):
    """The base of every form of the product. Says what to do when a required field is empty
    ("Enter the date reported"), as the NHS.UK error-message guidance asks, rather than "This
    field is required"; and, through its bases, guards free text against patient-identifiable
    data and dates against typing slips."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            # A question for a label ("How do you want to raise it?") cannot be turned into an
            # instruction this way: such a field says its own (tests/test_error_wording.py).
            if str(field.error_messages.get("required")) != DJANGO_REQUIRED:
                continue
            verb = "Select" if isinstance(field, forms.ChoiceField | forms.ModelChoiceField) else "Enter"
            field.error_messages["required"] = f"{verb} {_label(name, field)}"


DJANGO_REQUIRED = str(forms.Field.default_error_messages["required"])


class NHSFormRenderer(TemplatesSetting):
    """Renders every form's fields in NHS.UK design-system markup."""

    form_template_name = "includes/form.html"
    field_template_name = "includes/field.html"
    bound_field_class = NHSBoundField


class UnitForm(NHSErrorMessagesMixin, forms.ModelForm):
    class Meta:
        model = Unit
        fields = ["name", "ods_site_code", "unit_type"]
        help_texts = {"ods_site_code": "Five characters, for example RXX01."}

    def clean_ods_site_code(self):
        return self.cleaned_data["ods_site_code"].strip().upper()


class QueuedPasswordResetForm(PasswordResetForm):
    """Sends the reset email through a Celery task, after the request commits."""

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        services.email_queue(to=[to_email], subject=subject, body=body)


class SignInForm(AuthenticationForm):
    """Django's sign-in form, with a wrong password reported on the password field
    (the NHS error pattern links each error to its field) and no autofocus, which
    would skip screen-reader users past the page's heading."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.pop("autofocus", None)

    def clean(self):
        try:
            return super().clean()
        except forms.ValidationError as error:
            if error.code != "invalid_login":
                raise
            self.add_error("password", "Enter a correct username and password. Both are case-sensitive.")
            return self.cleaned_data
