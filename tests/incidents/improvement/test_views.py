import io
import re
from datetime import date

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from incidents.improvement.models import ImprovementPlan, PlanMeasureValue, PlanTeamMember
from incidents.models import LearningStatus, Theme
from lmns.models import Role
from lmns.months import add_months, first_of_month
from tests.factories import make_learning, make_lmns, make_provider, make_user
from tests.incidents.improvement.factories import (
    add_values,
    make_communication,
    make_measure,
    make_pdsa,
    make_plan,
    make_team_member,
)
from tests.printing import assert_prints_readably

pytestmark = pytest.mark.django_db


@pytest.fixture
def lmns():
    return make_lmns("Otter LMNS")


@pytest.fixture
def provider(lmns):
    return make_provider(lmns, "Otter Bay NHS Trust", "OB1")


@pytest.fixture
def sibling(lmns):
    return make_provider(lmns, "Heron Vale NHS Trust", "HV1")


@pytest.fixture
def lead(provider):
    return make_user("lead", role=Role.PROVIDER_LEAD, provider=provider)


@pytest.fixture
def board(provider):
    return make_user("board", role=Role.BOARD_VIEWER, provider=provider)


@pytest.fixture
def plan(provider):
    plan = make_plan(provider, project_aims="Reach 95% by March.")
    measure = make_measure(plan)
    add_values(measure, {date(2026, m, 1): 80 + m for m in range(1, 7)})
    make_pdsa(plan)
    make_communication(plan)
    make_team_member(plan, email="sam@example.invalid")
    return plan


def test_a_lead_starts_a_plan_from_a_shared_theme(client, lead, provider, sibling):
    theme = Theme.objects.order_by("pk").first()
    shared = make_learning(sibling, status=LearningStatus.SHARED, themes=[theme], title="Shared CTG learning")
    draft = make_learning(sibling, themes=[theme], title="Sibling draft")
    client.force_login(lead)
    index = client.get(reverse("incidents:improvement-index"))
    assert theme.name in index.content.decode()
    page = client.get(reverse("incidents:improvement-create") + f"?theme={theme.pk}")
    body = page.content.decode()
    assert "Shared CTG learning" in body and "Sibling draft" not in body
    response = client.post(
        reverse("incidents:improvement-create"),
        {
            "owner": f"provider-{provider.pk}",
            "title": "Fresh eyes",
            "primary_driver": "deterioration",
            "overarching_aim": "Fewer missed escalations.",
            "foundations": ["Safety culture"],
            "own_drivers": "Reliable handover\n\n",
            "themes": [theme.pk],
            "learning": [shared.pk],
        },
    )
    plan = ImprovementPlan.objects.get()
    assert response.url == plan.get_absolute_url()
    assert plan.provider == provider and plan.lmns == provider.lmns
    assert plan.secondary_drivers == ["Safety culture", "Reliable handover"]
    assert list(plan.learning.all()) == [shared]
    assert draft not in plan.learning.all()


def test_starting_a_plan_needs_a_driver_and_aim(client, lead, provider):
    client.force_login(lead)
    response = client.post(reverse("incidents:improvement-create"), {"owner": f"provider-{provider.pk}"})
    body = response.content.decode()
    assert "Select primary driver" in body and "Enter overarching aim" in body
    assert not ImprovementPlan.objects.exists()


def test_the_general_tab_shows_each_section_beside_its_guidance(client, board, plan):
    client.force_login(board)
    body = client.get(plan.get_absolute_url()).content.decode()
    assert "Reach 95% by March." in body
    assert "SMART" in body  # the project aims' guidance
    assert "Sustainability and spread" in body
    assert "Change the plan" not in body  # a board viewer reads only


