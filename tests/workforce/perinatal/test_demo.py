import pytest
from django.core.management import call_command

from workforce.perinatal.models import OutcomeSignal, PerinatalReturn, SignalKind

pytestmark = pytest.mark.django_db


def test_the_demo_has_three_years_of_perinatal_returns_and_one_overdue_signal(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    call_command("seed_demo")
    # Seven birth sites: five obstetric or midwife-led units carrying most births, two small
    # midwife-led units beside them.
    assert PerinatalReturn.objects.count() == 7 * 36
    births = {}
    for perinatal in PerinatalReturn.objects.select_related("workforce_return__provider", "unit"):
        perinatal.full_clean()  # every demo figure passes the return's own checks
        key = perinatal.workforce_return_id
        births[key] = births.get(key, 0) + perinatal.total_births
        if perinatal.unit.ods_site_code in {"ZZA02", "ZZC02"}:
            assert perinatal.total_births < 500 / 12 * 1.15
    assert all(3000 / 12 * 0.85 < total < 6000 / 12 * 1.15 for total in births.values())
    # One site has an open, overdue check; chance signals elsewhere had theirs.
    (ours,) = OutcomeSignal.objects.filter(kind=SignalKind.LMNS, check_completed_on__isnull=True)
    assert ours.provider.ods_code == "ZZC" and ours.measure == "term_stillbirths"
    assert ours.unit.name == "Eastmoor Maternity Unit"
    assert ours.is_overdue
    assert OutcomeSignal.objects.exclude(pk=ours.pk).filter(check_completed_on__isnull=True).count() == 0
    (national,) = OutcomeSignal.objects.filter(kind=SignalKind.NATIONAL)
    assert national.is_complete and national.actions.count() == 2
    assert national.unit.ods_site_code == "ZZD01"
