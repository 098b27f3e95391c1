"""Submitting a monthly return through the API: the workforce and perinatal figures together,
through the page's two forms and the service the page calls, so the API refuses what the page
refuses (a part larger than its whole, an unconfirmed jump) and runs the LMNS outcome signal
on save as the page does."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework.exceptions import ValidationError

from quality.api.writes import (
    PID_HOW_TO_CONFIRM,
    choose_provider,
    errors_of,
    form_data,
    refuse_unknown_fields,
)
from workforce.forms import WorkforceReturnForm
from workforce.models import WorkforceReturn
from workforce.perinatal import services as perinatal_services
from workforce.perinatal.forms import PerinatalReturnForm

PERINATAL = "perinatal"


def _perinatal_form(body) -> tuple[PerinatalReturnForm | None, str]:
    """The perinatal figures' form, or why there is none."""
    if body is None:
        return None, "Give the month's perinatal figures as an object."
    if not isinstance(body, dict):
        return None, "Send the perinatal figures as a JSON object."
    data = form_data(body)
    prefixed = {f"{PerinatalReturnForm.prefix}-{name}": data[name] for name in data}
    return PerinatalReturnForm(prefixed), ""


def _refusal(form, perinatal_form) -> ValidationError:
    # A perinatal figure is named inside "perinatal", as a nested serializer's would be.
    errors = errors_of(form)
    perinatal_errors = errors_of(perinatal_form)
    if perinatal_errors:
        errors[PERINATAL] = perinatal_errors
    return ValidationError(errors)


def monthly_return_save(user, data, *, perinatal) -> WorkforceReturn:
    form = WorkforceReturnForm(data, user=user)
    form.pid_how_to_confirm = PID_HOW_TO_CONFIRM
    choose_provider(form, action_label="submit workforce returns")
    refuse_unknown_fields(form)
    perinatal_form, missing = _perinatal_form(perinatal)
    if perinatal_form is not None:
        try:
            refuse_unknown_fields(perinatal_form, prefix=PerinatalReturnForm.prefix)
        except ValidationError as error:
            raise ValidationError({PERINATAL: error.detail}) from None
    if perinatal_form is None:
        # Still the workforce figures' mistakes (a provider out of reach first), all at once.
        form.is_valid()
        raise ValidationError({**errors_of(form), PERINATAL: [missing]})
    # Both forms are checked, so every mistake is answered at once, as on the page.
    if not all([form.is_valid(), perinatal_form.is_valid()]):
        raise _refusal(form, perinatal_form)
    fields = dict(form.cleaned_data)
    try:
        return perinatal_services.monthly_return_submit(
            provider=fields.pop("provider"),
            month=fields.pop("month"),
            confirm_changes=fields.pop("confirm_changes"),
            by=user,
            workforce=fields,
            perinatal=perinatal_form.cleaned_data,
        )
    except DjangoValidationError as error:
        if not hasattr(error, "error_dict"):
            form.add_error(None, error)
        else:
            for name, messages in error.error_dict.items():
                target = perinatal_form if name in perinatal_form.fields else form
                target.add_error(name if name in target.fields else None, messages)
        raise _refusal(form, perinatal_form) from None
