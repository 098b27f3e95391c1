"""Writes through the API go through the pages' own forms and services, so the API refuses
exactly what the pages refuse, with the same messages, and nothing is half-saved."""

from datetime import date

from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.datastructures import MultiValueDict
from rest_framework.exceptions import ValidationError

from lmns import pid

NON_FIELD_ERRORS = "non_field_errors"


def _as_form_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def form_data(body, *, current=None) -> MultiValueDict:
    """A JSON object as a form's POST data; a PATCH fills what it leaves out from ``current``.

    Values become strings as a browser would send them, so the form judges them as it judges
    a page's (a number where it expects a date is "Enter a valid date", never a crash). A
    form field holds text or a list of it: an object there is refused.
    """
    if not isinstance(body, dict):
        raise ValidationError({NON_FIELD_ERRORS: ["Send a JSON object."]})
    merged = {**(current or {}), **body}
    data = MultiValueDict()
    nested = []
    for name, value in merged.items():
        values = value if isinstance(value, list | tuple) else [value]
        if any(isinstance(item, dict | list | tuple) for item in values):
            nested.append(name)
        data.setlist(name, [_as_form_value(item) for item in values])
    if nested:
        raise ValidationError(
            {name: ["Send text, a number, true or false, or a list of them."] for name in nested}
        )
    return data


def current_values(form) -> dict:
    """What an unbound form for an existing record would show: the base of a PATCH."""
    values = {}
    for name in form.fields:
        value = form[name].value()
        values[name] = [*value] if isinstance(value, list | tuple) else value
    return values


def errors_of(form) -> dict:
    return {
        NON_FIELD_ERRORS if name == "__all__" else name: [str(message) for message in messages]
        for name, messages in form.errors.items()
    }


# An integration may post unattended, so a warning it never shows a person would be no control:
# text that looks like personal data is refused until the request itself says it was checked.
PID_HOW_TO_CONFIRM = f'send "{pid.CHECKED}": true with the request'


def refuse_unknown_fields(form, *, prefix: str = "") -> None:
    """Refuse a body naming anything the form does not take, rather than answer 200 and
    quietly ignore it: an integration that sends ``"status": "closed"`` must learn that the
    incident is still open. A record's own field that the form leaves out is read-only; any
    other name is not a field at all. A form with a ``prefix`` reads its fields prefixed."""
    model = getattr(getattr(form, "_meta", None), "model", None)
    refused = {}
    for key in form.data:
        name = key.removeprefix(f"{prefix}-") if prefix else key
        if name in form.fields or name == pid.CHECKED:
            continue
        if _is_read_only(model, name):
            refused[name] = [f"“{name}” is read-only: it cannot be set through the API."]
        else:
            refused[name] = [f"“{name}” is not a field that can be sent here."]
    if refused:
        raise ValidationError(refused)


def _is_read_only(model, name: str) -> bool:
    if model is None:
        return False
    try:
        model._meta.get_field(name)
    except FieldDoesNotExist:
        return isinstance(getattr(model, name, None), property)
    return True


def fill_defaults(form) -> None:
    """Give a field the body leaves out its record's default, as the page's form starts with
    it selected, so that the schema (which marks a field with a default optional) and the API
    agree: an incident sent without ``duty_of_candour`` is recorded "Not yet known"."""
    model = getattr(getattr(form, "_meta", None), "model", None)
    if model is None:
        return
    for name in form.fields:
        if name in form.data:
            continue
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if field.has_default() and not callable(field.default):
            form.data[name] = _as_form_value(field.get_default())


def save(form, service, *, fields, **arguments):
    """Validate ``form``, then call ``service(**arguments, **fields(cleaned_data))``.

    A body naming a field the form does not take, or a refusal by the form or by the
    service, is a 400 of ``{field: [messages]}``.
    """
    refuse_unknown_fields(form)
    fill_defaults(form)
    form.pid_how_to_confirm = PID_HOW_TO_CONFIRM
    if form.is_valid():
        try:
            return service(**arguments, **fields(form.cleaned_data))
        except DjangoValidationError as error:
            form.add_error(None, error)
    raise ValidationError(errors_of(form))


def choose_provider(form, *, action_label: str) -> None:
    """Let the body name the provider by ODS code as well as by id, and refuse one the user
    may not act at with the same words whether or not it exists."""
    field = form.fields["provider"]
    if not field.queryset.exists():
        raise PermissionDenied
    field.error_messages["invalid_choice"] = (
        f"Give the ODS code or id of a provider you may {action_label} for."
    )
    field.error_messages["required"] = "Give the provider's ODS code or id."
    given = form.data.get("provider", "")
    if given and not given.isdigit():
        match = field.queryset.filter(ods_code__iexact=given.strip()).values_list("pk", flat=True).first()
        if match is not None:
            form.data["provider"] = str(match)
