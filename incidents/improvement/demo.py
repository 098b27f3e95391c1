"""Fictional improvement work for the demonstration LMNS (see lmns.demo): Northshire's plan
from the shared fetal monitoring learning, with six months of values and two PDSA cycles; and
two rounds of the learning network's health survey, one closed with ten answers, one open.

Running it again changes nothing: each part is only added to an LMNS that has none.
"""

import secrets
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from incidents.improvement import services
from incidents.improvement.models import ImprovementPlan, SurveyRound
from incidents.improvement.selectors import statements_of
from incidents.models import Learning, LearningStatus, Theme
from lmns.models import Lmns
from lmns.months import add_months, first_of_month

SECTIONS = {
    "project_aims": "Raise the share of CTGs with every hourly fresh-eyes review documented from 72% to 95% "
    "by the end of the year, on the labour ward and the birth centre.",
    "baseline": "A six-month audit of 40 CTGs a month found 72% with every hourly review documented, "
    "falling to 55% on nights when the coordinator covered a room.",
    "approach": "Model for Improvement: process map of the hourly review, then PDSA cycles of small changes, "
    "run chart reviewed at the monthly perinatal quality meeting.",
    "in_scope": "Continuous CTG monitoring in established labour on the labour ward and the birth centre.",
    "out_of_scope": "Antenatal CTGs on the day assessment unit, and computerised CTG analysis.",
    "risks": "Audit time competes with clinical work; mitigated by a rota of audit midwives.",
    "sustainability": "Built into the labour ward's monthly audit calendar and the new-starter induction.",
}
FRESH_EYES = [Decimal(v) for v in ("71", "74", "73", "82", "88", "91")]
ESCALATIONS = [Decimal(v) for v in ("4", "5", "3", "2", "2", "1")]
# Ten people's views, varied but fixed so the demo reads the same every time.
ANSWER_PATTERN = [4, 5, 3, 4, 2, 4, 0, 5, 3, 4, 4, 1, 3]


def _plan(*, lmns: Lmns, lead, today) -> None:
    fresh_eyes = Learning.objects.filter(
        provider__lmns=lmns, status=LearningStatus.SHARED, title__startswith="Fresh eyes"
    ).first()
    zza = lmns.providers.get(ods_code="ZZA")
    plan = services.plan_create(
        by=lead,
        organisation=zza,
        title="Fresh eyes on every CTG",
        primary_driver="deterioration",
        overarching_aim="Recognise deterioration in labour early: every continuous CTG reviewed by "
        "fresh eyes every hour.",
        secondary_drivers=["Safety culture", "Systems and processes", "Reliable review at every handover"],
        themes=Theme.objects.filter(name="Fetal monitoring", lmns=None),
        learning=[fresh_eyes] if fresh_eyes else [],
    )
    services.plan_update(plan=plan, by=lead, **SECTIONS)
    months = [add_months(first_of_month(today), -offset) for offset in range(6, 0, -1)]
    rows = [
        (
            {
                "name": "CTGs with every hourly fresh-eyes review documented",
                "measure_type": "process",
                "definition": "CTGs audited with every hourly review documented / CTGs audited (40 a month).",
                "direction": "higher",
                "unit": "%",
                "collected_by": "Audit midwife on the labour ward",
                "frequency": "Monthly",
                "lead": "Consultant midwife",
                "due_on": months[-1] + timedelta(days=14),
                "risks": "Audit slips on busy months; a second audit midwife covers.",
            },
            FRESH_EYES,
        ),
        (
            {
                "name": "Delayed escalations of an abnormal CTG",
                "measure_type": "outcome",
                "definition": "Incidents where an abnormal CTG was escalated more than 30 minutes late.",
                "direction": "lower",
                "collected_by": "Risk midwife, from the incident system",
                "frequency": "Monthly",
                "lead": "Labour ward lead obstetrician",
            },
            ESCALATIONS,
        ),
    ]
    for fields, values in rows:
        measure = services.plan_row_save(plan=plan, kind="measure", by=lead, **fields)
        services.measure_values_set(measure=measure, values=dict(zip(months, values, strict=True)), by=lead)
    for fields in (
        {
            "title": "Fresh-eyes sticker on the CTG",
            "started_on": months[2],
            "ended_on": months[3] - timedelta(days=1),
            "change": "A sticker on each CTG with hourly boxes for the second reviewer's signature.",
        },
        {
            "title": "Prompt at every safety huddle",
            "started_on": months[3] + timedelta(days=7),
            "change": "The coordinator asks at each huddle whose CTGs are due a fresh-eyes review.",
        },
    ):
        services.plan_row_save(plan=plan, kind="pdsa", by=lead, **fields)
    services.plan_row_save(
        plan=plan,
        kind="communication",
        by=lead,
        audience="Labour ward midwives and obstetricians",
        message="Why fresh eyes matter, and this month's run chart.",
        channel="Safety huddle and the labour ward board",
        when="Weekly",
        owner="Labour ward manager",
    )
    for name, role in (("Alex Morgan", "Consultant midwife (lead)"), ("Priya Shah", "LMNS lead midwife")):
        services.plan_row_save(plan=plan, kind="team", by=lead, name=name, role=role)


def _answer(round_, count: int, shift: int) -> None:
    keys = [statement["key"] for statement in statements_of(round_.definition)]
    for person in range(count):
        token = secrets.token_urlsafe(32)
        round_.invitations.create(token_hash=services.token_hash(token))
        answers = {
            key: ANSWER_PATTERN[(person + n + shift) % len(ANSWER_PATTERN)] for n, key in enumerate(keys)
        }
        services.survey_answer(token=token, answers=answers)


def _survey(*, lmns: Lmns, officer, today) -> None:
    closed = services.survey_round_open(lmns=lmns, survey="lls-health", title="Autumn round", by=officer)
    _answer(closed, 10, shift=4)
    services.survey_round_close(round_=closed, by=officer)
    SurveyRound.objects.filter(pk=closed.pk).update(
        opened_on=today - timedelta(days=180), closed_on=today - timedelta(days=150), invitations_sent=14
    )
    services.survey_round_open(lmns=lmns, survey="lls-health", title="Spring round", by=officer)


@transaction.atomic
def demo_seed(*, lmns: Lmns) -> None:
    users = {user.username: user for user in get_user_model().objects.filter(username__startswith="demo.")}
    today = timezone.localdate()
    if not ImprovementPlan.objects.filter(lmns=lmns).exists():
        _plan(lmns=lmns, lead=users["demo.lead"], today=today)
    if not SurveyRound.objects.filter(lmns=lmns).exists():
        _survey(lmns=lmns, officer=users["demo.officer"], today=today)
