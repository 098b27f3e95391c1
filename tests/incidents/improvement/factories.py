"""Plain factories for improvement plans and survey rounds (beside tests/factories.py)."""

from datetime import date

from incidents.improvement import services
from incidents.improvement.models import (
    CommunicationItem,
    ImprovementPlan,
    PdsaCycle,
    PlanMeasure,
    PlanMeasureValue,
    PlanTeamMember,
    SurveyInvitation,
    SurveyRound,
)
from incidents.improvement.selectors import survey_definitions


def make_plan(provider=None, *, lmns=None, **fields) -> ImprovementPlan:
    """A plan of ``provider``, or an LMNS-wide one of ``lmns``."""
    defaults = {
        "title": "Fresh eyes on every CTG",
        "primary_driver": "deterioration",
        "overarching_aim": "Every CTG in labour has an hourly fresh-eyes review.",
        "secondary_drivers": ["Safety culture"],
    }
    owner = {"provider": provider, "lmns": provider.lmns} if provider else {"lmns": lmns}
    return ImprovementPlan.objects.create(**owner, **{**defaults, **fields})


def make_measure(plan, **fields) -> PlanMeasure:
    defaults = {
        "name": "CTGs with hourly fresh eyes",
        "measure_type": "process",
        "definition": "CTGs with every hourly review documented / CTGs audited.",
        "direction": "higher",
        "unit": "%",
        "collected_by": "Labour ward audit midwife",
        "frequency": "Monthly",
        "lead": "Consultant midwife",
    }
    return PlanMeasure.objects.create(plan=plan, **{**defaults, **fields})


def add_values(measure, values: dict[date, float]) -> None:
    for month, value in values.items():
        PlanMeasureValue.objects.create(measure=measure, month=month, value=value)


def make_pdsa(plan, **fields) -> PdsaCycle:
    defaults = {
        "title": "Sticker on the CTG",
        "started_on": date(2026, 3, 1),
        "change": "A fresh-eyes sticker.",
    }
    return PdsaCycle.objects.create(plan=plan, **{**defaults, **fields})


def make_communication(plan, **fields) -> CommunicationItem:
    defaults = {
        "audience": "Labour ward staff",
        "message": "Why fresh eyes matter",
        "channel": "Safety huddle",
        "when": "Weekly",
        "owner": "Ward manager",
    }
    return CommunicationItem.objects.create(plan=plan, **{**defaults, **fields})


def make_team_member(plan, **fields) -> PlanTeamMember:
    return PlanTeamMember.objects.create(plan=plan, **{"name": "Sam Patel", **fields})


def make_round(lmns, *, by, title="Spring 2026", closed_on=None, opened_on=None) -> SurveyRound:
    survey = survey_definitions()["lls-health"]
    return SurveyRound.objects.create(
        lmns=lmns,
        survey="lls-health",
        title=title,
        definition=survey,
        opened_by=by,
        opened_on=opened_on or date(2026, 1, 5),
        closed_on=closed_on,
    )


def answer(round_, value_for, *, count=1) -> None:
    """``count`` anonymous answers through real invitations; ``value_for(key)`` gives each answer."""
    keys = [s["key"] for g in round_.definition["groups"] for s in g["statements"]]
    for n in range(count):
        token = f"token-{round_.pk}-{SurveyInvitation.objects.count()}-{n}"
        SurveyInvitation.objects.create(round=round_, token_hash=services.token_hash(token))
        services.survey_answer(token=token, answers={key: value_for(key) for key in keys})


def improvement_record(world, kind: str, provider):
    """For the access matrix: the world's plan (and its rows) of ``provider``, or its LMNS's
    survey round, made on first use so tests/conftest.py's World needs no change."""
    records = world.records.setdefault(("improvement", provider.pk), {})
    if not records:
        plan = make_plan(provider, title=f"Plan of {provider.ods_code}")
        records.update(
            plan=plan,
            measure=make_measure(plan),
            pdsa=make_pdsa(plan),
            communication=make_communication(plan),
            team=make_team_member(plan),
        )
    if kind == "round":
        lmns_records = world.records.setdefault(("improvement-lmns", provider.lmns_id), {})
        if "round" not in lmns_records:
            lmns_records["round"] = make_round(provider.lmns, by=world.personas["superuser"])
        return lmns_records["round"]
    return records[kind]
