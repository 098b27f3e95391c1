from datetime import date, timedelta

import pytest
from django.utils import timezone

from incidents.improvement.models import ImprovementPlan
from lmns.models import Role
from tests.factories import make_lmns, make_provider, make_user
from tests.incidents.improvement.factories import add_values, make_measure, make_plan


@pytest.fixture
def lmns():
    return make_lmns("Otter LMNS")


@pytest.fixture
def provider(lmns):
    return make_provider(lmns, "Otter Bay NHS Trust", "OB1")


@pytest.fixture
def lead(provider):
    return make_user("lead", role=Role.PROVIDER_LEAD, provider=provider)


@pytest.fixture
def contributor(provider):
    return make_user("contributor", role=Role.PROVIDER_CONTRIBUTOR, provider=provider)


@pytest.fixture
def officer(lmns):
    return make_user("officer", role=Role.LMNS_OFFICER, lmns=lmns)


@pytest.fixture
def plan(provider):
    """A plan started in January 2026, with six months of a measure."""
    plan = make_plan(provider)
    ImprovementPlan.objects.filter(pk=plan.pk).update(
        created_at=timezone.make_aware(timezone.datetime(2026, 1, 5)) - timedelta(hours=1)
    )
    plan.refresh_from_db()
    measure = make_measure(plan)
    add_values(measure, {date(2026, month, 1): 70 + 4 * month for month in range(1, 7)})
    return plan
