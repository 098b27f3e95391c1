from lmns.models import Unit, UnitType
from tests.factories import make_unit, make_workforce_return
from workforce.perinatal.models import PerinatalReturn

# A plausible month at a unit of about 4,500 births a year.
PERINATAL_FIGURES = {
    "live_births": 372,
    "stillbirths": 1,
    "term_births": 345,
    "term_stillbirths": 0,
    "neonatal_deaths": 1,
    "term_neonatal_deaths": 0,
    "late_fetal_losses": 1,
    "pmrt_reviews": 2,
    "hie_cooled": 1,
    "term_nnu_admissions": 18,
    "pph_1500": 11,
    "third_fourth_degree_tears": 9,
    "obstetric_rota_gaps": 3,
    "midwifery_shifts_planned": 1240,
    "midwifery_shifts_filled": 1178,
    "complaints": 4,
    "compliments": 21,
    "fft_responses": 160,
    "fft_positive": 150,
}
# A month at a birth centre of about 360 births a year.
CENTRE_FIGURES = {
    **PERINATAL_FIGURES,
    "live_births": 30,
    "stillbirths": 0,
    "term_births": 28,
    "term_stillbirths": 0,
    "neonatal_deaths": 0,
    "term_neonatal_deaths": 0,
    "late_fetal_losses": 0,
    "pmrt_reviews": 0,
    "hie_cooled": 0,
    "term_nnu_admissions": 1,
    "pph_1500": 1,
    "third_fourth_degree_tears": 1,
    "midwifery_shifts_planned": 40,
    "midwifery_shifts_filled": 38,
    "fft_responses": 20,
    "fft_positive": 19,
}


# The world's providers each have one birth site, the provider's code and "01".
WORLD_SITE = "AA101"


def site_form(site_code: str = WORLD_SITE, **overrides) -> dict:
    """A site's figures as the monthly return's form posts them, with ``overrides`` by field name."""
    figures = {**PERINATAL_FIGURES, **overrides}
    return {f"perinatal-{site_code}-{name}": str(value) for name, value in figures.items()}


# The world's provider A1's one site, as the form posts it.
PERINATAL_FORM = site_form()


def birth_site(provider) -> Unit:
    """The provider's first birth site, made if it has none."""
    site = Unit.objects.filter(provider=provider).birth_sites().first()
    return site or make_unit(provider)


def make_birth_site(provider, name: str, unit_type=UnitType.ALONGSIDE_MLU) -> Unit:
    unit = make_unit(provider, name)
    unit.unit_type = unit_type
    unit.save()
    return unit


def make_perinatal_return(provider, *, month, workforce_return=None, unit=None, **fields) -> PerinatalReturn:
    """A month's perinatal figures at ``unit`` (by default the provider's first birth site), with
    the workforce return they belong to."""
    workforce_return = workforce_return or make_workforce_return(provider, month=month)
    return PerinatalReturn.objects.create(
        workforce_return=workforce_return,
        unit=unit or birth_site(provider),
        **{**PERINATAL_FIGURES, **fields},
    )


def signal_record(world, kind: str, provider):
    """For the access matrix: a national signal of ``provider`` with one action, made on first
    use so that tests/conftest.py's World needs no change."""
    from django.utils import timezone

    from workforce.perinatal import services

    records = world.records.setdefault(("perinatal", provider.pk), {})
    if not records:
        signal = services.national_signal_record(
            provider=provider,
            unit=birth_site(provider),
            by=None,
            measure="term_stillbirths",
            level="amber",
            month=timezone.localdate().replace(day=1),
            raised_on=timezone.localdate(),
        )
        records.update(
            signal=signal,
            action=services.safety_check_action_add(
                signal=signal,
                by=None,
                description="Review triage",
                owner="Triage lead",
                due_on=timezone.localdate(),
            ),
        )
    return records[kind]
