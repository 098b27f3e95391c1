"""Reads for improvement plans and the learning network's health survey: the driver diagram
and survey definitions (data files), each measure's run or SPC chart with its PDSA cycles, and
survey results per statement and group against the previous round."""

from dataclasses import dataclass, field
from datetime import date
from functools import cache, cached_property
from pathlib import Path
from typing import NamedTuple

import yaml
from django.db.models import Count
from django.utils.safestring import mark_safe

from incidents.improvement.models import ImprovementPlan, PdsaCycle, PlanMeasure, SurveyAnswer, SurveyRound
from incidents.models import Learning, LearningStatus
from lmns.access import can, lmnss_where, providers_where
from lmns.months import add_months, first_of_month
from lmns.spc import SpcResult, xmr
from lmns.spc_chart import spc_svg

DRIVERS_FILE = Path(__file__).with_name("drivers.yaml")
SURVEYS_DIR = Path(__file__).with_name("surveys")


@cache
def driver_diagram() -> dict:
    """The national driver diagram and the nine sections' guidance (drivers.yaml)."""
    return yaml.safe_load(DRIVERS_FILE.read_text(encoding="utf-8"))


def primary_driver_choices() -> list[tuple[str, str]]:
    return [(driver["key"], driver["name"]) for driver in driver_diagram()["primary_drivers"]]


def primary_driver_name(key: str) -> str:
    # A key dropped from the file still reads as itself rather than breaking the page.
    return dict(primary_driver_choices()).get(key, key)


@dataclass
class Section:
    field: str
    title: str
    guidance: str
    text: str = ""


def plan_sections(plan: ImprovementPlan | None = None) -> list[Section]:
    """The nine General sections in the portal's order, with the plan's text if given."""
    return [
        Section(**section, text=getattr(plan, section["field"]) if plan else "")
        for section in driver_diagram()["sections"]
    ]


def may_plan(user, plan: ImprovementPlan) -> bool:
    """Whether the user may change the plan: at its provider, or at its LMNS for an LMNS plan."""
    return can(user, "plan_improvement", plan.provider or plan.lmns)


def plan_owner_choices(user) -> list[tuple[str, str]]:
    """Where the user may start a plan: "provider-<pk>" or "lmns-<pk>" with its name."""
    return [(f"provider-{p.pk}", p.name) for p in providers_where(user, "plan_improvement")] + [
        (f"lmns-{lmns.pk}", f"{lmns.name} (LMNS-wide)") for lmns in lmnss_where(user, "plan_improvement")
    ]


def linkable_learning(*, user, provider=None, lmns_ids=None):
    """Learning a plan may link to: shared across the LMNS, or the plan's own provider's.

    Another provider's unshared learning is never offered, even to LMNS staff who can read it,
    because everyone who reads the plan would then read its title.
    """
    learning = Learning.objects.visible_to(user)
    if provider is not None:
        return learning.filter(provider=provider) | learning.filter(
            status=LearningStatus.SHARED, provider__lmns=provider.lmns_id
        )
    return learning.filter(status=LearningStatus.SHARED, provider__lmns__in=lmns_ids or [])


def plan_detail(*, plan: ImprovementPlan, user) -> dict:
    """Everything the tabs and the All view show, in a fixed number of queries."""
    return {
        "plan": plan,
        "primary_driver": primary_driver_name(plan.primary_driver),
        "sections": plan_sections(plan),
        "themes": list(plan.themes.all()),
        # Read through the viewer's own door, so a link can never show more than they may read.
        "learning": list(plan.learning.filter(pk__in=Learning.objects.visible_to(user).values("pk"))),
        "measures": list(plan.measures.all()),
        "communications": list(plan.communications.all()),
        "team": list(plan.team.all()),
        "pdsa_cycles": list(plan.pdsa_cycles.all()),
        "tab_guidance": driver_diagram()["tabs"],
        "can_edit": may_plan(user, plan),
    }


# --- Measures over time -------------------------------------------------------------------------


@dataclass
class CycleMark:
    """A PDSA cycle placed on a measure's months: the chart's annotation, as a table row."""

    cycle: PdsaCycle
    start_label: str  # the month the cycle starts in, as the chart's x axis labels it
    end_label: str
    number: int | None  # the number marking its start on the chart; None if it starts outside it


