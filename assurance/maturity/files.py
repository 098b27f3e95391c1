"""Maturity models as data: parse and check the files in assurance/maturity_models/ and load
them for an LMNS.

As for framework files (assurance.frameworks), every file is checked before any is loaded and
every error reads ``file:line: reason``. Loading only adds a version the LMNS does not have: once
loaded, a model is the LMNS's to correct in the product, and loading the file again never
overwrites that correction.
"""

from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from assurance.frameworks import SLUG_RE, DataFileParser, line_number, read_data_file
from assurance.maturity.models import (
    CODE_LENGTH,
    MaturityDescriptor,
    MaturityDomain,
    MaturityLevel,
    MaturityModel,
)

MODELS_DIR = Path(__file__).resolve().parent.parent / "maturity_models"
TOP_KEYS = ("slug", "name", "version", "source_note", "levels", "domains")
TOP_OPTIONAL = ("wording_checked",)


@dataclass(frozen=True)
class DomainData:
    code: str
    name: str
    descriptors: tuple[str, ...]


@dataclass(frozen=True)
class ModelData:
    path: str
    slug: str
    name: str
    version: str
    source_note: str
    wording_checked: bool
    levels: tuple[tuple[int, str], ...]
    domains: tuple[DomainData, ...]


def parse_model_file(path) -> ModelData:
    """Read and check one file without touching the database."""
    path = Path(path)
    root, shown = read_data_file(path)
    p = DataFileParser(shown)
    top = p.mapping(root, "the maturity model", TOP_KEYS, TOP_OPTIONAL)
    slug = p.text(top["slug"], "slug", 80)
    if not SLUG_RE.match(slug) or slug != path.stem:
        raise p.error(
            top["slug"], f"slug '{slug}' must be lower-case words joined by hyphens, as the file name"
        )
    levels, numbers = [], set()
    for node in p.sequence(top["levels"], "levels"):
        fields = p.mapping(node, "a level", ("number", "name"))
        text = p.text(fields["number"], "a level's number", 3)
        if not text.isascii() or not text.isdigit() or int(text) in numbers:
            raise p.error(fields["number"], f"level number '{text}' must be a whole number, used once")
        numbers.add(int(text))
        levels.append((int(text), p.text(fields["name"], f"the name of level {text}", 100)))
    if len(levels) < 2:
        raise p.error(top["levels"], "a maturity model needs at least two levels")
    levels.sort()
    domains, codes = [], {}
    domain_nodes = p.sequence(top["domains"], "domains")
    if not domain_nodes:
        raise p.error(top["domains"], "a maturity model needs at least one domain")
    for node in domain_nodes:
        fields = p.mapping(node, "a domain", ("code", "name", "descriptors"))
        code = p.code(fields["code"], "a domain's code", CODE_LENGTH)
        if code in codes:
            raise p.error(fields["code"], f"duplicate domain '{code}' (first on line {codes[code]})")
        codes[code] = line_number(fields["code"])
        descriptors = p.sequence(fields["descriptors"], f"the descriptors of {code}")
        if len(descriptors) != len(levels):
            raise p.error(
                fields["descriptors"],
                f"domain {code} has {len(descriptors)} descriptors; it needs one per level ({len(levels)})",
            )
        domains.append(
            DomainData(
                code=code,
                name=p.text(fields["name"], f"the name of {code}", 200),
                descriptors=tuple(p.text(item, f"a descriptor of {code}") for item in descriptors),
            )
        )
    return ModelData(
        path=shown,
        slug=slug,
        name=p.text(top["name"], "name", 200),
        version=p.text(top["version"], "version", 50),
        source_note=p.text(top["source_note"], "source_note", blank=True),
        wording_checked=p.boolean(top.get("wording_checked"), "wording_checked"),
        levels=tuple(levels),
        domains=tuple(domains),
    )


def model_files(directory=None) -> list[Path]:
    return sorted(Path(directory or MODELS_DIR).glob("*.yaml"))


@transaction.atomic
def load_model(data: ModelData, *, lmns) -> tuple[MaturityModel, bool]:
    """The LMNS's copy of the file's version, as a draft: made if missing. Returns it and whether
    it was made."""
    found = MaturityModel.objects.filter(lmns=lmns, slug=data.slug, version=data.version).first()
    if found is not None:
        return found, False
    model = MaturityModel.objects.create(
        lmns=lmns,
        slug=data.slug,
        name=data.name,
        version=data.version,
        source_file=data.path[:200],
        source_note=data.source_note,
        wording_checked=data.wording_checked,
    )
    levels = [
        MaturityLevel.objects.create(model=model, number=number, name=name) for number, name in data.levels
    ]
    for order, item in enumerate(data.domains, start=1):
        domain = MaturityDomain.objects.create(model=model, code=item.code, name=item.name, order=order)
        MaturityDescriptor.objects.bulk_create(
            MaturityDescriptor(domain=domain, level=level, text=text)
            for level, text in zip(levels, item.descriptors, strict=True)
        )
    return model, True


def load_model_files(*, lmnss, paths=None) -> list[tuple[MaturityModel, bool]]:
    """Check every file, then load each for every LMNS given."""
    parsed = [parse_model_file(path) for path in (paths if paths is not None else model_files())]
    return [load_model(data, lmns=lmns) for lmns in lmnss for data in parsed]
