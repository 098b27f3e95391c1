"""Theme analysis: counts by theme, provider and month, the period form, and the SVG chart."""

import re
from datetime import date, datetime
from xml.etree import ElementTree

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from incidents import charts, selectors
from incidents.models import Learning, LearningStatus, Theme
from incidents.views import reports
from lmns.models import Role
from tests.factories import make_learning, make_user

pytestmark = pytest.mark.django_db

PERIOD = {"start": "2026-01-01", "end": "2026-03-31"}
SVG = "{http://www.w3.org/2000/svg}"


def _theme(name):
    return Theme.objects.get(name=name)


def _learning(provider, when: date, themes, status=LearningStatus.SIGNED_OFF):
    learning = make_learning(provider, status=status, themes=[_theme(name) for name in themes])
    # Midday, so the local date is the same whatever the time zone offset.
    noon = timezone.make_aware(datetime(when.year, when.month, when.day, 12))
    Learning.objects.filter(pk=learning.pk).update(created_at=noon)
    return learning


@pytest.fixture
def learning(world):
    _learning(world.a1, date(2026, 1, 10), ["Fetal monitoring"])
    _learning(
        world.a1, date(2026, 2, 10), ["Fetal monitoring", "Documentation"], status=LearningStatus.SHARED
    )
    _learning(world.a2, date(2026, 2, 20), ["Fetal monitoring"], status=LearningStatus.SUBMITTED)
    _learning(world.a2, date(2026, 3, 31), ["Documentation"])
    # Not counted: a draft, learning outside the period, and another LMNS's learning.
    _learning(
        world.a1, date(2026, 1, 11), ["Fetal monitoring", "Medication safety"], status=LearningStatus.DRAFT
    )
    _learning(world.a1, date(2025, 12, 31), ["Fetal monitoring"])
    _learning(world.a2, date(2026, 4, 1), ["Fetal monitoring"])
    _learning(world.b1, date(2026, 1, 10), ["Bereavement care"], status=LearningStatus.SHARED)


def _officer(world):
    return world.personas[f"lmns:{Role.LMNS_OFFICER}"]


def _page(user, status=200, **params):
    request = RequestFactory().get("/incidents/themes/", params)
    request.user = user
    response = reports.theme_analysis(request)
    assert response.status_code == status
    return response.content.decode()


def _table(user):
    analysis = selectors.theme_analysis(
        user=user, start=date.fromisoformat(PERIOD["start"]), end=date.fromisoformat(PERIOD["end"])
    )
    return analysis, {row.theme.name: row for row in charts.theme_table(analysis)}


def _svg(page):
    match = re.search(r"<svg class=\"app-chart\".*?</svg>", page, re.DOTALL)
    assert match, "no chart on the page"
    return ElementTree.fromstring(match.group(0))


# --- The figures -----------------------------------------------------------------------------


def test_counts_by_month_and_provider(learning, world):
    analysis, rows = _table(_officer(world))

    assert [provider.name for provider in analysis.providers] == [world.a1.name, world.a2.name]
    assert analysis.months == [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)]
    assert list(rows) == ["Documentation", "Fetal monitoring"]
    assert rows["Fetal monitoring"].by_month == [1, 2, 0]
    assert rows["Fetal monitoring"].by_provider == [2, 1]
    assert rows["Fetal monitoring"].total == 3
    assert rows["Documentation"].by_month == [0, 1, 1]
    assert rows["Documentation"].by_provider == [1, 1]


def test_draft_learning_is_not_counted(learning, world):
    _, rows = _table(_officer(world))

    assert "Medication safety" not in rows
    assert rows["Fetal monitoring"].by_month[0] == 1


def test_other_lmns_providers_never_appear(learning, world):
    analysis, rows = _table(_officer(world))
    page = _page(_officer(world), **PERIOD)

    assert world.b1 not in analysis.providers
    assert "Bereavement care" not in rows
    assert world.b1.name not in page
    assert "Bereavement care" not in page


def test_a_provider_user_sees_only_its_own_provider(learning, world, alice):
    analysis, rows = _table(alice)
    page = _page(alice, **PERIOD)

    assert analysis.providers == [world.a1]
    assert rows["Fetal monitoring"].by_provider == [2]
    assert world.a2.name not in page


def test_page_shows_both_tables(learning, world):
    page = _page(_officer(world), **PERIOD)

    assert "Themes by provider" in page
    assert "Themes by month" in page
    assert '<abbr title="February 2026">Feb</abbr> 26' in page
    assert world.a1.name in page
    assert world.a2.name in page