@dataclass
class MeasureSeries:
    measure: PlanMeasure
    months: list[date]
    values: list  # one per month, None where nothing was entered
    cycles: list[PdsaCycle] = field(default_factory=list)

    @cached_property
    def spc(self) -> SpcResult:
        return xmr(
            [None if value is None else float(value) for value in self.values],
            direction=self.measure.direction,
        )

    @property
    def labels(self) -> list[str]:
        return [f"{month:%b %Y}" for month in self.months]

    @cached_property
    def chart(self) -> str:
        if not self.months:
            return ""
        # spc_svg escapes every text it is given, so its output is safe to insert as is.
        return mark_safe(
            spc_svg(
                self.spc,
                labels=self.labels,
                title=f"{self.measure.name}, {self.months[0]:%B %Y} to {self.months[-1]:%B %Y}",
                units=self.measure.unit,
                chart_id=f"measure-{self.measure.pk}",
                annotations=self.annotations,
            )
        )

    @property
    def _charted_cycles(self) -> list[tuple[int, PdsaCycle]]:
        """The cycles that start within the chart's months, with the index of that month."""
        index = {month: i for i, month in enumerate(self.months)}
        return [
            (index[first_of_month(cycle.started_on)], cycle)
            for cycle in self.cycles
            if first_of_month(cycle.started_on) in index
        ]

    @property
    def annotations(self) -> list[tuple[int, str]]:
        return [(i, f"PDSA cycle {cycle.title}") for i, cycle in self._charted_cycles]

    @property
    def cycle_marks(self) -> list[CycleMark]:
        def label(day):
            return f"{day:%b %Y}" if day else "ongoing"

        numbers = {cycle.pk: number for number, (_i, cycle) in enumerate(self._charted_cycles, start=1)}
        return [CycleMark(c, label(c.started_on), label(c.ended_on), numbers.get(c.pk)) for c in self.cycles]

    @property
    def rows(self):
        """(month, value, PDSA cycles starting that month) for the values table."""
        starts = {}
        for cycle in self.cycles:
            starts.setdefault(first_of_month(cycle.started_on), []).append(cycle)
        return [(m, v, starts.get(m, [])) for m, v in zip(self.months, self.values, strict=True)]


def measure_series(*, measure: PlanMeasure, cycles=None) -> MeasureSeries:
    """Every month from the first value to the last, with gaps as None, and the plan's cycles."""
    values = {v.month: v.value for v in measure.values.all()}
    cycles = list(measure.plan.pdsa_cycles.all() if cycles is None else cycles)
    if not values:
        return MeasureSeries(measure=measure, months=[], values=[], cycles=cycles)
    month, last = min(values), max(values)
    months = []
    while month <= last:
        months.append(month)
        month = add_months(month, 1)
    return MeasureSeries(
        measure=measure, months=months, values=[values.get(m) for m in months], cycles=cycles
    )


def plan_series(*, plan: ImprovementPlan) -> list[MeasureSeries]:
    """Every measure of the plan with its values, in two queries."""
    cycles = list(plan.pdsa_cycles.all())
    measures = plan.measures.prefetch_related("values")
    return [measure_series(measure=measure, cycles=cycles) for measure in measures]


def value_months(*, measure: PlanMeasure, today: date, count: int = 12) -> list[date]:
    """Months offered for entering values: the last ``count`` and any earlier that have a value."""
    this_month = first_of_month(today)
    recent = [add_months(this_month, -offset) for offset in range(count - 1, -1, -1)]
    earlier = sorted(v.month for v in measure.values.all() if v.month < recent[0])
    return earlier + recent


# --- The health survey --------------------------------------------------------------------------

SCALE = [
    (5, "Strongly agree"),
    (4, "Agree"),
    (3, "Neither agree nor disagree"),
    (2, "Disagree"),
    (1, "Strongly disagree"),
    (0, "Don't know"),
]
SCALE_LABELS = dict(SCALE)
# Too few answers and one person's can be picked out of the counts: with three, two who compare
# their own answers can work out the third's.
MIN_RESULTS = 5


class SurveyFileError(ValueError):
    pass


def _check_survey(path: Path, data) -> dict:
    def need(condition, reason):
        if not condition:
            raise SurveyFileError(f"{path.name}: {reason}")

    need(isinstance(data, dict), "expected a mapping with slug, title and groups")
    for key in ("slug", "title", "groups"):
        need(data.get(key), f"{key} is missing")
    keys = set()
    for group in data["groups"]:
        need(group.get("key") and group.get("title"), "every group needs a key and a title")
        need(group.get("statements"), f"group {group['key']} has no statements")
        for statement in group["statements"]:
            need(statement.get("key") and statement.get("text"), f"group {group['key']}: key and text")
            need(statement["key"] not in keys, f"statement key {statement['key']} is used twice")
            keys.add(statement["key"])
    return {
        "slug": str(data["slug"]),
        "title": str(data["title"]),
        "introduction": str(data.get("introduction", "")),
        "groups": [
            {
                "key": str(group["key"]),
                "title": str(group["title"]),
                "statements": [{"key": str(s["key"]), "text": str(s["text"])} for s in group["statements"]],
            }
            for group in data["groups"]
        ],
    }


@cache
def survey_definitions() -> dict[str, dict]:
    """Every survey file, checked, by slug. A new survey is a new file, not new code."""
    surveys = {}
    for path in sorted(SURVEYS_DIR.glob("*.yaml")):
        survey = _check_survey(path, yaml.safe_load(path.read_text(encoding="utf-8")))
        surveys[survey["slug"]] = survey
    return surveys


