import io
import itertools
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from incidents.highlights import services
from incidents.highlights.models import HighlightReport, ReportStatus
from lmns.models import Role
from tests.factories import make_provider, make_user
from tests.incidents.highlights.factories import make_report
from tests.incidents.improvement.factories import add_values, make_measure, make_plan
from tests.printing import assert_prints_readably

pytestmark = pytest.mark.django_db


def test_a_lead_writes_a_report_whose_measures_fill_themselves_in(client, plan, contributor, lead, officer):
    client.force_login(contributor)
    page = client.get(reverse("incidents:improvement-highlight-create", kwargs={"pk": plan.pk}))
    body = page.content.decode()
    assert "CTGs with hourly fresh eyes" in body and "<svg" in body and "Jun 2026: 94" in body
    response = client.post(
        reverse("incidents:improvement-highlight-create", kwargs={"pk": plan.pk}),
        {"month": "2026-04-01", "overall_status": "at_risk", "progress": "Audit done."},
    )
    assert response.status_code == 200
    assert "Enter why the plan is at risk" in response.content.decode()
    assert not HighlightReport.objects.exists()  # nothing half-saved, and what was typed is kept
    assert "Audit done." in response.content.decode()
    response = client.post(
        reverse("incidents:improvement-highlight-create", kwargs={"pk": plan.pk}),
        {
            "month": "2026-04-01",
            "overall_status": "at_risk",
            "status_reason": "Audit slipped.",
            "progress": "Done.",
        },
    )
    report = HighlightReport.objects.get()
    assert response.url == report.get_absolute_url()
    body = client.get(report.get_absolute_url()).content.decode()
    # The report's measures stop at April: its latest values, and the chart's reading.
    assert "Feb 2026: 78; Mar 2026: 82; Apr 2026: 86" in body and "Jun 2026" not in body
    assert "Submit to the LMNS" not in body  # a contributor drafts; the lead submits
    assert (
        client.post(reverse("incidents:improvement-highlight-submit", kwargs={"pk": report.pk})).status_code
        == 403
    )

    client.force_login(lead)
    client.post(reverse("incidents:improvement-highlight-submit", kwargs={"pk": report.pk}))
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED

    client.force_login(officer)
    review = reverse("incidents:improvement-highlight-review", kwargs={"pk": report.pk})
    assert (
        "Enter your comment for the provider" in client.post(review, {"review_comment": ""}).content.decode()
    )
    client.post(review, {"review_comment": "We will send the analyst."})
    report.refresh_from_db()
    assert (report.status, report.review_comment) == (ReportStatus.REVIEWED, "We will send the analyst.")
    history = client.get(reverse("incidents:improvement-highlight-history", kwargs={"pk": report.pk}))
    assert history.status_code == 200


def test_a_submitted_report_is_not_edited_and_the_pid_guard_holds(client, plan, lead):
    report = make_report(plan, by=lead, month=date(2026, 4, 1))
    edit = reverse("incidents:improvement-highlight-edit", kwargs={"pk": report.pk})
    response = client.force_login(lead) or client.post(
        edit, {"overall_status": "on_track", "progress": "Seen 943 476 5919 on the ward."}
    )
    assert "looks like an NHS number" in response.content.decode()
    services.highlight_report_submit(report=report, by=lead)
    assert client.get(edit).url == report.get_absolute_url()


def test_the_lmns_page_shows_every_plans_latest_report_and_filters_late(client, lmns, plan, lead, officer):
    make_report(
        plan, by=lead, month=date(2026, 4, 1), status=ReportStatus.SUBMITTED, support_asked="An analyst"
    )
    other = make_provider(lmns, "Heron Vale NHS Trust", "HV1")
    quiet = make_plan(other, title="Smoke-free pregnancy pathway")
    client.force_login(officer)
    body = client.get(reverse("incidents:improvement-highlight-list")).content.decode()
    assert "An analyst" in body and "Smoke-free pregnancy pathway" in body and "Late" in body
    late = client.get(reverse("incidents:improvement-highlight-list"), {"late": "on"}).content.decode()
    none = client.get(reverse("incidents:improvement-highlight-list"), {"status": "none"}).content.decode()
    # The plan started in January owes every month since; the one started today owes nothing yet.
    assert plan.title in late and quiet.title not in late
    assert quiet.title in none and plan.title not in none
    # A provider's user sees only their own provider's plans.
    client.force_login(lead)
    assert (
        "Smoke-free pregnancy pathway"
        not in client.get(reverse("incidents:improvement-highlight-list")).content.decode()
    )


