from tests.factories import make_workforce_return
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
# The same, as the monthly return's form posts them.
PERINATAL_FORM = {f"perinatal-{name}": str(value) for name, value in PERINATAL_FIGURES.items()}


def make_perinatal_return(provider, *, month, workforce_return=None, **fields) -> PerinatalReturn:
    """A month's perinatal figures, with the workforce return they belong to."""
    workforce_return = workforce_return or make_workforce_return(provider, month=month)
    return PerinatalReturn.objects.create(
        workforce_return=workforce_return, **{**PERINATAL_FIGURES, **fields}
    )
