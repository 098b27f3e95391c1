from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.forms.boundfield import BoundField
from django.forms.renderers import TemplatesSetting
from django.forms.utils import pretty_name
from django.template import loader

from lmns import services
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
    "file": "nhsuk-file-upload",
}


class NHSBoundField(BoundField):
    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        widget_class = _WIDGET_CLASSES.get(self.widget_type, "nhsuk-input")
        if self.errors and widget_class in {"nhsuk-input", "nhsuk-select", "nhsuk-textarea"}:
            widget_class += f" {widget_class}--error"
        attrs["class"] = f"{widget_class} {attrs.get('class', '')}".strip()
        return attrs


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class Checkboxes(forms.CheckboxSelectMultiple):
    template_name = "includes/widgets/checkboxes.html"


class Radios(forms.RadioSelect):
    template_name = "includes/widgets/radios.html"


# The largest id a 64-bit primary key can hold.
MAX_ID = 2**63 - 1


class RecordsChoiceField(forms.ModelMultipleChoiceField):
    """Several records by id, where an id beyond the database's integer range is an invalid
    choice: Django looks several ids up with ``IN``, which sends it to the database, and
    SQLite and PostgreSQL fail on it (a server error) rather than finding nothing."""

    def _check_values(self, value):
        for pk in value:
            text = str(pk).strip()
            if text.lstrip("+-").isdigit() and abs(int(text)) > MAX_ID:
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": pk}
                )
        return super()._check_values(value)


class NHSErrorMessagesMixin:
    """Says what to do when a required field is empty ("Enter the date reported"),
    as the NHS.UK error-message guidance asks, rather than "This field is required"."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            label = str(field.label or pretty_name(name))
            if not label[:2].isupper():  # keep acronyms such as "SSIG meeting" as written
                label = label[0].lower() + label[1:]
            verb = "Select" if isinstance(field, forms.ChoiceField | forms.ModelChoiceField) else "Enter"
            field.error_messages["required"] = f"{verb} {label}"


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
