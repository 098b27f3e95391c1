import pytest
from django.core.management import call_command

from workforce.perinatal.models import OutcomeSignal, PerinatalReturn, SignalKind

pytestmark = pytest.mark.django_db


def test_the_demo_has_three_years_of_perinatal_returns_and_one_overdue_signal(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    call_command("seed_demo")
    assert PerinatalReturn.objects.count() == 5 * 36
    for perinatal in PerinatalReturn.objects.select_related("workforce_return__provider"):
        perinatal.full_clean()  # every demo figure passes the return's own checks
        assert 3000 / 12 * 0.85 < perinatal.total_births < 6000 / 12 * 1.15
    # One site has an open, overdue check; chance signals elsewhere had theirs.
    (ours,) = OutcomeSignal.objects.filter(kind=SignalKind.LMNS, check_completed_on__isnull=True)
    assert ours.provider.ods_code == "ZZC" and ours.measure == "term_stillbirths"
    assert ours.is_overdue
    assert OutcomeSignal.objects.exclude(pk=ours.pk).filter(check_completed_on__isnull=True).count() == 0
    (national,) = OutcomeSignal.objects.filter(kind=SignalKind.NATIONAL)
    assert national.is_complete and national.actions.count() == 2
