"""A SCORE wave's own forms, posted hostile input by hypothesis: never a server error, and a
refused post leaves nothing behind (as tests/test_hostile_forms.py does for forms without a record)."""

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lmns.forms import DateInput
from tests.test_hostile_forms import VALUE, _row_counts
from tests.workforce.score.factories import make_debrief, make_setting, make_wave

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "form", ["wave-edit", "results-import", "mapping-upload", "debrief-create", "action-add"]
)
def test_hostile_posts_to_a_waves_forms_never_fail_or_half_save(client, world, alice, form):
    wave = make_wave(world.a1)
    debrief = make_debrief(wave, make_setting(wave, responses=20))
    client.force_login(alice)
    url = reverse(f"workforce:score-{form}", args=[debrief.pk if form == "action-add" else wave.pk])
    fields = list(client.get(url).context["form"].fields.items())
    names = [name for name, _f in fields] + [
        f"{name}{suffix}"
        for name, field in fields
        if isinstance(field.widget, DateInput)
        for suffix in field.widget.widgets_names
    ]

    @settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(
        data=st.dictionaries(
            st.sampled_from(names), st.one_of(VALUE, st.lists(VALUE, min_size=1, max_size=3))
        )
    )
    def post(data):
        before = _row_counts()
        response = client.post(url, data)
        assert response.status_code in {200, 302}, (response.status_code, data)
        if response.status_code != 302:
            assert _row_counts() == before, data

    post()