def test_nothing_in_the_period_says_so(world):
    page = _page(_officer(world), **PERIOD)

    assert "No signed-off learning was recorded in this period." in page
    assert '<svg class="app-chart"' not in page


# --- The chart -------------------------------------------------------------------------------


def test_chart_is_accessible_svg(learning, world):
    svg = _svg(_page(_officer(world), **PERIOD))

    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "theme-chart-title theme-chart-desc"
    assert svg.find(f"{SVG}title").text == "Learning themes, January 2026 to March 2026"
    assert "Fetal monitoring (3)" in svg.find(f"{SVG}desc").text


def test_chart_bars_are_most_frequent_first_and_split_by_provider(learning, world):
    analysis, _ = _table(_officer(world))
    chart = charts.theme_bar_chart(analysis)

    assert [(bar.label, bar.total) for bar in chart.bars] == [("Fetal monitoring", 3), ("Documentation", 2)]
    fetal = chart.bars[0]
    assert [segment.label for segment in fetal.segments] == [f"{world.a1.name}: 2", f"{world.a2.name}: 1"]
    assert fetal.end_x == pytest.approx(sum(segment.width for segment in fetal.segments))
    assert fetal.end_x <= chart.width - charts.VALUE_GUTTER
    assert [tick.value for tick in chart.ticks] == [0, 1, 2, 3]


@pytest.mark.parametrize(
    ("maximum", "ticks"),
    [
        (0, [0, 1]),
        (3, [0, 1, 2, 3]),
        (7, [0, 2, 4, 6, 8]),
        (40, [0, 10, 20, 30, 40]),
        (61, [0, 20, 40, 60, 80]),
    ],
)
def test_axis_ticks(maximum, ticks):
    assert charts._ticks(maximum) == ticks


def test_page_has_no_inline_script(learning, world):
    page = _page(_officer(world), **PERIOD)

    assert all("src=" in tag for tag in re.findall(r"<script[^>]*>", page))


# --- The period ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "start"),
    [
        (date(2026, 5, 15), date(2025, 6, 1)),
        (date(2026, 12, 31), date(2026, 1, 1)),
        (date(2026, 1, 1), date(2025, 2, 1)),
    ],
)
def test_default_period_is_the_last_twelve_months(today, start):
    assert reports.default_period(today) == {"start": start, "end": today}


def test_no_dates_shows_the_last_twelve_months(world):
    page = _page(_officer(world))
    start = reports.default_period(timezone.localdate())["start"]

    for name, day in (("start", start), ("end", timezone.localdate())):
        for part, value in (("day", day.day), ("month", day.month), ("year", day.year)):
            assert re.search(rf'name="{name}_{part}"[^>]*value="{value}"', page), f"{name} {part}"
    assert "There is a problem" not in page


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": "2026-13-01", "end": "2026-12-31"}, "Enter the start date as a real date"),
        ({"start": "yesterday", "end": "2026-12-31"}, "Enter the start date as a real date"),
        ({"start": "2026-01-01", "end": "2026-02-30"}, "Enter the end date as a real date"),
        (
            {"start": "2026-06-01", "end": "2026-01-01"},
            "The end date must be the same as or after the start date.",
        ),
        ({"start": "", "end": "2026-01-01"}, "Enter a start date."),
        ({"start": "2020-01-01", "end": "2026-01-01"}, "Choose a period of 36 months or less."),
        ({"start": "9999-12-01", "end": "9999-12-31"}, "Enter a date between 2000 and"),
        ({"start": "0001-01-01", "end": "0001-01-31"}, "Enter a date between 2000 and"),
    ],
)
def test_bad_dates_show_an_error_not_a_crash(learning, world, params, message):
    page = _page(_officer(world), status=400, **params)

    assert "There is a problem" in page
    assert message in page
    assert "<title>Error: " in page
    assert "Themes by provider" not in page


# --- Through the URL (incidents/urls.py) --------------------------------------------------------


def test_theme_analysis_url(client, learning, world):
    client.force_login(_officer(world))
    response = client.get(reverse("incidents:theme-analysis"), PERIOD)

    assert response.status_code == 200
    assert response.context["analysis"].months[0] == date(2026, 1, 1)
    assert 'aria-current="page">Themes</a>' in response.content.decode()


def test_theme_analysis_url_needs_sign_in(client):
    assert client.get(reverse("incidents:theme-analysis")).status_code == 302


def test_theme_analysis_url_for_someone_with_no_providers(client, world):
    client.force_login(make_user("stranger"))
    response = client.get(reverse("incidents:theme-analysis"), PERIOD)

    assert response.status_code == 200
    assert "No signed-off learning was recorded in this period." in response.content.decode()
