"""The LMNS outcome signal's reference rates and thresholds, read from outcome_signal.yaml."""

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml
from django.core.exceptions import ImproperlyConfigured

PATH = Path(__file__).with_name("outcome_signal.yaml")


@dataclass(frozen=True)
class SignalMeasureReference:
    key: str
    label: str
    denominator: str
    reference_per_1000: float
    amber: float
    red: float

    @property
    def reference_rate(self) -> float:
        return self.reference_per_1000 / 1000


@dataclass(frozen=True)
class SignalReference:
    checked: bool
    source: str
    rate_ratio: float
    measures: dict[str, SignalMeasureReference]


@cache
def signal_reference() -> SignalReference:
    data = yaml.safe_load(PATH.read_text())
    try:
        measures = {
            key: SignalMeasureReference(
                key=key,
                label=item["label"],
                denominator=item["denominator"],
                reference_per_1000=float(item["reference_per_1000"]),
                amber=float(item["amber"]),
                red=float(item["red"]),
            )
            for key, item in data["measures"].items()
        }
        return SignalReference(
            checked=bool(data["checked"]),
            source=data["source"],
            rate_ratio=float(data["rate_ratio"]),
            measures=measures,
        )
    except (KeyError, TypeError, ValueError) as error:
        raise ImproperlyConfigured(f"{PATH.name} is malformed: {error!r}") from error
