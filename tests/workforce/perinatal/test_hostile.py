"""The perinatal half of the monthly return, posted hostile input beside good workforce figures:
never a server error, and a refused post saves neither half."""

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.test_hostile_forms import VALUE, _row_counts
from tests.workforce.test_returns import _form
from workforce.models import WorkforceReturn

pytestmark = pytest.mark.django_db


def test_hostile_perinatal_figures_never_fail_or_half_save(client, world, alice):
    client.force_login(alice)
    url = reverse("workforce:return-create")
    names = [name for name in _form(world) if name.startswith("perinatal-")]
    WorkforceReturn.objects.filter(provider=world.a1).delete()

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(data=st.dictionaries(st.sampled_from(names), VALUE, min_size=1, max_size=len(names)))
    def post(data):
        before = _row_counts()
        response = client.post(url, {**_form(world), **data})
        assert response.status_code in {200, 302}, (response.status_code, data)
        if response.status_code == 302:
            WorkforceReturn.objects.filter(provider=world.a1).delete()
        else:
            assert _row_counts() == before, data

    post()
