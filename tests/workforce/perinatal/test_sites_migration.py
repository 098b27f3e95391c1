"""Undoing per-site perinatal figures (workforce 0012-0014) makes them the provider's again,
which a month with two sites' figures, or two sites' LMNS signals for one measure and month,
cannot become: the reversal refuses before it undoes anything, and says why."""

import pytest
from django.db.migrations.exceptions import IrreversibleError

from tests.workforce.perinatal.factories import PERINATAL_FIGURES

PER_SITE = [("workforce", "0014_perinatal_sites_required")]
PER_PROVIDER = [("workforce", "0011_score_culture_survey")]


def _workforce_return(apps, provider):
    return apps.get_model("workforce", "WorkforceReturn").objects.create(
        provider=provider,
        month="2025-05-01",
        funded_midwife_wte=200,
        in_post_midwife_wte=185,
        turnover_rate="11.5",
        funded_msw_wte=60,
        in_post_msw_wte=55,
        women_in_labour=300,
        one_to_one_care=294,
        coordinator_shifts=62,
        supernumerary_shifts=60,
        consultant_hours="60.0",
        preceptees=8,
    )


def _signal(apps, provider, unit):
    return apps.get_model("workforce", "OutcomeSignal").objects.create(
        provider=provider,
        unit=unit,
        kind="lmns",
        measure="term_stillbirths",
        level="amber",
        month="2025-05-01",
        raised_on="2025-06-02",
        check_due_on="2025-06-12",
    )


def test_reversing_per_site_figures_refuses_while_two_sites_would_merge(migrator):
    apps = migrator.reach(PER_SITE)
    lmns = apps.get_model("lmns", "Lmns").objects.create(name="Migrated LMNS", code="migrated")
    provider = apps.get_model("lmns", "Provider").objects.create(lmns=lmns, name="Old Trust", ods_code="OLD")
    Unit = apps.get_model("lmns", "Unit")
    maternity = Unit.objects.create(
        provider=provider, name="Old Maternity", ods_site_code="OLD01", unit_type="obstetric_unit"
    )
    centre = Unit.objects.create(
        provider=provider, name="Old Birth Centre", ods_site_code="OLD02", unit_type="alongside_mlu"
    )
    workforce_return = _workforce_return(apps, provider)
    PerinatalReturn = apps.get_model("workforce", "PerinatalReturn")
    PerinatalReturn.objects.create(workforce_return=workforce_return, unit=maternity, **PERINATAL_FIGURES)
    at_centre = PerinatalReturn.objects.create(
        workforce_return=workforce_return, unit=centre, **PERINATAL_FIGURES
    )
    with pytest.raises(IrreversibleError, match=r"1 monthly return\(s\) have more than one birth site"):
        migrator.migrate(PER_PROVIDER)
    assert PerinatalReturn.objects.filter(workforce_return=workforce_return).count() == 2

    at_centre.delete()
    _signal(apps, provider, maternity)
    at_centre_signal = _signal(apps, provider, centre)
    with pytest.raises(
        IrreversibleError, match=r"1 LMNS outcome signal\(s\) share a provider, measure and month"
    ):
        migrator.migrate(PER_PROVIDER)

    # With one site a month, it reverses, keeping the figures as the provider's.
    at_centre_signal.delete()
    old = migrator.migrate(PER_PROVIDER)
    assert (
        old.get_model("workforce", "PerinatalReturn").objects.get().workforce_return_id == workforce_return.pk
    )
