"""Saving Babies' Lives quarterly assessments for tests, and for the access matrix one per
provider, made on first use so tests/conftest.py's World needs no change."""

from django.utils import timezone

from assurance.sbl import services
from assurance.sbl.models import Implementation, SblAssessment, quarter_start_of


def this_quarter():
    return quarter_start_of(timezone.localdate())


def make_sbl_assessment(provider, *, by, quarter_start=None) -> SblAssessment:
    return services.sbl_assessment_start(
        provider=provider, quarter_start=quarter_start or this_quarter(), by=by
    )


def answer_all(assessment, *, by, implementation=Implementation.FULLY, overrides=None) -> None:
    """Answer every intervention ``implementation``; ``overrides`` maps a code to another answer."""
    overrides = overrides or {}
    services.sbl_answers_update(
        assessment=assessment,
        by=by,
        answers={
            answer.pk: {"implementation": overrides.get(answer.intervention.code, implementation), "note": ""}
            for answer in assessment.answers.select_related("intervention")
        },
    )


def sbl_record(world, provider) -> dict:
    records = world.records.setdefault(("sbl", provider.pk), {})
    assessment = records.get("assessment")
    # A record made by an earlier test is gone once that test's transaction rolled back.
    if assessment is None or not SblAssessment.objects.filter(pk=assessment.pk).exists():
        assessment = records["assessment"] = make_sbl_assessment(provider, by=world.personas["superuser"])
    return {"pk": assessment.pk}


def sbl_element_record(world, provider) -> dict:
    return {**sbl_record(world, provider), "number": 1}
