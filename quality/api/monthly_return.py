"""Submitting a monthly return through the API: the workforce figures and each birth site's
perinatal figures together, through the page's forms and the service the page calls, so the
API refuses what the page refuses (a part larger than its whole, an unconfirmed jump, a site
left out) and runs the LMNS outcome signal on save as the page does.

``perinatal`` is a list with one object for each of the provider's birth sites, naming the site
by its ODS site code as ``site``. A refusal inside it is a list in the same order, one object of
field errors for each site, as a nested serializer's would be."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework.exceptions import ValidationError

from lmns.access import providers_where
from lmns.models import Unit
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
from workforce.perinatal.forms import PerinatalReturnForm, site_prefix

PERINATAL = "perinatal"
SITE = "site"
SHAPE = (
    "Give the month's perinatal figures as a list of objects, one for each of the provider's birth "
    "sites, each naming its site by ODS site code as “site”."
)


def _sites(user, provider) -> dict[str, Unit]:
    """The birth sites a ``site`` may name, by ODS site code: the provider's, or, before the
    provider is known, those of every provider the user may submit for."""
    providers = [provider] if provider else providers_where(user, "submit_workforce_return")
    return {
        unit.ods_site_code.upper(): unit for unit in Unit.objects.filter(provider__in=providers).birth_sites()
    }


def _site_forms(items: list, sites: dict) -> tuple[list, list[dict], bool]:
    """A form for each item, or None where its site is not one of ``sites``; each item's errors
    so far; and whether any item named a field the form does not take."""
    forms, errors, unknown, seen = [], [], False, set()
    for item in items:
        figures = dict(item)
        code = str(figures.pop(SITE, "") or "").strip().upper()
        unit = sites.get(code)
        if unit is None or unit in seen:
            forms.append(None)
            errors.append(
                {SITE: ["This site is given twice: give each site once."]}
                if unit
                else {
                    SITE: ["Give the ODS site code of one of the provider's birth sites: " + ", ".join(sites)]
                }
            )
            continue
        seen.add(unit)
        data = form_data(figures)
        form = PerinatalReturnForm({f"{site_prefix(unit)}-{name}": data[name] for name in data}, unit=unit)
        forms.append(form)
        try:
            refuse_unknown_fields(form, prefix=site_prefix(unit))
        except ValidationError as error:
            errors.append(error.detail)
            unknown = True
        else:
            errors.append({})
    return forms, errors, unknown


def _refusal(form, site_forms: list, site_errors: list[dict]) -> ValidationError:
    errors = errors_of(form)
    perinatal = [
        {**item, **(errors_of(site_form) if site_form is not None else {})}
        for item, site_form in zip(site_errors, site_forms, strict=True)
    ]
    if any(perinatal):
        errors[PERINATAL] = perinatal
    return ValidationError(errors)


def monthly_return_save(user, data, *, perinatal) -> WorkforceReturn:
    form = WorkforceReturnForm(data, user=user)
    form.pid_how_to_confirm = PID_HOW_TO_CONFIRM
    choose_provider(form, action_label="submit workforce returns")
    refuse_unknown_fields(form)
    if (
        not perinatal
        or not isinstance(perinatal, list)
        or not all(isinstance(item, dict) for item in perinatal)
    ):
        # Still the workforce figures' mistakes (a provider out of reach first), all at once.
        form.is_valid()
        raise ValidationError({**errors_of(form), PERINATAL: [SHAPE]})
    valid = form.is_valid()
    site_forms, site_errors, unknown = _site_forms(perinatal, _sites(user, form.cleaned_data.get("provider")))
    if unknown:
        raise ValidationError({PERINATAL: site_errors})
    # Every form is checked, so every mistake is answered at once, as on the page.
    valid = all([valid] + [site_form is not None and site_form.is_valid() for site_form in site_forms])
    if not valid:
        raise _refusal(form, site_forms, site_errors)
    fields = dict(form.cleaned_data)
    try:
        return perinatal_services.monthly_return_submit(
            provider=fields.pop("provider"),
            month=fields.pop("month"),
            confirm_changes=fields.pop("confirm_changes"),
            by=user,
            workforce=fields,
            perinatal={site_form.unit: site_form.cleaned_data for site_form in site_forms},
        )
    except DjangoValidationError as error:
        site = getattr(error, "unit", None)
        target = next((f for f in site_forms if f.unit == site), form)
        if not hasattr(error, "error_dict"):
            form.add_error(None, error)
        else:
            for name, messages in error.error_dict.items():
                holder = target if name in target.fields else form
                holder.add_error(name if name in holder.fields else None, messages)
        raise _refusal(form, site_forms, site_errors) from None