def test_the_general_tab_saves_the_nine_sections(client, lead, plan):
    client.force_login(lead)
    data = {
        "title": plan.title,
        "primary_driver": "diabetes",
        "overarching_aim": "Aim",
        "risks": "Audit time may be short.",
        "sustainability": "Built into the audit calendar.",
    }
    response = client.post(reverse("incidents:improvement-edit", kwargs={"pk": plan.pk}), data)
    assert response.status_code == 302
    plan.refresh_from_db()
    assert (plan.primary_driver, plan.risks) == ("diabetes", "Audit time may be short.")
    assert plan.project_aims == ""  # emptied: the form holds the whole General tab


def test_an_edit_keeps_a_theme_retired_since_it_was_linked(client, lead, plan):
    retired = Theme.objects.create(name="Retired theme", is_active=False)
    plan.themes.add(retired)
    client.force_login(lead)
    url = reverse("incidents:improvement-edit", kwargs={"pk": plan.pk})
    assert "Retired theme" in client.get(url).content.decode()
    data = {"title": plan.title, "primary_driver": "diabetes", "overarching_aim": "Aim"}
    data["themes"] = [retired.pk]
    assert client.post(url, data).status_code == 302
    assert list(plan.themes.all()) == [retired]


def test_a_team_member_needs_a_name_and_a_complete_email(client, lead, plan):
    client.force_login(lead)
    url = reverse("incidents:improvement-team-create", kwargs={"pk": plan.pk})
    response = client.post(url, {"name": "", "email": "jo@"})
    body = response.content.decode()
    assert "Enter name" in body and "Enter a complete email address" in body
    assert plan.team.count() == 1
    assert client.post(url, {"name": "Jo Evans"}).status_code == 302
    assert PlanTeamMember.objects.filter(plan=plan, name="Jo Evans", email="").exists()


def test_a_new_measure_offers_no_blank_radio_and_ticks_none(client, lead, plan):
    client.force_login(lead)
    body = client.get(
        reverse("incidents:improvement-measure-create", kwargs={"pk": plan.pk})
    ).content.decode()
    assert 'name="measure_type"' in body and 'name="direction"' in body
    assert "---------" not in body
    # The type has no default, so none is ticked; the direction's default is.
    assert not re.search(r'name="measure_type"[^>]* checked>', body)
    assert re.search(r'name="direction" type="radio" value="neutral"[^>]* checked>', body)


