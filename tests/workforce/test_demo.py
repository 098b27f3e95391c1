import pytest
from django.core.management import call_command

from lmns.models import Provider
from workforce import selectors
from workforce.models import FtsuConcern, WorkforceReturn

pytestmark = pytest.mark.django_db


def test_seed_demo_adds_three_years_of_returns_and_some_concerns_once(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    counts = (WorkforceReturn.objects.count(), FtsuConcern.objects.count())
    call_command("seed_demo")
    assert counts == (WorkforceReturn.objects.count(), FtsuConcern.objects.count()) == (5 * 36, 4)
    assert FtsuConcern.objects.filter(raised_as="anonymous", contact_encrypted="").count() == 3
    assert FtsuConcern.objects.filter(raised_as="confidential").exclude(contact_encrypted="").count() == 1
    for workforce_return in WorkforceReturn.objects.all():
        workforce_return.full_clean()  # every demo figure passes the return's own validation
    # The demo's story shows on the charts: Vale's 1:1 care in labour has fallen away.
    _months, rows, _returns = selectors.provider_trends(provider=Provider.objects.get(ods_code="ZZB"))
    care = next(row for row in rows if row.measure.key == "one_to_one_rate")
    assert care.spc.variation.value == "concern_low"
