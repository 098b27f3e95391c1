"""Django form fields drawn by the NHS.UK design system's own macros (issue #25).

``nhsuk_field(field)`` turns a bound field into the name of the design-system macro that draws it
and that macro's parameters (``templates/includes/field.html`` calls it), so that a form keeps
Django's validation and the design system writes the markup: the label, the hint, the error
message with its "Error:" prefix, the control and the ``aria-describedby`` that ties them.

The hint and error message keep the ids Django gives them (``<id>_helptext``, ``<id>_error``),
which a control rendered alone with ``{{ field }}`` names in its own ``aria-describedby``.

A field the design system has no component for (the Picker, a file input, a select with option
groups or several choices, anything unusual) gets ``None``: ``includes/field.html`` draws it by
hand around the widget's own template.
"""

from django import forms
from django.forms.boundfield import BoundField
from django.forms.widgets import Input
from django.utils.html import escape, format_html, format_html_join
from markupsafe import Markup

# Attributes every macro writes itself from its own parameters.
_OWN = frozenset(
    {"id", "name", "class", "type", "value", "disabled", "aria-describedby", "checked", "selected"}
)
# Input types the input macro draws (the others, such as file or hidden, are drawn by hand).
_INPUT_TYPES = frozenset({"text", "email", "number", "password", "search", "tel", "url"})
# A select with more options than this is written by ``select_options`` rather than the macro,
# whose options are a template loop each: a list page's filters hold a hundred or more.
MACRO_SELECT_MAX = 30


def nhsuk_field(field: BoundField) -> dict | None:
    """``{"macro": name, "params": {...}}`` for the design-system macro that draws ``field``, or
    ``None`` for one drawn by hand (``includes/field.html``) around its widget's own template,
    or ``{"control": html}`` for one drawn by hand around a control written here."""
    from lmns.forms import DateInput, Picker

    widget = field.field.widget
    if widget.is_hidden or isinstance(widget, Picker | forms.SelectMultiple):
        return None
    context = _widget_context(field)
    if isinstance(widget, DateInput):
        return {"macro": "dateInput", "params": _date_input(field, context)}
    # CheckboxSelectMultiple is a kind of RadioSelect.
    if isinstance(widget, forms.CheckboxSelectMultiple):
        return {"macro": "checkboxes", "params": _choices(field, context)}
    if isinstance(widget, forms.RadioSelect):
        return {"macro": "radios", "params": _choices(field, context)}
    if isinstance(widget, forms.CheckboxInput):
        return {"macro": "checkboxes", "params": _checkbox(field, context)}
    if isinstance(widget, forms.Select):
        return _select(field, context) or {"control": select_html(context)}
    if isinstance(widget, forms.Textarea):
        return {"macro": "textarea", "params": _textarea(field, context)}
    if isinstance(widget, Input) and widget.input_type in _INPUT_TYPES:
        return {"macro": "input", "params": _input(field, context)}
    return None


def _widget_context(field: BoundField) -> dict:
    """What the widget's own template would be given (``BoundField.as_widget``)."""
    widget = field.field.widget
    if field.field.localize:
        widget.is_localized = True
    attrs = field.build_widget_attrs({}, widget)
    if field.auto_id and "id" not in widget.attrs:
        attrs.setdefault("id", field.auto_id)
    return widget.get_context(field.html_name, field.value(), attrs)["widget"]


def _common(field: BoundField, *, pid_warning: bool = False) -> dict:
    params = {"id": field.auto_id, "name": field.html_name}
    if field.help_text:
        hint = {"html": Markup(field.help_text), "id": f"{field.auto_id}_helptext"}
        if pid_warning:
            hint["classes"] = "app-warning-pid"
        params["hint"] = hint
    if field.errors:
        params["errorMessage"] = {"html": error_html(field.errors), "id": f"{field.auto_id}_error"}
    return params


def error_html(errors) -> Markup:
    """A field's errors, one a line; the macro puts "Error:" before the first, this before the
    others, so that a screen reader announces each. Escaped as Django escapes (``&#x27;``), as
    the error summary writes the same messages."""
    separator = Markup('<br><span class="nhsuk-u-visually-hidden">Error: </span>')
    return separator.join(escape(error) for error in errors)


def _attributes(attrs: dict, drop=()) -> dict:
    """The widget's other attributes (autocomplete, inputmode, maxlength, data-*, aria-*,
    required...) as the macros' ``attributes``: a true boolean is written bare, a false one not
    at all, as Django writes them."""
    written = {}
    for name, value in attrs.items():
        if name in _OWN or name in drop or value is False or value is None:
            continue
        written[name] = {"value": True, "optional": True} if value is True else str(value)
    return written


def _own_classes(field: BoundField) -> str | None:
    """The classes the widget was made with (``nhsuk-input--width-5``), beside the macro's own."""
    return field.field.widget.attrs.get("class") or None


def _describedby(field: BoundField) -> str | None:
    """An ``aria-describedby`` the widget was made with, which the macro adds its own ids to."""
    return field.field.widget.attrs.get("aria-describedby") or None


def _control(field: BoundField, attrs: dict, *, pid_warning: bool = False, drop=()) -> dict:
    """The parameters every single control's macro (input, textarea, select) takes alike."""
    params = _common(field, pid_warning=pid_warning)
    params.update(
        classes=_own_classes(field),
        describedBy=_describedby(field),
        disabled=bool(attrs.get("disabled")),
        label={"text": field.label},
        attributes=_attributes(attrs, drop=drop),
    )
    return params


