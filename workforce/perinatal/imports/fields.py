"""Which figures a monthly return import can fill in, and the mappings from a file's headings to
them: an LMNS's or provider's own (MonthlyImportMapping) or a ready-made one (mappings.yaml)."""

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q

from lmns.imports.mapping import columns_to_text, normalise_heading  # noqa: F401 (the mapping pages)
from lmns.models import Provider
from workforce.forms import RETURN_SECTIONS
from workforce.models import WorkforceReturn
from workforce.perinatal.forms import PERINATAL_SECTIONS
from workforce.perinatal.imports.models import MonthlyImportMapping
from workforce.perinatal.models import PerinatalReturn

PRESETS_FILE = Path(__file__).with_name("mappings.yaml")
SITE, MONTH = "site", "month"
# Free text is typed on the page, where the PID guard sees it; the import takes figures only.
_NOT_IMPORTED = {"notes"}
# A part's label on the form leans on the whole above it ("Of which filled"); alone in a mapping
# or a preview it needs its whole.
_LABELS = {
    "one_to_one_care": "Women who received 1:1 care throughout established labour",
    "supernumerary_shifts": "Labour ward shifts with a supernumerary coordinator throughout",
    "term_stillbirths": "Term stillbirths",
    "term_neonatal_deaths": "Term neonatal deaths",
    "midwifery_shifts_filled": "Midwifery shifts filled",
    "fft_positive": "Friends and Family Test positive responses",
}


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    part: str  # "row" (which site and month), "workforce" or "perinatal"
    model_field: models.Field | None = None

    @property
    def kind(self) -> str:
        if self.model_field is None:
            return self.name
        if isinstance(self.model_field, models.BooleanField):
            return "yes_no"
        if isinstance(self.model_field, models.DateField):
            return "date"
        if isinstance(self.model_field, models.DecimalField):
            return "decimal"
        return "count"

    @property
    def optional(self) -> bool:
        """A field a return may leave empty (the Birthrate Plus assessment)."""
        return self.model_field is not None and self.model_field.null


def _field(model, name: str, part: str) -> Field:
    model_field = model._meta.get_field(name)
    label = _LABELS.get(name) or str(model_field.verbose_name)
    return Field(name, label[:1].upper() + label[1:], part, model_field)


_FIELDS = [
    # A birth site's ODS code; a provider with one birth site may give its own instead.
    Field(SITE, "Provider or site ODS code", "row"),
    Field(MONTH, "Month", "row"),
    *(
        _field(WorkforceReturn, name, "workforce")
        for _title, names in RETURN_SECTIONS
        for name in names
        if name not in _NOT_IMPORTED
    ),
    *(_field(PerinatalReturn, name, "perinatal") for _title, names in PERINATAL_SECTIONS for name in names),
]
FIELDS = {field.name: field for field in _FIELDS}
REQUIRED = [SITE, MONTH]


@cache
def presets() -> dict:
    """The ready-made mappings, by key."""
    with PRESETS_FILE.open(encoding="utf-8") as file:
        return yaml.safe_load(file)


def check_mapping(columns: dict) -> None:
    """Refuse a mapping that names unknown fields, a heading twice, or leaves out the site or month."""
    if not isinstance(columns, dict):
        raise ValidationError("A mapping is a set of headings.")
    errors, seen = [], set()
    for heading, field in columns.items():
        if field not in FIELDS:
            errors.append(f"Heading “{heading}” maps to “{field}”, which is not a figure we import.")
        key = normalise_heading(heading)
        if key in seen:
            errors.append(f"Heading “{heading}” is listed twice.")
        seen.add(key)
    if missing := [name for name in REQUIRED if name not in columns.values()]:
        errors.append("No heading maps to: " + ", ".join(FIELDS[name].label for name in missing) + ".")
    if errors:
        raise ValidationError(errors)


def own_mappings(*, lmns_id: int, provider: Provider | None):
    """The saved mappings an import for ``provider`` (or the whole LMNS) may use: the provider's
    own first, then the LMNS's."""
    where = Q(provider__isnull=True)
    if provider is not None:
        where |= Q(provider=provider)
    return MonthlyImportMapping.objects.filter(where, lmns_id=lmns_id).order_by(
        F("provider").asc(nulls_last=True), "name"
    )


def mapping_choices(*, lmns_id: int, provider: Provider | None) -> list[tuple[str, str]]:
    """(name, label) of every mapping an import may use: saved ones first, then the ready-made."""
    own = {}
    for mapping in own_mappings(lmns_id=lmns_id, provider=provider):
        own.setdefault(mapping.name, mapping.name)
    ready = {key: f"{preset['title']} (ready-made)" for key, preset in presets().items() if key not in own}
    return list(own.items()) + list(ready.items())


def mapping_resolve(*, lmns_id: int, provider: Provider | None, name: str) -> dict:
    """The mapping called ``name`` as {"columns": …}: the provider's own first, then the LMNS's,
    then a ready-made one."""
    mapping = own_mappings(lmns_id=lmns_id, provider=provider).filter(name=name).first()
    if mapping is not None:
        return {"columns": mapping.columns}
    preset = presets().get(name)
    if preset is None:
        raise ValidationError(f"There is no import mapping called “{name}”.")
    return {"columns": preset["columns"]}
