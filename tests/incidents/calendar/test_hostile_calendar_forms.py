"""The calendar's forms on an event's own pages (changing it, adding a material, recording
attendance) and on a cohort's, posted hostile input as tests/test_hostile_forms.py posts the forms that create
records: never a server error, and a refused post leaves nothing behind."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lmns.forms import DateInput
from lmns.models import Role
from tests.incidents.calendar.factories import make_cohort, make_event
from tests.test_hostile_forms import VALUE, _row_counts

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url_name",
    [
        "incidents:calendar-event-edit",
        "incidents:calendar-material-add",
        "incidents:calendar-attendance",
        "incidents:calendar-cohort-edit",
    ],
)
def test_hostile_posts_on_an_events_pages_never_fail_or_half_save(client, world, url_name):
    officer = world.personas[f"lmns:{Role.LMNS_OFFICER}"]
    event = make_event(
        world.lmns_a, by=officer, providers=[world.a1, world.a2], day=timezone.localdate() - timedelta(days=1)
    )
    client.force_login(officer)
    record = make_cohort(world.lmns_a, [world.a1]) if "cohort" in url_name else event
    url = reverse(url_name, kwargs={"pk": record.pk})
    form = client.get(url).context["form"]
    fields = list(form.fields) + [
        f"{name}{suffix}"
        for name, field in form.fields.items()
        if isinstance(field.widget, DateInput)
        for suffix in field.widget.widgets_names
    ]
    posts = st.dictionaries(
        st.sampled_from(fields),
        st.one_of(VALUE, st.lists(VALUE, min_size=1, max_size=3)),
        max_size=len(fields),
    )

    @settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(data=posts)
    def post(data):
        before = _row_counts()
        response = client.post(url, data)
        assert response.status_code in {200, 302}, (response.status_code, data)
        if response.status_code != 302:
            assert _row_counts() == before, data

    post()
