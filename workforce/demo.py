"""Fictional workforce returns and Freedom to Speak Up concerns for the demonstration LMNS
(see lmns.demo). Figures are made up; concerns describe situations, never people.
Running it again changes nothing: returns are unique per month, concerns are looked up
by their demo reference."""

import random
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from lmns.models import Lmns
from lmns.months import add_months, first_of_month
from workforce import crypto
from workforce.models import FtsuCategory, FtsuConcern, FtsuNote, StaffGroup, TrainingFigure, WorkforceReturn

# ODS code: (funded midwife WTE, in post at the start of the year, monthly change)
ESTABLISHMENTS = {
    "ZZA": (212, Decimal("188.4"), Decimal("1.1")),
    "ZZB": (164, Decimal("149.0"), Decimal("-0.6")),
    "ZZC": (131, Decimal("120.2"), Decimal("0.4")),
    "ZZD": (240, Decimal("221.5"), Decimal("0.8")),
    "ZZE": (38, Decimal("35.0"), Decimal("0.1")),
}

# (reference, ODS code or None, received by, route, days ago, raised as, group, categories, detriment,
#  status, summary, contact, handler username)
# Days ago each was received. Counts are shown for complete quarters only, and no quarter
# is longer than 92 days: the first and third fall in one whatever the date, so the
# speaking-up page has counts to show.
DEMO_CONCERNS = [
    ("FTSU-DEM0-0001", "ZZA", "provider", "in_person", 120, "confidential", "nurses_midwives",
     ["patient_safety", "worker_safety"], False, "in_progress",
     "Night shifts on the labour ward often run without a supernumerary coordinator; escalation "
     "to the bleep holder is not acted on.", "Fictional demo contact: ext. 0000", "demo.guardian"),
    ("FTSU-DEM0-0002", "ZZA", "provider", "email", 12, "anonymous", "assistants",
     ["behaviour"], False, "received",
     "Maternity support workers say they are spoken to dismissively at handover.", "", "demo.guardian"),
    ("FTSU-DEM0-0003", "ZZB", "lmns", "phone", 100, "anonymous", "medical",
     ["patient_safety"], True, "in_progress",
     "Concern that delays in theatre availability are not being reported as incidents, and that "
     "raising it locally led to being left off the rota.", "", "demo.ftsulead"),
    ("FTSU-DEM0-0004", None, "lmns", "online", 5, "anonymous", "not_known",
     ["bullying"], False, "received",
     "A team leader shouts at newly qualified midwives in front of families.", "", None),
]  # fmt: skip


# Three years: the SPC charts want two to draw process limits, and the perinatal return's
# outcome signal (workforce.perinatal.demo) runs over all three.
DEMO_MONTHS = 36


def demo_return_figures(ods_code: str, index: int, funded: int, in_post: Decimal, change: Decimal, rng):
    """One month's plausible figures: a steady process with noise, plus the story the demo
    tells on the SPC charts: ZZB's 1:1 care in labour falls away over the last seven months
    (special cause concern). Training figures come from ``demo_training_figures``."""
    women = funded + 80 + rng.randint(-12, 12)
    one_to_one_rate = 0.975 + rng.uniform(-0.012, 0.012)
    if ods_code == "ZZB" and index >= DEMO_MONTHS - 7:
        one_to_one_rate -= 0.035
    msw_funded = funded // 4
    return {
        "funded_midwife_wte": funded,
        "in_post_midwife_wte": in_post + change * index / 2 + Decimal(rng.randint(-15, 15)) / 10,
        "turnover_rate": Decimal(str(round(11 + rng.uniform(-1.5, 1.5), 1))),
        "funded_msw_wte": msw_funded,
        "in_post_msw_wte": Decimal(msw_funded) - 3 + Decimal(rng.randint(-10, 10)) / 10,
        "women_in_labour": women,
        "one_to_one_care": min(women, round(women * one_to_one_rate)),
        "coordinator_shifts": 62,
        "supernumerary_shifts": 62 - rng.randint(0, 5),
        "consultant_hours": Decimal(60 + rng.randint(-4, 4)),
        "preceptees": 4 + rng.randint(0, 3),
    }


