from django import forms
from django.contrib.auth.forms import PasswordResetForm
from django.forms.boundfield import BoundField
from django.forms.renderers import TemplatesSetting
from django.template import loader

from lmns import services
from lmns.models import Unit

# NHS.UK design-system classes for each kind of widget.
_WIDGET_CLASSES = {
    "select": "nhsuk-select",
    "selectmultiple": "nhsuk-select",
    "textarea": "nhsuk-textarea",
    "checkbox": "nhsuk-checkboxes__input",
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


class NHSFormRenderer(TemplatesSetting):
    """Renders every form's fields in NHS.UK design-system markup."""

    form_template_name = "includes/form.html"
    field_template_name = "includes/field.html"
    bound_field_class = NHSBoundField


class UnitForm(forms.ModelForm):
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