def _input(field: BoundField, context: dict) -> dict:
    params = _control(field, context["attrs"])
    params.update(type=context.get("type") or field.field.widget.input_type, value=context["value"])
    return params


def _textarea(field: BoundField, context: dict) -> dict:
    attrs = context["attrs"]
    params = _control(field, attrs, pid_warning=True, drop={"rows"})
    value = context["value"]
    params.update(
        # The newline after <textarea> is dropped by the browser, as Django's template writes:
        # text that starts with a blank line keeps it.
        value="\n" + value if value else "",
        rows=attrs.get("rows"),
    )
    return params


def _select(field: BoundField, context: dict) -> dict | None:
    optgroups = context["optgroups"]
    if any(group for group, _options, _index in optgroups):
        return None  # the macro has no option groups
    options = [option for _group, group_options, _index in optgroups for option in group_options]
    if len(options) > MACRO_SELECT_MAX:
        return None
    params = _control(field, context["attrs"])
    params.update(
        items=[
            {
                "value": str(option["value"]),
                "text": option["label"],
                "selected": option["selected"],
                "disabled": bool(option["attrs"].get("disabled")),
                "attributes": _attributes(option["attrs"]),
            }
            for option in options
        ],
    )
    return {"macro": "select", "params": params}


def _fieldset(field: BoundField) -> dict:
    return {"legend": {"text": field.label, "size": "s"}}


def _choices(field: BoundField, context: dict) -> dict:
    """Radios or checkboxes in a fieldset whose legend is the field's label; each keeps Django's
    id (the error summary links to the first) and its ``data-*`` attributes."""
    params = _common(field)
    # The inputs carry the ids: the box around them has none, as Django's own template writes.
    del params["id"]
    params.update(
        idPrefix=field.auto_id,
        fieldset=_fieldset(field),
        small=True,
        items=[
            {
                "id": option["attrs"]["id"],
                "value": str(option["value"]),
                "text": option["label"],
                "checked": option["selected"],
                "disabled": bool(option["attrs"].get("disabled")),
                "attributes": {
                    name: str(value) for name, value in option["attrs"].items() if name.startswith("data-")
                },
            }
            for _group, options, _index in context["optgroups"]
            for option in options
        ],
    )
    if describedby := _describedby(field):
        params["fieldset"]["describedBy"] = describedby
    if not params["items"]:
        # With none to choose from, the line that says so carries the field's id, for the
        # error summary's link (NHSBoundField.error_link_id).
        params["formGroup"] = {
            "afterInputs": {
                "html": format_html(
                    '<p class="nhsuk-body-s" id="{}" tabindex="-1">None available.</p>', field.auto_id
                )
            }
        }
    return params


def _checkbox(field: BoundField, context: dict) -> dict:
    """A single checkbox (a yes or no): no fieldset; its hint sits under its label."""
    attrs = context["attrs"]
    params = _common(field)
    # The input carries the field's id, which the box around it must not repeat.
    del params["id"]
    hint = params.pop("hint", None)
    params.update(
        idPrefix=field.auto_id,
        describedBy=_describedby(field),
        items=[
            {
                "id": field.auto_id,
                # Django reads a ticked box by its value: "on" is what a browser sends for one
                # without, and what Django writes back once the form is sent.
                "value": context["value"] or "on",
                "text": field.label,
                "checked": bool(attrs.get("checked")),
                "disabled": bool(attrs.get("disabled")),
                "hint": hint,
                "attributes": _attributes(attrs),
            }
        ],
    )
    return params


def _date_input(field: BoundField, context: dict) -> dict:
    params = _common(field)
    params.update(
        fieldset=_fieldset(field),
        items=[
            {
                "id": subwidget["attrs"]["id"],
                "name": subwidget["name"],
                "label": subwidget["part"].capitalize(),
                "value": subwidget["value"],
                "width": subwidget["width"],
                "error": subwidget["error"],
                "disabled": bool(subwidget["attrs"].get("disabled")),
            }
            for subwidget in context["subwidgets"]
        ],
    )
    if describedby := _describedby(field):
        params["fieldset"]["describedBy"] = describedby
    return params


def select_html(widget: dict) -> Markup:
    """A select as ``django/forms/widgets/select.html`` writes it, from its widget's context."""
    return format_html(
        '<select name="{}"{}>{}\n</select>',
        widget["name"],
        widget_attrs(widget["attrs"]),
        select_options(widget["optgroups"]),
    )


def widget_attrs(attrs: dict) -> Markup:
    """An element's attributes as Django's widgets/attrs.html writes them."""
    return format_html_join(
        "",
        " {}{}",
        (
            (name, "" if value is True else format_html('="{}"', value))
            for name, value in attrs.items()
            if value is not False
        ),
    )


def select_options(optgroups) -> Markup:
    """A select's options, as Django's select.html and select_option.html write them.

    In Python rather than a template per option: a list's filter dropdowns hold a hundred or
    more options, and a template for each was most of a list page's rendering.
    """
    html = []
    for group_name, options, _ in optgroups:
        written = format_html_join(
            "",
            '\n  <option value="{}"{}>{}</option>',
            ((o["value"], widget_attrs(o["attrs"]), o["label"]) for o in options),
        )
        html.append(
            format_html('\n  <optgroup label="{}">{}\n  </optgroup>', group_name, written)
            if group_name
            else written
        )
    return Markup("".join(html))  # every part above was escaped by format_html
