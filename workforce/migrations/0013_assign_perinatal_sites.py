"""Each perinatal return and outcome signal so far was a provider's: each is given to the
provider's first birth site (an obstetric unit before an alongside, then a freestanding,
midwife-led unit, then by name, as lmns.models.birth_site_ordering lists them), or, for a
provider with none, to a site made for it ("<provider> births"), so that no figures are lost.
The LMNS renames or re-types that site on the unit's edit page (Providers -> the provider ->
the site).

Reversed, the figures go back to being the provider's by dropping the site (0012); that can
only be done while no month has more than one site's figures and no two LMNS outcome signals
share a provider, measure and month, which 0014's reversal checks first."""

from django.db import migrations
from django.db.models import Case, When

# lmns.models.BIRTH_SITE_ORDER as it stands now: a migration does not import the live model.
BIRTH_SITE_ORDER = ["obstetric_unit", "alongside_mlu", "freestanding_mlu"]


def _free_site_code(Unit, provider_code: str) -> str:
    """The provider's code followed by digits, as ODS site codes are, within five characters;
    a code too long for that takes letters and digits of its own."""
    taken = set(Unit.objects.values_list("ods_site_code", flat=True))
    stem = provider_code[:3]
    width = 5 - len(stem)
    for number in range(1, 10**width):
        code = f"{stem}{number:0{width}d}"
        if code not in taken:
            return code
    raise RuntimeError(f"No free ODS site code starts {stem}.")


def _birth_site(Unit, provider, made: dict):
    if provider.pk not in made:
        # The obstetric unit, where most of the provider's babies were born, before a birth
        # centre whose name happens to sort first.
        rank = Case(*(When(unit_type=kind, then=i) for i, kind in enumerate(BIRTH_SITE_ORDER)))
        site = (
            Unit.objects.filter(provider=provider, unit_type__in=BIRTH_SITE_ORDER)
            .order_by(rank, "name")
            .first()
        )
        if site is None:
            site = Unit.objects.create(
                provider=provider,
                name=f"{provider.name} births"[:200],
                ods_site_code=_free_site_code(Unit, provider.ods_code),
                unit_type="obstetric_unit",
            )
        made[provider.pk] = site
    return made[provider.pk]


def assign_sites(apps, schema_editor):
    Unit = apps.get_model("lmns", "Unit")
    PerinatalReturn = apps.get_model("workforce", "PerinatalReturn")
    OutcomeSignal = apps.get_model("workforce", "OutcomeSignal")
    made = {}
    for perinatal in PerinatalReturn.objects.filter(unit__isnull=True).select_related(
        "workforce_return__provider"
    ):
        perinatal.unit = _birth_site(Unit, perinatal.workforce_return.provider, made)
        perinatal.save(update_fields=["unit"])
    for signal in OutcomeSignal.objects.filter(unit__isnull=True).select_related("provider"):
        signal.unit = _birth_site(Unit, signal.provider, made)
        signal.save(update_fields=["unit"])


class Migration(migrations.Migration):
    dependencies = [("workforce", "0012_perinatal_sites"), ("lmns", "0013_work_kinds_for_speaking_up")]

    operations = [migrations.RunPython(assign_sites, migrations.RunPython.noop)]
