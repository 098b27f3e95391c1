"""Monthly workforce returns: submitting, validation, implausible jumps, lateness and trends."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from lmns.months import add_months, first_of_month
from tests.factories import make_concern, make_workforce_return
from tests.workforce.perinatal.factories import PERINATAL_FORM
from workforce import selectors
from workforce.models import TrainingModule, WorkforceReturn
from workforce.training.reference import STAFF_GROUPS

pytestmark = pytest.mark.django_db

THIS_MONTH = first_of_month(timezone.localdate())
LAST_MONTH = add_months(THIS_MONTH, -1)


def training_grid(**cells):
    """The training grid's fields, every group 95 of 100 up to date unless ``cells`` gives
    ``{"<module>-<group code>": (in scope, up to date)}``."""
    data = {}
    for code, _name, *needs in STAFF_GROUPS:
        for module, needed in zip(TrainingModule.values, needs, strict=True):
            if needed:
                in_scope, compliant = cells.get(f"{module}-{code}", (100, 95))
                data[f"training-{module}-{code}-in_scope"] = str(in_scope)
                data[f"training-{module}-{code}-compliant"] = str(compliant)
    return data


def _form(world, month=LAST_MONTH, **overrides):
    data = {
        "provider": world.a1.pk,
        "month": month.isoformat(),
        "funded_midwife_wte": "200.00",
        "in_post_midwife_wte": "180.50",
        "birthrate_plus_wte": "210.00",
        "birthrate_plus_on": "2025-06-01",
        "turnover_rate": "12.5",
        "funded_msw_wte": "60",
        "in_post_msw_wte": "54",
        "women_in_labour": "300",
        "one_to_one_care": "291",
        "coordinator_shifts": "62",
        "supernumerary_shifts": "59",
        "consultant_hours": "60",
        "preceptees": "9",
        "retention_midwife": "on",
        **training_grid(),
        "notes": "",
        # One form: the perinatal figures are submitted with the workforce figures.
        **PERINATAL_FORM,
    }
    return {**data, **overrides}


def test_provider_lead_submits_a_return_and_sees_its_trends(client, world, alice):
    client.force_login(alice)
    response = client.post(reverse("workforce:return-create"), _form(world))
    assert response.url == reverse("workforce:provider", kwargs={"ods_code": "AA1"})
    submitted = WorkforceReturn.objects.get(provider=world.a1, month=LAST_MONTH)
    assert submitted.submitted_by == alice
    assert (submitted.vacancy_rate, submitted.one_to_one_rate) == (Decimal("9.8"), Decimal("97.0"))
    assert submitted.training_rate("fetal_monitoring") == Decimal("95.0")
    page = client.get(response.url).content.decode()
    assert f"Return for {LAST_MONTH:%B %Y} submitted." in page
    assert '<title id="chart-vacancy_rate-title">Midwifery vacancy rate,' in page
    # One month is too few for process limits: a run chart, and the page says why.
    assert "Fewer than 15 points: shown as a run chart" in page
    # The figures table, the charts' text alternative, gives the unit once in the row heading.
    assert "Midwifery vacancy rate (%)</th>" in page
    assert ">9.8</td>" in page


def test_two_years_of_returns_draw_process_limits_and_call_a_fall_in_care_a_concern(client, world, alice):
    """1:1 care in labour steady at about 98% for 17 months, then 90% for seven: Making Data
    Count calls the run below the mean special cause concern, because higher is better."""
    WorkforceReturn.objects.filter(provider=world.a1).delete()
    for offset in range(24):
        month = add_months(THIS_MONTH, offset - 23)
        one_to_one = 270 if offset >= 17 else 292 + offset % 3 * 2
        make_workforce_return(world.a1, month=month, one_to_one_care=one_to_one)
    client.force_login(alice)
    months, rows, _ = selectors.provider_trends(provider=world.a1)
    care = next(row for row in rows if row.measure.key == "one_to_one_rate")
    assert len(months) == 24 and not care.spc.is_run_chart
    assert care.spc.variation.value == "concern_low"
    page = client.get(reverse("workforce:provider", kwargs={"ods_code": "AA1"})).content.decode()
    assert care.spc.summary in page
    assert 'class="spc-point spc-point--concern"' in page


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"turnover_rate": "101"}, "turnover_rate", "Enter a percentage of 100 or less."),
        ({"in_post_midwife_wte": "-1"}, "in_post_midwife_wte", "WTE cannot be negative."),
        ({"one_to_one_care": "301"}, "one_to_one_care", "cannot be more than the number of women"),
        (
            {"training-emergencies-anaesthetists-compliant": "101"},
            "training-emergencies-anaesthetists-compliant",
            "Anaesthetists, maternity emergencies (PROMPT): the number up to date (101) cannot be more "
            "than the number who need the training (100)",
        ),
        ({"consultant_hours": "169"}, "consultant_hours", "A week has 168 hours"),
        ({"month": add_months(THIS_MONTH, 1)}, "month", "Select a valid choice"),
        ({"month": THIS_MONTH}, "month", "Select a valid choice"),
    ],
)
def test_bad_figures_are_refused_beside_the_field_and_nothing_is_saved(
    client, world, alice, overrides, field, message
):
    client.force_login(alice)
    response = client.post(reverse("workforce:return-create"), _form(world, **overrides))
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert "There is a problem" in response.content.decode()
    assert not WorkforceReturn.objects.filter(month=LAST_MONTH).exists()


def test_a_second_return_for_the_same_month_is_refused(client, world, alice):
    client.force_login(alice)
    client.post(reverse("workforce:return-create"), _form(world))
    response = client.post(reverse("workforce:return-create"), _form(world, turnover_rate="13"))
    assert response.status_code == 200
    assert f"Aardvark Hospitals NHS Trust has already submitted a return for {LAST_MONTH:%B %Y}" in (
        response.content.decode()
    )
    assert WorkforceReturn.objects.get(provider=world.a1, month=LAST_MONTH).turnover_rate == Decimal("12.5")


def test_an_implausible_jump_needs_confirming_and_the_confirmation_is_kept(client, world, alice):
    make_workforce_return(world.a1, month=add_months(LAST_MONTH, -1), in_post_midwife_wte=185)
    client.force_login(alice)
    # 185 to 120 WTE in a month: more than the 10% taken as plausible.
    response = client.post(reverse("workforce:return-create"), _form(world, in_post_midwife_wte="120"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Midwives in post: 185 WTE in" in body and "120 WTE now." in body
    assert "I have checked the figures flagged above" in body
    assert not WorkforceReturn.objects.filter(month=LAST_MONTH).exists()
    response = client.post(
        reverse("workforce:return-create"), _form(world, in_post_midwife_wte="120", confirm_changes="on")
    )
    assert response.status_code == 302
    submitted = WorkforceReturn.objects.get(provider=world.a1, month=LAST_MONTH)
    assert "Midwives in post: 185 WTE" in submitted.confirmed_changes


def test_late_returns_are_shown_as_late_and_missing_ones_as_overdue(client, world, alice):
    due_month = selectors.latest_due_month()
    late = make_workforce_return(world.a1, month=due_month)
    late.submitted_at = timezone.now()
    late.save()
    assert late.is_late == (timezone.localdate() > late.due_on)
    on_time = make_workforce_return(world.a1, month=add_months(due_month, -1))
    on_time.submitted_at = timezone.make_aware(
        timezone.datetime.combine(on_time.due_on - timedelta(days=2), timezone.datetime.min.time())
    )
    on_time.save()
    assert not on_time.is_late
    client.force_login(alice)
    body = client.get(reverse("workforce:index")).content.decode()
    assert "Submitted late" in body
    client.force_login(world.personas["lmns:lmns_officer"])
    body = client.get(reverse("workforce:index")).content.decode()
    assert "Overdue" in body  # A2 has not returned the month now due


@pytest.mark.parametrize("today", [date(2026, 12, 10), date(2026, 12, 16), date(2026, 12, 31)])
def test_the_overview_shows_the_last_three_months_that_have_ended(world, alice, today):
    months, _ = selectors.returns_overview(user=alice, today=today)
    assert months == [date(2026, 11, 1), date(2026, 10, 1), date(2026, 9, 1)]


def test_contributor_cannot_submit_or_correct(client, world, bob):
    client.force_login(bob)
    assert client.get(reverse("workforce:return-create")).status_code == 403
    workforce_return = world.record("workforce_return", world.a1)
    assert client.get(reverse("workforce:return-edit", kwargs={"pk": workforce_return.pk})).status_code == 403


def test_lead_corrects_a_return_and_its_month_stays(client, world, alice):
    # Not the world's return, which the factory made for this month, before the month ended.
    workforce_return = make_workforce_return(world.a1, month=LAST_MONTH)
    client.force_login(alice)
    url = reverse("workforce:return-edit", kwargs={"pk": workforce_return.pk})
    data = _form(world, provider=world.b1.pk, month=date(2020, 1, 1), preceptees="11")
    response = client.post(url, data)
    assert response.status_code == 302
    workforce_return.refresh_from_db()
    assert (workforce_return.preceptees, workforce_return.provider, workforce_return.month) == (
        11,
        world.a1,
        LAST_MONTH,
    )


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def _add_rows(world, offset):
    for provider in (world.a1, world.a2):
        make_workforce_return(provider, month=add_months(THIS_MONTH, -offset))
        for _ in range(3):
            make_concern(provider)


@pytest.mark.parametrize(
    ("persona", "name", "kwargs"),
    [
        ("lmns:lmns_officer", "workforce:index", {}),
        ("lmns:lmns_officer", "workforce:provider", {"ods_code": "AA1"}),
        ("lmns:lmns_officer", "workforce:ftsu", {}),
        ("lmns:lmns_ftsu_lead", "workforce:ftsu", {}),
        ("lmns:lmns_ftsu_lead", "workforce:ftsu-return", {}),
    ],
)
def test_pages_take_the_same_number_of_queries_however_many_rows(
    client, world, persona, name, kwargs, django_assert_max_num_queries
):
    client.force_login(world.personas[persona])
    url = reverse(name, kwargs=kwargs)
    _add_rows(world, 1)
    few = _queries(client, url)
    for offset in range(2, 12):
        _add_rows(world, offset)
    with django_assert_max_num_queries(few):
        client.get(url)
    assert few <= 16


def test_quarters_follow_the_nhs_financial_year():
    quarter = selectors.Quarter.of(date(2026, 2, 10))
    assert (quarter.year, quarter.number, quarter.start, quarter.end) == (
        2025,
        4,
        date(2026, 1, 1),
        date(2026, 4, 1),
    )
    assert quarter.label == "Q4 2025/26 (January to March 2026)"
    assert selectors.Quarter.of(date(2026, 4, 1)) == selectors.Quarter(2026, 1)
    assert quarter.previous() == selectors.Quarter(2025, 3)
    assert selectors.Quarter.parse("2026-Q2") == selectors.Quarter(2026, 2)
    assert selectors.Quarter.parse("2026-Q5") is None and selectors.Quarter.parse("junk") is None


def test_small_counts_are_suppressed_and_the_rest_rounded_to_the_nearest_five():
    shown = {0: "0", 1: "<5", 4: "<5", 5: "5", 6: "5", 7: "5", 8: "10", 12: "10", 13: "15", 100: "100"}
    assert {count: selectors.suppress(count) for count in shown} == shown


def test_a_return_for_this_month_is_refused_until_the_month_has_ended(world, alice):
    from django.core.exceptions import ValidationError

    from workforce import services
    from workforce.forms import WorkforceReturnForm

    month_values = [value for value, _label in WorkforceReturnForm(user=alice).fields["month"].choices]
    assert THIS_MONTH.isoformat() not in month_values and month_values[0] == LAST_MONTH.isoformat()
    fields = {
        name: value
        for name, value in _form(world).items()
        if name not in {"provider", "month", "retention_midwife", "birthrate_plus_wte", "birthrate_plus_on"}
        and not name.startswith("training-")
        and name not in PERINATAL_FORM
    }
    WorkforceReturn.objects.filter(provider=world.a2).delete()  # the world's, made by a factory
    with pytest.raises(ValidationError) as refused:
        services.workforce_return_submit(provider=world.a2, month=THIS_MONTH, by=alice, **fields)
    assert refused.value.message_dict["month"] == ["A return can be submitted once its month has ended."]
    assert not WorkforceReturn.objects.filter(provider=world.a2, month=THIS_MONTH).exists()
    # One submitted before the rule (the world's, made by a factory) may still be corrected.
    world.record("workforce_return", world.a1).full_clean()
