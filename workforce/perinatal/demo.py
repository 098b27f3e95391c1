"""Fictional perinatal figures for the demonstration LMNS: three years of monthly returns for
each birth site, 3,000 to 6,000 births a provider a year (most at its obstetric unit, a few
hundred at a midwife-led unit), with rates near national levels.

The story: Eastmoor Maternity Unit (ZZC01) has a cluster of term stillbirths two and three
months ago, so the LMNS outcome signal fires at that site when the return comes in, and its
critical safety check, due eight working days later, is overdue. The chance clusters that a
CUSUM also signals over three years of seven sites (as it would in life) have completed checks,
and ZZD received a national MOSS signal for its maternity centre last year and completed its
check, with actions. Running it again changes nothing.
"""

import math
import random
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from lmns.models import Lmns, Unit
from lmns.months import add_months, first_of_month
from workforce.models import WorkforceReturn
from workforce.perinatal import services
from workforce.perinatal.models import OutcomeSignal, PerinatalReturn, SignalKind

# Births a year, by ODS site code (lmns.demo's birth sites). Southfield's only site is a
# freestanding midwife-led unit: it carries the provider's 3,000, more than such a unit would.
BIRTHS_A_YEAR = {
    "ZZA01": 5000,
    "ZZA02": 400,
    "ZZB01": 4300,
    "ZZC01": 3000,
    "ZZC02": 300,
    "ZZD01": 6000,
    "ZZE01": 3000,
}
SIGNAL_SITE = "ZZC01"
CLUSTER_MONTHS_AGO = (3, 2)  # term stillbirths in each of these months
CLUSTER_DEATHS = 3
# Per birth (or per live birth, term birth, response), near national levels; term deaths a
# little below the outcome signal's reference rate, so that only the story's cluster signals.
RATES = {
    "stillbirth": 0.0033,
    "term_stillbirth": 0.0009,
    "neonatal_death": 0.0015,
    "term_neonatal_death": 0.0004,
    "late_fetal_loss": 0.0015,
    "hie": 0.0015,
    "term_nnu": 0.05,
    "pph": 0.03,
    "tears": 0.03,
}


def _poisson(rng: random.Random, mean: float) -> int:
    """Knuth's method: fine for the small means of a month's events."""
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def month_figures(rng: random.Random, births_a_year: int, month_index: int, cluster: bool) -> dict:
    """One month's perinatal figures at a unit of ``births_a_year``; ``month_index`` is the
    calendar month (1 to 12), ``cluster`` gives it the story's cluster of term stillbirths.
    bench.perinatal_signals draws a region's returns with it."""
    # A little more in summer and autumn, as in England's births by month.
    season = 1 + 0.04 * math.sin((month_index % 12 - 3) / 12 * 2 * math.pi)
    births = round(births_a_year / 12 * season * rng.uniform(0.97, 1.03))
    term_births = round(births * rng.uniform(0.91, 0.93))
    term_stillbirths = CLUSTER_DEATHS if cluster else _poisson(rng, term_births * RATES["term_stillbirth"])
    stillbirths = term_stillbirths + _poisson(rng, births * (RATES["stillbirth"] - RATES["term_stillbirth"]))
    live_births = births - stillbirths
    term_live = term_births - term_stillbirths
    term_nnd = _poisson(rng, term_live * RATES["term_neonatal_death"])
    nnd = term_nnd + _poisson(rng, live_births * (RATES["neonatal_death"] - RATES["term_neonatal_death"]))
    planned = round(births * 0.34)  # midwifery shifts: about a third of a shift a birth
    responses = round(births * rng.uniform(0.3, 0.4))
    return {
        "live_births": live_births,
        "stillbirths": stillbirths,
        "term_births": term_births,
        "term_stillbirths": term_stillbirths,
        "neonatal_deaths": nnd,
        "term_neonatal_deaths": term_nnd,
        "late_fetal_losses": _poisson(rng, births * RATES["late_fetal_loss"]),
        "pmrt_reviews": stillbirths + nnd,
        "hie_cooled": _poisson(rng, live_births * RATES["hie"]),
        "term_nnu_admissions": _poisson(rng, term_live * RATES["term_nnu"]),
        "pph_1500": _poisson(rng, births * RATES["pph"]),
        "third_fourth_degree_tears": _poisson(rng, births * RATES["tears"]),
        "obstetric_rota_gaps": _poisson(rng, 3),
        "midwifery_shifts_planned": planned,
        "midwifery_shifts_filled": round(planned * rng.uniform(0.88, 0.97)),
        "complaints": _poisson(rng, 4),
        "compliments": _poisson(rng, 20),
        "fft_responses": responses,
        "fft_positive": round(responses * rng.uniform(0.9, 0.96)),
    }