def test_a_pdsa_cycle_ending_before_it_starts_is_refused_at_its_end_date(client, lead, plan):
    client.force_login(lead)
    url = reverse("incidents:improvement-pdsa-create", kwargs={"pk": plan.pk})
    cycles = plan.pdsa_cycles.count()
    response = client.post(
        url, {"title": "Huddle", "started_on": "2026-05-10", "ended_on": "2026-05-01", "change": "A huddle."}
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {"ended_on": ["The end date cannot be before the start date"]}
    assert plan.pdsa_cycles.count() == cycles


def test_a_local_plan_can_serve_none_of_the_national_drivers(client, lead, provider):
    client.force_login(lead)
    page = client.get(reverse("incidents:improvement-create")).content.decode()
    assert "A local driver, not one of the five national ones" in page


def test_rows_are_changed_and_removed_on_their_own_plan_only(client, lead, plan, provider):
    other = make_plan(provider, title="Other")
    member = plan.team.get()
    client.force_login(lead)
    wrong = reverse("incidents:improvement-team-edit", kwargs={"pk": other.pk, "row": member.pk})
    assert client.get(wrong).status_code == 404
    url = reverse("incidents:improvement-team-delete", kwargs={"pk": plan.pk, "row": member.pk})
    assert client.post(url).status_code == 302
    assert not plan.team.exists()


def test_monthly_values_are_entered_and_charted(client, lead, plan):
    measure = plan.measures.get()
    client.force_login(lead)
    url = reverse("incidents:improvement-measure-values", kwargs={"pk": plan.pk, "row": measure.pk})
    this_month = first_of_month(date.today())
    last = add_months(this_month, -1)
    response = client.post(url, {f"m{last:%Y-%m}": "91.5", f"m{this_month:%Y-%m}": "x"})
    assert "Enter a number for" in response.content.decode()
    assert not PlanMeasureValue.objects.filter(month=last).exists()
    removed = {f"m{last:%Y-%m}": "91.5", "m2026-01": "", "remove-2026-01": "on"}
    assert client.post(url, removed).status_code == 302
    assert PlanMeasureValue.objects.get(measure=measure, month=last).value == 91.5
    assert not PlanMeasureValue.objects.filter(measure=measure, month=date(2026, 1, 1)).exists()
    page = client.get(reverse("incidents:improvement-measure", kwargs={"pk": plan.pk, "row": measure.pk}))
    body = page.content.decode()
    assert "<svg" in body and "Sticker on the CTG" in body


def test_unreadable_or_emptied_values_are_refused_and_a_stored_value_goes_only_when_removed(
    client, lead, plan
):
    measure = plan.measures.get()
    client.force_login(lead)
    url = reverse("incidents:improvement-measure-values", kwargs={"pk": plan.pk, "row": measure.pk})
    month = add_months(first_of_month(date.today()), -2)
    box, remove = f"m{month:%Y-%m}", f"remove-{month:%Y-%m}"
    PlanMeasureValue.objects.create(measure=measure, month=month, value=7)
    # A number input would send "7e" as empty: the box is text, so the server sees what was typed.
    page = client.get(url).content.decode()
    assert 'type="number"' not in page and 'inputmode="decimal"' in page

    for data, message in [
        ({box: "7e"}, f"Enter a number for {month:%B %Y}"),
        ({box: ""}, f"Enter a number for {month:%B %Y}, or tick “Remove the {month:%B %Y} value”"),
        ({box: "8", remove: "on"}, f"Enter a new value for {month:%B %Y} or remove it, not both"),
    ]:
        response = client.post(url, data)
        assert response.status_code == 200
        assert message in response.content.decode()
        assert "Values saved." not in response.content.decode()
        assert PlanMeasureValue.objects.get(measure=measure, month=month).value == 7

    assert client.post(url, {box: "7", remove: "on"}).status_code == 302
    assert not PlanMeasureValue.objects.filter(measure=measure, month=month).exists()


def test_the_all_view_prints_every_tab(client, board, plan, django_assert_max_num_queries):
    client.force_login(board)
    with django_assert_max_num_queries(20):
        response = client.get(reverse("incidents:improvement-all", kwargs={"pk": plan.pk}))
    body = response.content.decode()
    for text in [
        "Reach 95% by March.",
        "CTGs with hourly fresh eyes",
        "Sticker on the CTG",
        "Safety huddle",
        "Sam Patel",
    ]:
        assert text in body
    assert "<svg" in body


def test_the_tabs_answer_in_few_queries(client, board, plan, django_assert_max_num_queries):
    client.force_login(board)
    for name in ["detail", "measurement", "communications", "team"]:
        with django_assert_max_num_queries(20):
            assert (
                client.get(reverse(f"incidents:improvement-{name}", kwargs={"pk": plan.pk})).status_code
                == 200
            )
    for n in range(5):
        make_plan(plan.provider, title=f"Plan {n}")
    with django_assert_max_num_queries(12):
        assert client.get(reverse("incidents:improvement-index")).status_code == 200


@pytest.mark.parametrize("name", ["detail", "measurement", "all"])
@pytest.mark.parametrize("persona", ["lead", "board"])
def test_the_plan_pages_take_the_same_queries_however_many_measures(
    client, request, plan, name, persona, django_assert_num_queries
):
    """Each measure is charted with its values and the plan's PDSA cycles: adding measures and
    cycles must not add queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse(f"incidents:improvement-{name}", kwargs={"pk": plan.pk})
    client.force_login(request.getfixturevalue(persona))

    def add_measures(start: int, stop: int) -> None:
        for n in range(start, stop):
            add_values(
                make_measure(plan, name=f"Measure {n}"), {date(2026, m, 1): 10 * n + m for m in range(1, 7)}
            )
            make_pdsa(plan, title=f"Cycle {n}", started_on=date(2026, 1 + n % 6, 1))

    add_measures(1, 2)  # two, with the plan's own
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    add_measures(2, 8)
    with django_assert_num_queries(len(few)):
        assert client.get(url).status_code == 200


def test_the_plan_workbook_holds_every_tab(client, board, plan):
    client.force_login(board)
    response = client.get(reverse("incidents:improvement-workbook", kwargs={"pk": plan.pk}))
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == [
        "General",
        "Measurement plan",
        "Measure values",
        "PDSA cycles",
        "Communications plan",
        "Team",
    ]
    text = "\n".join(str(c) for ws in workbook for row in ws.iter_rows(values_only=True) for c in row if c)
    assert "Reach 95% by March." in text and "Sam Patel" in text and "Sticker on the CTG" in text
    assert_prints_readably(workbook)


def test_the_plan_workbook_gives_units_and_the_charts_centre_line(client, board, plan):
    """A board member can redraw the run chart from the workbook: its unit and its median."""
    client.force_login(board)
    response = client.get(reverse("incidents:improvement-workbook", kwargs={"pk": plan.pk}))
    workbook = load_workbook(io.BytesIO(response.content))
    measures = list(workbook["Measurement plan"].iter_rows(min_row=5, values_only=True))
    values = list(workbook["Measure values"].iter_rows(min_row=5, values_only=True))

    assert measures[0][2] == "%"
    assert [(row[1], row[3], row[4]) for row in values] == [("%", 80 + m, 83.5) for m in range(1, 7)]
    # The heading over the centre line wraps to three lines; its row leaves room for them all,
    # so it no longer overprints the first value in LibreOffice.
    assert workbook["Measure values"].row_dimensions[4].height >= 3 * 14


def test_another_providers_plan_is_not_found_and_a_reader_cannot_edit(client, plan, sibling, board):
    outsider = make_user("outsider", role=Role.PROVIDER_LEAD, provider=sibling)
    client.force_login(outsider)
    assert client.get(plan.get_absolute_url()).status_code == 404
    client.force_login(board)
    assert client.get(reverse("incidents:improvement-edit", kwargs={"pk": plan.pk})).status_code == 403


def test_an_lmns_plan_is_read_by_its_providers_and_written_by_lmns_staff(client, lmns, lead):
    plan = make_plan(lmns=lmns, title="LMNS-wide smoke-free")
    officer = make_user("officer", role=Role.LMNS_OFFICER, lmns=lmns)
    client.force_login(lead)
    assert client.get(plan.get_absolute_url()).status_code == 200
    assert client.get(reverse("incidents:improvement-edit", kwargs={"pk": plan.pk})).status_code == 403
    client.force_login(officer)
    assert client.get(reverse("incidents:improvement-edit", kwargs={"pk": plan.pk})).status_code == 200
    client.force_login(make_user("stranger", role=Role.LMNS_OFFICER, lmns=make_lmns()))
    assert client.get(plan.get_absolute_url()).status_code == 404


def test_anonymous_is_sent_to_sign_in(client, plan):
    response = client.get(plan.get_absolute_url())
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_pdsa_cycles_are_marked_on_the_measures_chart(client, lead, plan):
    """The cycle starting in March 2026 is line 1 on the chart, and 1 in the table beside it."""
    client.force_login(lead)
    page = client.get(reverse("incidents:improvement-measurement", kwargs={"pk": plan.pk})).content.decode()
    assert page.count('class="spc-annotation"') == 1
    assert "Marked on the chart: 1: PDSA cycle Sticker on the CTG, from Mar 2026." in page
    assert "<strong>1. Sticker on the CTG</strong>" in page
