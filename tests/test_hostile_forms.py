"""Every form that creates a record, posted hostile input by hypothesis: never a server
error, and a post that is refused leaves nothing behind.

Field names come from each form itself, so a field added later is attacked too.
"""

import pytest
from django import forms
from django.apps import apps
from django.db import connection
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lmns.forms import DateInput, RecordsChoiceField
from lmns.models import Provider, Role
from tests.incidents.highlights.factories import highlight_record
from tests.incidents.improvement.factories import improvement_record

pytestmark = pytest.mark.django_db

# (URL name, who posts it): each creates a record of its own kind.
FORMS = [
    ("incidents:incident-create", f"provider:{Role.PROVIDER_LEAD}"),
    ("incidents:learning-create", f"provider:{Role.PROVIDER_LEAD}"),
    ("incidents:action-create", f"provider:{Role.PROVIDER_LEAD}"),
    ("incidents:meeting-create", f"lmns:{Role.LMNS_OFFICER}"),
    ("incidents:event-create", f"lmns:{Role.LMNS_OFFICER}"),
    ("incidents:calendar-event-create", f"lmns:{Role.LMNS_OFFICER}"),
    ("incidents:calendar-cohort-create", f"lmns:{Role.LMNS_OFFICER}"),
    ("incidents:improvement-create", f"provider:{Role.PROVIDER_LEAD}"),
    ("incidents:import-mapping-create", f"provider:{Role.PROVIDER_LEAD}"),
    ("assurance:visit-create", f"lmns:{Role.LMNS_OFFICER}"),
    ("assurance:concern-create", f"provider:{Role.PROVIDER_CONTRIBUTOR}"),
    ("assurance:sbl-start", f"provider:{Role.PROVIDER_LEAD}"),
    ("assurance:maturity-start", f"lmns:{Role.LMNS_OFFICER}"),
    ("workforce:return-create", f"provider:{Role.PROVIDER_LEAD}"),
    ("workforce:monthly-import-create", f"provider:{Role.PROVIDER_LEAD}"),
    ("workforce:monthly-import-mapping-create", f"lmns:{Role.LMNS_OFFICER}"),
    ("workforce:concern-create", f"provider:{Role.PROVIDER_FTSU_GUARDIAN}"),
    ("workforce:signal-create", f"provider:{Role.PROVIDER_LEAD}"),
    ("workforce:score-wave-create", f"provider:{Role.PROVIDER_CONTRIBUTOR}"),
    ("people:invite", f"lmns:{Role.SYSTEM_ADMINISTRATOR}"),
    ("work-email-settings", f"provider:{Role.PROVIDER_LEAD}"),
    ("incidents:improvement-highlight-schedule", f"lmns:{Role.LMNS_OFFICER}"),
]
# Forms on a record of provider A1: (URL name, who posts it, the record's URL parameters).
RECORD_FORMS = [
    (
        "incidents:improvement-close",
        f"provider:{Role.PROVIDER_LEAD}",
        lambda world: {"pk": improvement_record(world, "plan", world.a1).pk},
    ),
    (
        "incidents:improvement-highlight-create",
        f"provider:{Role.PROVIDER_LEAD}",
        lambda world: {"pk": improvement_record(world, "plan", world.a1).pk},
    ),
    (
        "incidents:improvement-highlight-edit",
        f"provider:{Role.PROVIDER_LEAD}",
        lambda world: {"pk": highlight_record(world, "draft", world.a1).pk},
    ),
    (
        "incidents:improvement-highlight-review",
        f"lmns:{Role.LMNS_OFFICER}",
        lambda world: {"pk": highlight_record(world, "submitted", world.a1).pk},
    ),
]

NASTY = st.sampled_from(
    [
        "",
        " ",
        "0",
        "-1",
        "9" * 40,
        "1e309",
        "NaN",
        "Infinity",
        "2026-02-30",
        "0001-01-01",
        "9999-12-31",
        "31/12/2026",
        "\x00",
        "a\x00b",
        "<script>alert(1)</script>",
        '=HYPERLINK("http://example.invalid")',
        "'; DROP TABLE incidents_incident; --",
        "\u202eevil",
        "x" * 100_000,
    ]
)
VALUE = st.one_of(NASTY, st.text(max_size=200), st.integers().map(str))


def _row_counts() -> dict[str, int]:
    """Rows in every table of our apps, history included: every row, whatever a default
    manager would leave out. One statement, as it runs twice for each of thousands of posts."""
    tables = [
        model._meta.db_table
        for app in ("lmns", "incidents", "assurance", "workforce", "api")
        for model in apps.get_app_config(app).get_models()
        if model._meta.managed and not model._meta.proxy
    ]
    quote = connection.ops.quote_name
    counts = ", ".join(f"(SELECT COUNT(*) FROM {quote(table)})" for table in tables)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {counts}")
        return dict(zip(tables, cursor.fetchone(), strict=True))


@pytest.mark.parametrize(("url_name", "persona"), FORMS)
def test_hostile_posts_never_fail_or_half_save(client, world, url_name, persona):
    _attack(client, world, reverse(url_name), persona)


@pytest.mark.parametrize(("url_name", "persona", "kwargs"), RECORD_FORMS)
def test_hostile_posts_to_a_records_form_never_fail_or_half_save(client, world, url_name, persona, kwargs):
    _attack(client, world, reverse(url_name, kwargs=kwargs(world)), persona)


def _attack(client, world, url, persona):
    client.force_login(world.personas[persona])
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["form"]
    fields = list(form.fields)
    # A date is posted as its own value or as its day, month and year boxes: both are attacked.
    fields += [
        f"{name}{suffix}"
        for name, field in form.fields.items()
        if isinstance(field.widget, DateInput)
        for suffix in field.widget.widgets_names
    ]

    one_or_many = st.one_of(VALUE, st.lists(VALUE, min_size=1, max_size=3))
    posts = st.dictionaries(st.sampled_from(fields), one_or_many, max_size=len(fields))

    @settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(data=posts)
    def post(data):
        before = _row_counts()
        response = client.post(url, data)
        assert response.status_code in {200, 302}, (response.status_code, data)
        if response.status_code != 302:
            assert _row_counts() == before, data

    post()


@pytest.mark.parametrize("value", ["¹", "٣", "99999999999999999999"])
def test_an_id_that_is_not_a_plain_number_is_an_invalid_choice(db, value):
    # Found by the walk above with seed 610172217: "¹".isdigit() is true, but int() cannot read it.
    field = RecordsChoiceField(queryset=Provider.objects.all())
    with pytest.raises(forms.ValidationError):
        field.clean([value])
