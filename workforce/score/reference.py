"""SCORE's domains as data (``domains.yaml``), marked unchecked until someone reads the survey's
published form: every page that names a domain shows the status and the source note."""

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

PATH = Path(__file__).with_name("domains.yaml")


@dataclass(frozen=True)
class Domain:
    code: str
    label: str


@dataclass(frozen=True)
class Domains:
    status: str
    source: str
    measure: str
    domains: tuple[Domain, ...]

    @property
    def checked(self) -> bool:
        return self.status == "checked"

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(d.code for d in self.domains)


@cache
def domains() -> Domains:
    data = yaml.safe_load(PATH.read_text(encoding="utf-8"))
    return Domains(
        status=data["status"],
        source=" ".join(data["source"].split()),
        measure=data["measure"],
        domains=tuple(Domain(code=d["code"], label=d["label"]) for d in data["domains"]),
    )
