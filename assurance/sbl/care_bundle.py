"""The Saving Babies' Lives v3 elements and interventions, read from care_bundle.yaml.

The file is checked whole before anything is loaded, and loading only adds what is missing
(matched by element number and intervention code): once in the database, an entry is the
deployment administrator's to correct in the admin, and loading the file again never
overwrites that correction. The migration that creates the tables loads it with the historical
models; ``load_frameworks`` loads it again to add entries a later file brings.
"""

from dataclasses import dataclass
from pathlib import Path

import yaml

PATH = Path(__file__).with_name("care_bundle.yaml")


class CareBundleFileError(ValueError):
    pass


@dataclass(frozen=True)
class InterventionSpec:
    code: str
    text: str
    order: int


@dataclass(frozen=True)
class ElementSpec:
    number: int
    name: str
    interventions: tuple[InterventionSpec, ...]


@dataclass(frozen=True)
class CareBundle:
    checked: bool
    source: str
    elements: tuple[ElementSpec, ...]


def read_care_bundle(path: Path = PATH) -> CareBundle:
    """The file's content, or CareBundleFileError saying what is wrong with it."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise CareBundleFileError(f"{path.name}: cannot be read: {error}") from error
    try:
        elements, codes = [], set()
        for element in data["elements"]:
            interventions = []
            for order, item in enumerate(element["interventions"], start=1):
                code, text = str(item["code"]).strip(), " ".join(str(item["text"]).split())
                if not code or not text or code in codes:
                    raise CareBundleFileError(f"{path.name}: intervention {code!r} is empty or repeated")
                codes.add(code)
                interventions.append(InterventionSpec(code=code, text=text, order=order))
            elements.append(
                ElementSpec(
                    number=int(element["number"]),
                    name=str(element["name"]),
                    interventions=tuple(interventions),
                )
            )
        if len({element.number for element in elements}) != len(elements):
            raise CareBundleFileError(f"{path.name}: an element number is repeated")
        return CareBundle(checked=bool(data["checked"]), source=str(data["source"]), elements=tuple(elements))
    except (KeyError, TypeError, ValueError) as error:
        if isinstance(error, CareBundleFileError):
            raise
        raise CareBundleFileError(f"{path.name} is malformed: {error!r}") from error


def care_bundle_load(*, element_model, intervention_model, bundle: CareBundle | None = None) -> int:
    """Add the elements and interventions that are missing; returns how many were added.

    Takes the models so that a migration can pass its historical ones."""
    bundle = bundle or read_care_bundle()
    added = 0
    for spec in bundle.elements:
        element, created = element_model.objects.get_or_create(
            number=spec.number, defaults={"name": spec.name, "source": bundle.source[:300]}
        )
        added += created
        existing = set(intervention_model.objects.values_list("code", flat=True))
        for item in spec.interventions:
            if item.code in existing:
                continue
            intervention_model.objects.create(
                element=element,
                code=item.code,
                text=item.text,
                order=item.order,
                wording_checked=bundle.checked,
                source=bundle.source[:300],
            )
            added += 1
    return added