def statements_of(definition: dict) -> list[dict]:
    return [statement for group in definition["groups"] for statement in group["statements"]]


class Bar(NamedTuple):
    value: int
    label: str
    count: int
    percent: float  # of all answers
    start: float  # percent of the bar's width before this part

    @property
    def middle(self) -> float:
        return self.start + self.percent / 2


@dataclass
class Distribution:
    counts: dict[int, int]  # scale value -> answers

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def known(self) -> int:
        return self.total - self.counts.get(0, 0)

    @property
    def agree_percent(self) -> float | None:
        """Agree or strongly agree, as a share of those who gave a view (not "don't know")."""
        if not self.known:
            return None
        return 100 * (self.counts.get(4, 0) + self.counts.get(5, 0)) / self.known

    @property
    def bars(self) -> list[Bar]:
        """The stacked bar's parts, agree first, each placed after the one before."""
        bars, start = [], 0.0
        for value, label in SCALE if self.total else []:
            count = self.counts.get(value, 0)
            bars.append(Bar(value, label, count, 100 * count / self.total, start))
            start += bars[-1].percent
        return bars


@dataclass
class ResultRow:
    key: str
    text: str
    now: Distribution
    before: Distribution | None

    @property
    def change(self) -> float | None:
        """Percentage points of agreement gained since the previous round."""
        if self.before is None or self.now.agree_percent is None or self.before.agree_percent is None:
            return None
        return self.now.agree_percent - self.before.agree_percent


@dataclass
class ResultGroup:
    title: str
    summary: ResultRow
    rows: list[ResultRow]


@dataclass
class SurveyResults:
    round: SurveyRound
    previous: SurveyRound | None
    responses: int
    groups: list[ResultGroup]

    @property
    def counted(self) -> bool:
        """Figures wait for the round to close: while it is open, each new answer would show as
        the difference between two looks at the page, and whoever sent the last reminder knows
        whose it is."""
        return not self.round.is_open

    @property
    def enough(self) -> bool:
        return self.counted and self.responses >= MIN_RESULTS


def _counts(round_: SurveyRound) -> dict[str, dict[int, int]]:
    counts: dict[str, dict[int, int]] = {}
    rows = (
        SurveyAnswer.objects.filter(response__round=round_)
        .values_list("statement", "value")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for statement, value, n in rows:
        counts.setdefault(statement, {})[value] = n
    return counts


def previous_round(round_: SurveyRound) -> SurveyRound | None:
    """The same survey's last closed round in the same LMNS before this one opened."""
    return (
        SurveyRound.objects.filter(lmns=round_.lmns_id, survey=round_.survey, closed_on__isnull=False)
        .exclude(pk=round_.pk)
        .filter(opened_on__lte=round_.opened_on)
        .order_by("-opened_on", "-pk")
        .first()
    )


def _sum(distributions: list[Distribution]) -> Distribution:
    total: dict[int, int] = {}
    for distribution in distributions:
        for value, n in distribution.counts.items():
            total[value] = total.get(value, 0) + n
    return Distribution(total)


def survey_results(*, round_: SurveyRound) -> SurveyResults:
    """Per statement and per group: the distribution now and the change in agreement since
    the previous round, matching statements by key."""
    previous = previous_round(round_)
    now = _counts(round_)
    before = _counts(previous) if previous else {}
    # The previous round needs enough answers too, or its figures would give people away.
    previous_enough = previous is not None and previous.responses.count() >= MIN_RESULTS
    groups = []
    for group in round_.definition["groups"]:
        rows = [
            ResultRow(
                key=s["key"],
                text=s["text"],
                now=Distribution(now.get(s["key"], {})),
                before=Distribution(before[s["key"]]) if previous_enough and s["key"] in before else None,
            )
            for s in group["statements"]
        ]
        befores = [row.before for row in rows if row.before is not None]
        summary = ResultRow(
            key=group["key"],
            text=f"{group['title']} (all statements)",
            now=_sum([row.now for row in rows]),
            # A group whose statements changed between rounds has no like-for-like change;
            # its statements that were asked both times still show theirs.
            before=_sum(befores) if befores and len(befores) == len(rows) else None,
        )
        groups.append(ResultGroup(title=group["title"], summary=summary, rows=rows))
    return SurveyResults(
        round=round_,
        previous=previous if previous_enough else None,
        responses=round_.responses.count(),
        groups=groups,
    )


def round_list(*, user):
    # Grouped queries drop Meta.ordering, so the pages stay stable only when it is given here.
    return (
        SurveyRound.objects.visible_to(user)
        .select_related("lmns")
        .annotate(answers=Count("responses"))
        .order_by("-opened_on", "-pk")
    )


def plans_for(*, user):
    return ImprovementPlan.objects.visible_to(user).select_related("provider", "lmns")
