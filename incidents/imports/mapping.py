"""Which incident fields an import can fill in, and the mappings from an export's
headings and labels to them: a provider's own (ImportMapping) or a ready-made one
(mappings.yaml)."""

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml
from django.core.exceptions import ValidationError

from incidents.imports.models import ImportMapping
from incidents.models import (
    DutyOfCandour,
    Incident,
    IncidentType,
    PhysicalHarm,
    PsychologicalHarm,
    ReferralBody,
    ResponseType,
)
from lmns.imports.mapping import (  # noqa: F401 (the mapping pages and the checker use these from here)
    columns_from_text,
    columns_to_text,
    normalise_heading,
    values_from_text,
    values_to_text,
)
from lmns.models import Provider, Unit

PRESETS_FILE = Path(__file__).with_name("mappings.yaml")


@dataclass(frozen=True)
class Field:
    name: str
    kind: str  # text, date, choice, incident_type, unit, provider
    required: bool = False
    choices: type | None = None
    # A referral body's date or reference: kept in the incident's referral rows, not on it.
    body: ReferralBody | None = None

    @property
    def label(self) -> str:
        if self.kind == "provider":
            return "Provider ODS code"
        if self.body is not None:
            if self.kind == "date":
                return f"Referred to {self.body.label} on"
            return f"{self.body.label} reference"
        return str(Incident._meta.get_field(self.name).verbose_name).capitalize()


_FIELDS = [
    Field("local_reference", "text", required=True),
    Field("occurred_on", "date", required=True),
    Field("reported_on", "date", required=True),
    Field("incident_type", "incident_type", required=True),
    Field("physical_harm", "choice", required=True, choices=PhysicalHarm),
    Field("psychological_harm", "choice", required=True, choices=PsychologicalHarm),
    Field("summary", "text", required=True),
    Field("immediate_actions", "text"),
    Field("unit", "unit"),
    Field("response_type", "choice", choices=ResponseType),
    Field("duty_of_candour", "choice", choices=DutyOfCandour),
    Field("duty_of_candour_completed_on", "date"),
    # MNSI's referral is the incident's own; the other bodies' columns come from the data
    # (``import_fields``), named as the incident's columns were, so saved mappings still work.
    Field("mnsi_referred_on", "date"),
    Field("mnsi_reference", "text"),
    # Not stored: a check that each row belongs to the provider being imported for.
    Field("provider", "provider"),
]
FIELDS = {field.name: field for field in _FIELDS}
REQUIRED = [field.name for field in _FIELDS if field.required]
# Columns whose cells are codes a value label can translate; the others are taken as they are.
CODED = frozenset({"choice", "incident_type", "unit", "provider"})
CODED_NAMES = frozenset(field.name for field in _FIELDS if field.kind in CODED)


def body_fields(bodies) -> dict[str, Field]:
    return {
        field.name: field
        for body in bodies
        if not body.kept_on_incident
        for field in (
            Field(body.date_field, "date", body=body),
            Field(body.reference_field, "text", body=body),
        )
    }


def import_fields(lmns) -> dict[str, Field]:
    """What an import for a provider of ``lmns`` fills in: the incident's fields, then a date
    and a reference for each referral body in use there, in the bodies' order."""
    return FIELDS | body_fields(ReferralBody.objects.available_to(lmns).active())


def known_fields(lmns) -> dict[str, Field]:
    """What a saved mapping may name: as ``import_fields``, and retired bodies' columns too,
    which an import passes over with a note."""
    return FIELDS | body_fields(ReferralBody.objects.available_to(lmns))


@cache
def presets() -> dict:
    """The ready-made mappings, by key (``datix``, ``lfpse``)."""
    with PRESETS_FILE.open(encoding="utf-8") as file:
        return yaml.safe_load(file)


def check_mapping(columns: dict, values: dict, *, lmns=None, provider: Provider | None = None) -> None:
    """Refuse a mapping that names unknown fields or values, or leaves a required field out.
    With ``provider``, a label for a unit must name one of its units and a label for the
    provider its ODS code, as an import of its file would need."""
    errors = []
    lmns = provider.lmns if provider is not None else lmns
    fields = known_fields(lmns)
    if not isinstance(columns, dict) or not isinstance(values, dict):
        raise ValidationError("A mapping is a set of headings and a set of value labels.")
    for heading, field in columns.items():
        if field not in fields:
            errors.append(f"Heading “{heading}” maps to “{field}”, which is not a field we import.")
    seen = {}
    for heading, field in columns.items():
        key = normalise_heading(heading)
        if key in seen:
            errors.append(f"Heading “{heading}” is listed twice.")
        seen[key] = field
    if missing := [name for name in REQUIRED if name not in columns.values()]:
        errors.append("No heading maps to: " + ", ".join(FIELDS[name].label for name in missing) + ".")
    for field, labels in values.items():
        definition = fields.get(field)
        if definition is None or not isinstance(labels, dict):
            errors.append(f"Value labels are given for “{field}”, which is not a field we import.")
        elif definition.kind not in CODED:
            errors.append(
                f"Value labels are given for “{field}”, which takes the cell as it is: "
                "give labels only for " + ", ".join(sorted(CODED_NAMES)) + "."
            )
        else:
            allowed = _label_targets(definition, lmns=lmns, provider=provider)
            for label, value in labels.items():
                if allowed is not None and str(value).casefold() not in allowed:
                    errors.append(
                        f"“{label}” maps to “{value}”, which is not {_target_words(definition, provider)}."
                    )
    if errors:
        raise ValidationError(errors)


def _label_targets(definition: Field, *, lmns, provider) -> set[str] | None:
    """What a label for this field may map to, casefolded; None if it cannot be known here
    (units and the provider without a provider)."""
    if definition.kind == "choice":
        return {value.casefold() for value, _ in definition.choices.choices}
    if definition.kind == "incident_type":
        types = IncidentType.objects.active()
        if lmns is not None:
            types = types.available_to(lmns)
        return {name.casefold() for name in types.values_list("name", flat=True)}
    if provider is None:
        return None
    if definition.kind == "unit":
        units = Unit.objects.filter(provider=provider).values_list("name", "ods_site_code")
        return {code.casefold() for unit in units for code in unit if code}
    return {provider.ods_code.casefold()}


def _target_words(definition: Field, provider) -> str:
    if definition.kind == "choice":
        return f"a value of {definition.label}"
    if definition.kind == "incident_type":
        return "the name of an incident type in use"
    if definition.kind == "unit":
        return f"the name or site code of a unit of {provider.name}"
    return f"{provider.name}'s ODS code ({provider.ods_code})"


def mapping_choices(provider: Provider) -> list[tuple[str, str]]:
    """(name, label) of every mapping the provider may import with: its own, then the ready-made."""
    own = [(mapping.name, mapping.name) for mapping in ImportMapping.objects.filter(provider=provider)]
    ready = [(key, f"{preset['title']} (ready-made)") for key, preset in presets().items()]
    return own + [choice for choice in ready if choice[0] not in dict(own)]


def mapping_resolve(*, provider: Provider, name: str) -> dict:
    """The mapping called ``name`` for ``provider`` as {"columns": …, "values": …};
    the provider's own comes before a ready-made one of the same name."""
    own = ImportMapping.objects.filter(provider=provider, name=name).first()
    if own is not None:
        return {"columns": own.columns, "values": own.values}
    preset = presets().get(name)
    if preset is None:
        raise ValidationError(f"There is no import mapping called “{name}”.")
    return {"columns": preset["columns"], "values": preset.get("values") or {}}
