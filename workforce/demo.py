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
from workforce import crypto
from workforce.models import FtsuCategory, FtsuConcern, FtsuNote, WorkforceReturn, add_months, first_of_month

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


DEMO_MONTHS = 24  # two years: enough for SPC charts to draw process limits


def _return_figures(ods_code: str, index: int, funded: int, in_post: Decimal, change: Decimal, rng):
    """One month's plausible figures: a steady process with noise, plus the stories the demo
    tells on the SPC charts: ZZB's 1:1 care in labour falls away over the last seven months
    (special cause concern), and ZZA's fetal monitoring training climbs after a new programme."""
    women = funded + 80 + rng.randint(-12, 12)
    one_to_one_rate = 0.975 + rng.uniform(-0.012, 0.012)
    if ods_code == "ZZB" and index >= DEMO_MONTHS - 7:
        one_to_one_rate -= 0.035
    fetal_rate = 0.86 + rng.uniform(-0.02, 0.02)
    if ods_code == "ZZA" and index >= DEMO_MONTHS - 8:
        fetal_rate += 0.07
    in_scope = {"fetal": funded + 40, "emergencies": funded + 60, "nls": funded + 50}
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
        "fetal_monitoring_in_scope": in_scope["fetal"],
        "fetal_monitoring_compliant": min(in_scope["fetal"], int(in_scope["fetal"] * fetal_rate)),
        "emergencies_in_scope": in_scope["emergencies"],
        "emergencies_compliant": int(in_scope["emergencies"] * (0.91 + rng.uniform(-0.02, 0.02))),
        "newborn_life_support_in_scope": in_scope["nls"],
        "newborn_life_support_compliant": int(in_scope["nls"] * (0.88 + rng.uniform(-0.03, 0.03))),
    }


@transaction.atomic
def demo_seed(*, lmns: Lmns) -> None:
    users = {user.username: user for user in get_user_model().objects.filter(username__startswith="demo.")}
    providers = {provider.ods_code: provider for provider in lmns.providers.all()}
    this_month = first_of_month(timezone.localdate())
    now = timezone.now()
    for ods_code, (funded, in_post, change) in ESTABLISHMENTS.items():
        provider = providers.get(ods_code)
        if provider is None:
            continue
        # Seeded by provider, so the demo draws the same charts every time.
        rng = random.Random(ods_code)
        for index in range(DEMO_MONTHS):
            month = add_months(this_month, index - DEMO_MONTHS)
            figures = _return_figures(ods_code, index, funded, in_post, change, rng)
            # Returns are due on the 15th of the next month; one in four of ZZB's came in late.
            late = ods_code == "ZZB" and index % 4 == 3
            submitted_on = add_months(month, 1).replace(day=20 if late else 10)
            WorkforceReturn.objects.get_or_create(
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