@transaction.atomic
def demo_seed(*, lmns: Lmns) -> None:
    """After workforce.demo: each of its returns gains each birth site's figures, in month order,
    and the outcome signal runs as each would have come in."""
    lead = get_user_model().objects.filter(username="demo.lead").first()
    this_month = first_of_month(timezone.localdate())
    cluster = {add_months(this_month, -ago) for ago in CLUSTER_MONTHS_AGO}
    sites = Unit.objects.filter(provider__lmns=lmns, ods_site_code__in=BIRTHS_A_YEAR).order_by(
        "ods_site_code"
    )
    for provider in lmns.providers.filter(units__in=sites).distinct().order_by("ods_code"):
        own = [site for site in sites if site.provider_id == provider.pk]
        draws = {site.pk: random.Random(f"perinatal-{site.ods_site_code}") for site in own}
        returns = WorkforceReturn.objects.filter(provider=provider, perinatal_sites__isnull=True).order_by(
            "month"
        )
        for workforce_return in returns:
            for site in own:
                in_cluster = site.ods_site_code == SIGNAL_SITE and workforce_return.month in cluster
                PerinatalReturn.objects.create(
                    workforce_return=workforce_return,
                    unit=site,
                    **month_figures(
                        draws[site.pk],
                        BIRTHS_A_YEAR[site.ods_site_code],
                        workforce_return.month.month,
                        in_cluster,
                    ),
                )
            services.outcome_signals_detect(
                provider=provider, by=lead, today=timezone.localdate(workforce_return.submitted_at)
            )
    _complete_earlier_checks(lmns, cluster)
    _national_signal(lmns, lead)


def _complete_earlier_checks(lmns: Lmns, cluster: set) -> None:
    """Every signal but the story's has had its check, on time."""
    earlier = OutcomeSignal.objects.filter(
        provider__lmns=lmns, kind=SignalKind.LMNS, check_completed_on__isnull=True
    ).exclude(unit__ods_site_code=SIGNAL_SITE, month__in=cluster)
    for signal in earlier:
        signal.findings = (
            "Demo: each death reviewed with PMRT; no common factor in care, staffing or escalation found. "
            "The LMNS quality group agreed no further action."
        )
        signal.check_completed_on = signal.raised_on + timedelta(days=6)
        signal.shared_with_lmns_at = timezone.now()
        signal.save()


def _national_signal(lmns: Lmns, lead) -> None:
    provider = lmns.providers.filter(ods_code="ZZD").first()
    month = add_months(first_of_month(timezone.localdate()), -14)
    if provider is None or OutcomeSignal.objects.filter(provider=provider, kind=SignalKind.NATIONAL).exists():
        return
    raised_on = add_months(month, 2).replace(day=3)
    signal = services.national_signal_record(
        provider=provider,
        unit=provider.units.birth_sites().first(),
        by=lead,
        measure="term_neonatal_deaths",
        level="amber",
        month=month,
        raised_on=raised_on,
        notes="Demo: received from NHS England's Maternity Outcomes Signal System.",
    )
    for description, owner, days in [
        ("Audit escalation of fetal heart rate concerns on the labour ward", "Fetal monitoring lead", 30),
        ("Review neonatal transfer times with the network", "Neonatal unit manager", 60),
    ]:
        action = services.safety_check_action_add(
            signal=signal,
            by=lead,
            description=description,
            owner=owner,
            due_on=raised_on + timedelta(days=days),
        )
        action.completed_on = raised_on + timedelta(days=days - 5)
        action.save()
    signal.findings = (
        "Demo: no single cause; escalation on two night shifts was delayed. Two actions agreed; "
        "the LMNS quality group reviewed the check."
    )
    signal.check_completed_on = raised_on + timedelta(days=9)
    signal.shared_with_lmns_at = timezone.now()
    signal.save()