def test_the_late_flag_is_on_the_plan_page(client, plan, lead):
    client.force_login(lead)
    body = client.get(reverse("incidents:improvement-detail", kwargs={"pk": plan.pk})).content.decode()
    assert "Highlight report late" in body


def test_the_pages_answer_in_a_fixed_number_of_queries(
    client, lmns, plan, lead, officer, django_assert_max_num_queries
):
    made = itertools.count()

    def load(n):
        for _ in range(n):
            i = next(made)
            other = make_provider(lmns, f"Trust {i}", f"T{i:02d}")
            extra = make_plan(other, title=f"Plan {i}")
            make_report(extra, by=lead, month=date(2026, 4, 1))
            add_values(make_measure(extra), {date(2026, 4, 1): 5})

    client.force_login(officer)
    for name in ["improvement-highlight-list", "improvement-highlight-workbook"]:
        load(1)
        with django_assert_max_num_queries(14) as few:
            assert client.get(reverse(f"incidents:{name}")).status_code == 200
        load(6)
        with django_assert_max_num_queries(len(few.captured_queries)):
            assert client.get(reverse(f"incidents:{name}")).status_code == 200
    report = make_report(plan, by=lead, month=date(2026, 4, 1))
    add_values(make_measure(plan, name="Second measure"), {date(2026, 3, 1): 3})
    for name, kwargs in [
        ("improvement-highlight-detail", {"pk": report.pk}),
        ("improvement-highlight-plan", {"pk": plan.pk}),
        ("improvement-highlight-create", {"pk": plan.pk}),
        ("improvement-highlight-edit", {"pk": report.pk}),
    ]:
        client.force_login(lead)
        with django_assert_max_num_queries(16):
            assert client.get(reverse(f"incidents:{name}", kwargs=kwargs)).status_code == 200


def test_the_workbook_prints_readably(client, plan, lead, officer):
    make_report(plan, by=lead, month=date(2026, 4, 1), progress="Long text " * 200)
    client.force_login(officer)
    response = client.get(reverse("incidents:improvement-highlight-workbook"))
    workbook = load_workbook(io.BytesIO(response.content))
    assert_prints_readably(workbook)
    sheet = workbook["Highlight reports"]
    rows = [row for row in sheet.iter_rows(values_only=True) if row[0] == "Otter Bay NHS Trust"]
    assert rows[0][2] == "Apr 2026" and rows[0][4].startswith("LATE:")


def test_the_lmns_sets_its_due_day(client, lmns, officer, lead):
    url = reverse("incidents:improvement-highlight-schedule")
    client.force_login(lead)
    assert client.get(url).status_code == 403
    client.force_login(officer)
    assert "Enter a day from 1 to 28" in client.post(url, {"lmns": lmns.pk, "due_day": "31"}).content.decode()
    assert client.post(url, {"lmns": lmns.pk, "due_day": "14"}).status_code == 302
    assert lmns.highlight_schedule.due_day == 14


def test_another_providers_report_is_not_found(client, lmns, plan, lead):
    report = make_report(plan, by=lead, month=date(2026, 4, 1))
    stranger = make_user(
        "stranger", role=Role.PROVIDER_LEAD, provider=make_provider(lmns, "Heron NHS Trust", "HE1")
    )
    client.force_login(stranger)
    assert client.get(report.get_absolute_url()).status_code == 404


@pytest.mark.parametrize(
    ("name", "of_report"),
    [
        ("improvement-highlight-detail", True),
        ("improvement-highlight-edit", True),
        ("improvement-highlight-plan", False),
        ("improvement-highlight-create", False),
    ],
)
def test_the_report_pages_take_the_same_queries_however_many_measures(
    client, plan, lead, name, of_report, django_assert_num_queries
):
    """Each measure is drawn with its latest points and chart reading: adding measures must not
    add queries."""
    report = make_report(plan, by=lead, month=date(2026, 4, 1))
    url = reverse(f"incidents:{name}", kwargs={"pk": report.pk if of_report else plan.pk})
    client.force_login(lead)

    def add_measures(start: int, stop: int) -> None:
        for n in range(start, stop):
            add_values(
                make_measure(plan, name=f"Measure {n}"),
                {date(2026, month, 1): 10 * n + month for month in range(1, 7)},
            )

    add_measures(1, 2)  # two, with the plan's own
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    add_measures(2, 8)
    with django_assert_num_queries(len(few)):
        assert client.get(url).status_code == 200
