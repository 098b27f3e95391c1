"""Reads of the quarterly Saving Babies' Lives assessments: the implementation percentages (one
definition, used by every page) and the tables. Each runs a fixed number of queries however
many assessments, elements or interventions there are."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q

from assurance.models import FrameworkStatus, RequirementAssessment
from assurance.sbl.models import Implementation, SblAnswer, SblAssessment, SblElement, SblIntervention
from lmns.models import Provider

# The MIS safety action the validated assessment is evidence for: matched by its code in every
# MIS year's framework file (assurance/frameworks/cnst-mis-year-*.yaml).
SA6_CODE = "SA6"


@dataclass(frozen=True)
class Score:
    """Interventions fully implemented out of those that apply (every intervention but the ones
    answered not applicable; one not yet answered counts as applicable and not implemented)."""

    fully: int = 0
    applicable: int = 0
    answered: int = 0
    total: int = 0

    @property
    def percent(self) -> int | None:
        """Whole percent, rounded down so that a figure never reads higher than it is; None when
        nothing applies."""
        return self.fully * 100 // self.applicable if self.applicable else None

    def __add__(self, other: "Score") -> "Score":
        return Score(
            self.fully + other.fully,
            self.applicable + other.applicable,
            self.answered + other.answered,
            self.total + other.total,
        )


@dataclass
class Scores:
    overall: Score = field(default_factory=Score)
    by_element: dict[int, Score] = field(default_factory=dict)


_COUNTS = {
    "fully": Count("pk", filter=Q(implementation=Implementation.FULLY)),
    "applicable": Count("pk", filter=~Q(implementation=Implementation.NOT_APPLICABLE)),
    "answered": Count("pk", filter=~Q(implementation=Implementation.NOT_ANSWERED)),
    "total": Count("pk"),
}


def scores_for(assessment_ids) -> dict[int, Scores]:
    """Each assessment's overall and per-element scores, in one query."""
    rows = (
        SblAnswer.objects.filter(assessment_id__in=list(assessment_ids))
        .values("assessment_id", "intervention__element__number")
        .annotate(**_COUNTS)
        .order_by()
    )
    result: dict[int, Scores] = defaultdict(Scores)
    for row in rows:
        score = Score(row["fully"], row["applicable"], row["answered"], row["total"])
        scores = result[row["assessment_id"]]
        scores.by_element[row["intervention__element__number"]] = score
        scores.overall = scores.overall + score
    return result


def assessment_scores(assessment: SblAssessment) -> Scores:
    return scores_for([assessment.pk]).get(assessment.pk, Scores())


def wording_unchecked() -> dict:
    """How many of the interventions asked in new quarters are still unchecked, of how many."""
    return SblIntervention.objects.filter(is_active=True).aggregate(
        unchecked=Count("pk", filter=Q(wording_checked=False)), active=Count("pk")
    )


def elements() -> list[SblElement]:
    return list(SblElement.objects.order_by("number"))


def assessment_list(*, user, provider: Provider | None = None):
    assessments = SblAssessment.objects.visible_to(user).select_related("provider")
    if provider is not None:
        assessments = assessments.filter(provider=provider)
    return assessments.order_by("-quarter_start", "provider__name")


def table_rows(assessments, elements: list[SblElement]) -> list[tuple[SblAssessment, Score, list]]:
    """The rows of a quarters table: each assessment, its overall score and its score per element
    (in the order of ``elements``; None where it asked nothing of an element), in one query."""
    assessments = list(assessments)
    scores = scores_for(assessment.pk for assessment in assessments)
    rows = []
    for assessment in assessments:
        found = scores.get(assessment.pk, Scores())
        rows.append((assessment, found.overall, [found.by_element.get(e.number) for e in elements]))
    return rows


def answers_by_element(assessment: SblAssessment) -> list[tuple[SblElement, list[SblAnswer]]]:
    """The assessment's answers grouped under their elements, in order, in two queries."""
    answers = (
        assessment.answers.select_related("intervention__element")
        .prefetch_related("evidence")
        .order_by("intervention__element__number", "intervention__order", "intervention__code")
    )
    grouped: dict[int, list[SblAnswer]] = defaultdict(list)
    found = {}
    for answer in answers:
        element = answer.intervention.element
        found[element.number] = element
        grouped[element.number].append(answer)
    return [(found[number], grouped[number]) for number in sorted(found)]


def sa6_items(assessment: SblAssessment):
    """The provider's requirements of MIS safety action 6, in published (open) MIS assessments:
    where a validated quarter can be cited as evidence."""
    return (
        RequirementAssessment.objects.filter(
            assessment__provider_id=assessment.provider_id,
            requirement__action__code=SA6_CODE,
            assessment__framework__status=FrameworkStatus.PUBLISHED,
        )
        .select_related("requirement", "assessment__framework", "assessment__provider")
        .order_by("assessment__framework__name", "assessment__framework__version", "requirement__order")
    )
