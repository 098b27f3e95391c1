"""A fictional SCORE wave for the demonstration LMNS (see lmns.demo): the first provider's wave
closed two months ago, mapped and imported through the same spreadsheets a provider uploads,
with one setting of four responses (whose results are never kept), two debriefs held and one
planned, and their actions (one overdue). Running it again changes nothing."""

import io
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from lmns.models import Lmns
from workforce.score import services, sheets
from workforce.score.models import ScoreActionStatus, ScoreWave

# (work setting, headcount, responses, % positive by domain in domains.yaml's order)
SETTINGS = [
    ("Labour ward midwives", 64, 41, [72, 68, 61, 70, 38, 35, 44]),
    ("Labour ward obstetricians", 22, 14, [81, 77, 70, 66, 42, 30, 39]),
    ("Maternity theatres", 18, 11, [65, 59, 52, 48, 51, 46, 33]),
    ("Postnatal ward", 40, 23, [58, 61, 49, 55, 47, 41, 37]),
    ("Neonatal unit nurses", 52, 30, [79, 74, 69, 72, 33, 29, 48]),
    # Four people answered: the import keeps the count and never the results.
    ("Maternity support workers, community", 12, 4, [40, 45, 50, 55, 60, 65, 70]),
]


def _csv(rows: list[list]) -> io.BytesIO:
    text = "\n".join(",".join(f'"{cell}"' for cell in row) for row in rows)
    return io.BytesIO(text.encode("utf-8"))


@transaction.atomic
def demo_seed(*, lmns: Lmns) -> None:
    if ScoreWave.objects.filter(provider__lmns=lmns).exists():
        return
    provider = lmns.providers.order_by("ods_code").first()
    users = {
        u.username: u for u in get_user_model().objects.filter(username__in=["demo.lead", "demo.contributor"])
    }
    lead, contributor = users.get("demo.lead"), users.get("demo.contributor")
    if provider is None or lead is None or contributor is None:
        return
    today = timezone.localdate()
    wave = services.score_wave_create(
        provider=provider,
        name="Wave 1",
        opens_on=today - timedelta(days=90),
        closes_on=today - timedelta(days=62),
        by=lead,
    )
    services.score_mapping_import(
        wave=wave,
        file=_csv(
            [[sheets.SETTING, sheets.HEADCOUNT], *([name, headcount] for name, headcount, _r, _p in SETTINGS)]
        ),
        by=lead,
    )
    columns = sheets.default_results_columns()
    headings = list(columns)
    services.score_results_import(
        wave=wave,
        file=_csv([headings, *([name, responses, *percents] for name, _h, responses, percents in SETTINGS)]),
        columns=columns,
        by=lead,
    )
    settings = {setting.name: setting for setting in wave.settings.all()}
    labour = services.score_debrief_record(
        wave=wave,
        setting=settings["Labour ward midwives"],
        held_on=today - timedelta(days=40),
        facilitator="Patient safety collaborative improvement manager",
        notes="Burnout the team's first concern: breaks missed on busy shifts; handover felt rushed.",
        by=lead,
    )
    services.score_action_add(
        debrief=labour,
        description="Protect a 30-minute break for each midwife per shift, covered by the coordinator.",
        owner=lead,
        due_on=today - timedelta(days=5),
        by=lead,
    )
    done = services.score_action_add(
        debrief=labour,
        description="Try a structured handover (SBAR) on the labour ward for a month.",
        owner=contributor,
        due_on=today - timedelta(days=20),
        by=lead,
    )
    services.score_action_update(
        action=done,
        description=done.description,
        owner=contributor,
        due_on=done.due_on,
        status=ScoreActionStatus.DONE,
        by=lead,
    )
    neonatal = services.score_debrief_record(
        wave=wave,
        setting=settings["Neonatal unit nurses"],
        held_on=today - timedelta(days=30),
        facilitator="Neonatal matron and the trust's patient safety lead",
        notes="Teamwork strong; work-life balance low with rota changes at short notice.",
        by=lead,
    )
    services.score_action_add(
        debrief=neonatal,
        description="Publish the rota six weeks ahead and agree swaps through the ward manager.",
        owner=lead,
        due_on=today + timedelta(days=21),
        by=lead,
    )
    services.score_debrief_record(
        wave=wave,
        setting=settings["Maternity theatres"],
        held_on=today + timedelta(days=10),
        facilitator="Theatre manager",
        by=lead,
    )