# Headcounts by staff group for a unit with ``funded`` midwife WTE, and the usual share up to
# date. Obstetric doctors in training rotate every few months, so fewer of them are up to date:
# they are the group below 90% that the demo's ratings name.
DEMO_GROUPS = {
    "obstetric_consultants": (lambda funded: 14 + funded // 40, 0.95),
    "obstetric_doctors_in_training": (lambda funded: 20 + funded // 30, 0.86),
    "anaesthetists": (lambda funded: 18 + funded // 40, 0.93),
    "midwives": (lambda funded: funded + funded // 6, 0.94),
    "maternity_support_workers": (lambda funded: funded // 4 + 8, 0.93),
    "neonatal_staff": (lambda funded: 40 + funded // 5, 0.92),
}


def demo_training_figures(
    ods_code: str, index: int, funded: int, rng
) -> dict[tuple[str, str], tuple[int, int]]:
    """Each module's (in scope, up to date) by staff group code for one month: ZZA's fetal
    monitoring training for doctors in training climbs after a new programme in the last eight
    months, to above 90%."""
    figures = {}
    for code, (headcount, usual) in DEMO_GROUPS.items():
        for module in ("fetal_monitoring", "emergencies", "newborn_life_support"):
            in_scope = headcount(funded)
            rate = usual + rng.uniform(-0.02, 0.02)
            if code == "obstetric_doctors_in_training" and module == "fetal_monitoring" and ods_code == "ZZA":
                rate = 0.84 + (0.09 if index >= DEMO_MONTHS - 8 else 0) + rng.uniform(-0.02, 0.02)
            figures[module, code] = (in_scope, min(in_scope, round(in_scope * rate)))
    return figures


@transaction.atomic
def demo_seed(*, lmns: Lmns) -> None:
    users = {user.username: user for user in get_user_model().objects.filter(username__startswith="demo.")}
    providers = {provider.ods_code: provider for provider in lmns.providers.all()}
    this_month = first_of_month(timezone.localdate())
    now = timezone.now()
    groups = {group.code: group for group in StaffGroup.objects.filter(lmns__isnull=True, is_active=True)}
    for ods_code, (funded, in_post, change) in ESTABLISHMENTS.items():
        provider = providers.get(ods_code)
        if provider is None:
            continue
        # Seeded by provider, so the demo draws the same charts every time.
        rng = random.Random(ods_code)
        training_rng = random.Random(f"{ods_code} training")
        for index in range(DEMO_MONTHS):
            month = add_months(this_month, index - DEMO_MONTHS)
            figures = demo_return_figures(ods_code, index, funded, in_post, change, rng)
            # Returns are due on the 15th of the next month; one in four of ZZB's came in late.
            late = ods_code == "ZZB" and index % 4 == 3
            submitted_on = add_months(month, 1).replace(day=20 if late else 10)
            training = demo_training_figures(ods_code, index, funded, training_rng)
            workforce_return, created = WorkforceReturn.objects.get_or_create(
                provider=provider,
                month=month,
                defaults={
                    **figures,
                    "birthrate_plus_wte": funded + 6,
                    "birthrate_plus_on": this_month.replace(year=this_month.year - 1),
                    "retention_midwife": ods_code != "ZZE",
                    "submitted_by": users.get("demo.lead"),
                    "submitted_at": min(
                        now,
                        timezone.make_aware(
                            timezone.datetime.combine(submitted_on, timezone.datetime.min.time())
                        ),
                    ),
                },
            )
            if created:
                TrainingFigure.objects.bulk_create(
                    TrainingFigure(
                        workforce_return=workforce_return,
                        module=module,
                        staff_group=groups[code],
                        in_scope=in_scope,
                        compliant=compliant,
                    )
                    for (module, code), (in_scope, compliant) in training.items()
                    if code in groups and groups[code].needs(module)
                )
    today = timezone.localdate()
    for (reference, ods_code, received_by, route, days_ago, raised_as, group, categories, detriment,
         status, summary, contact, handler) in DEMO_CONCERNS:  # fmt: skip
        if FtsuConcern.objects.filter(reference=reference).exists():
            continue
        concern = FtsuConcern(
            reference=reference,
            lmns=lmns,
            provider=providers.get(ods_code),
            received_by=received_by,
            route=route,
            received_on=today - timedelta(days=days_ago),
            raised_as=raised_as,
            professional_group_id=group,
            detriment_reported=detriment,
            status=status,
            summary=summary,
            contact_encrypted=crypto.encrypt(contact) if contact else "",
            handler=users.get(handler) if handler else None,
            recorded_by=users.get(handler) if handler else None,
        )
        concern.save_with_categories(FtsuCategory.objects.filter(code__in=categories))
        if handler:
            FtsuNote.objects.create(
                concern=concern,
                created_by=users[handler],
                body="Demo note: agreed next steps with the person.",
            )
