import io
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from assurance.visits import services
from assurance.visits.models import FindingKind, RecommendationStatus, Visit, VisitReport, VisitStatus
from incidents.models import PhysicalHarm
from lmns.models import Role
from lmns.months import add_months, first_of_month
from tests.assurance.test_exports import CSV_EVERY_SHEET, _csv, soffice
from tests.assurance.visit_template_records import make_visit_template
from tests.factories import (
    make_action,
    make_concern,
    make_finding,
    make_incident,
    make_lmns,
    make_provider,
    make_recommendation,
    make_unit,
    make_user,
    make_visit,
    make_workforce_return,
)
from tests.printing import assert_prints_readably, pdf_text, smallest_pdf_points
from workforce.selectors import Quarter

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def lmns():
    return make_lmns()


@pytest.fixture
def provider(lmns):
    provider = make_provider(lmns, "Otter Bay NHS Trust", "OB1")
    make_unit(provider, "Otter Bay Maternity Unit", "OB101")
    return provider


@pytest.fixture
def officer(lmns):
    return make_user("officer", role=Role.LMNS_OFFICER, lmns=lmns, first_name="Olu", last_name="Officer")


@pytest.fixture
def lead(provider):
    return make_user("lead", role=Role.PROVIDER_LEAD, provider=provider, first_name="Lee", last_name="Lead")


@pytest.fixture
def visited(provider, officer):
    return make_visit(
        provider,
        created_by=officer,
        visit_on=TODAY - timedelta(days=2),
        status=VisitStatus.VISITED,
        summary="A safe, caring service.",
    )


def _issued(visited, officer, lead, **finding):
    recommendation = make_recommendation(make_finding(visited, **finding), owner=lead)
    report = services.report_issue(visit=visited, by=officer)
    return recommendation, report


# --- Planning ----------------------------------------------------------------------------------


def test_an_officer_plans_a_visit_with_its_team_and_a_template(client, lmns, provider, officer):
    template = make_visit_template()
    draft = make_visit_template(slug="draft", name="Unagreed draft", status="draft")
    elsewhere = make_visit_template(slug="elsewhere", name="Another LMNS's own", lmns=make_lmns())
    client.force_login(officer)
    form = client.get(reverse("assurance:visit-create"))
    offered = list(form.context["form"].fields["template"].queryset)
    # Only published templates the officer may see: never a draft, nor another LMNS's own.
    assert template in offered and draft not in offered and elsewhere not in offered
    assert "Unagreed draft" not in form.content.decode()
    response = client.post(
        reverse("assurance:visit-create"),
        {
            "provider": provider.pk,
            "template": template.pk,
            "visit_on": (TODAY + timedelta(days=14)).isoformat(),
            "visit_type": "ockenden",
            "units": [provider.units.get().pk],
            "purpose": "Ockenden check.",
            "team": "Sam Patel, LMNS lead midwife\n\nJo Smith, MNVP representative",
        },
    )
    visit = Visit.objects.get()
    assert response.status_code == 302
    assert response.url == visit.get_absolute_url()
    assert [(m.name, m.role) for m in visit.team.all()] == [
        ("Sam Patel", "LMNS lead midwife"),
        ("Jo Smith", "MNVP representative"),
    ]
    assert visit.template == template
    assert [line.text for line in visit.lines_of_enquiry.all()] == [
        "Is triage timely?",
        "Is leadership visible?",
    ]


def test_planning_with_a_draft_template_is_refused_and_nothing_is_lost(client, provider, officer):
    draft = make_visit_template(status="draft")
    client.force_login(officer)
    response = client.post(
        reverse("assurance:visit-create"),
        {
            "provider": provider.pk,
            "template": draft.pk,
            "visit_on": TODAY.isoformat(),
            "visit_type": "routine",
            "purpose": "Routine visit purpose",
        },
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert "Routine visit purpose" in response.content.decode()
    assert not Visit.objects.exists()


def test_a_unit_of_another_provider_is_refused_with_the_first_errors(client, lmns, provider, officer):
    other = make_provider(lmns, "Heron Vale NHS Trust", "HV1")
    their_unit = make_unit(other, "Heron Vale Birth Centre", "HV101")
    client.force_login(officer)
    response = client.post(
        reverse("assurance:visit-create"),
        {
            "provider": provider.pk,
            "template": make_visit_template().pk,
            "visit_on": "",  # another error in the same round
            "visit_type": "routine",
            "units": [their_unit.pk],
        },
    )
    errors = response.context["form"].errors
    assert errors["units"] == ["Choose only units of Otter Bay NHS Trust"]
    assert "visit_on" in errors
    assert not Visit.objects.exists()


def test_each_unit_offered_names_its_provider_for_the_list_to_follow(client, lmns, provider, officer):
    other = make_provider(lmns, "Heron Vale NHS Trust", "HV1")
    their_unit = make_unit(other, "Heron Vale Birth Centre", "HV101")
    client.force_login(officer)
    body = client.get(reverse("assurance:visit-create")).content.decode()
    # static/js/app.mjs hides the units whose data-provider is not the provider chosen.
    assert re.search(
        rf'id="id_units_\d+" name="units" type="checkbox" value="{their_unit.pk}" data-provider="{other.pk}"',
        body,
    )
    ours = provider.units.get()
    assert re.search(
        rf'id="id_units_\d+" name="units" type="checkbox" value="{ours.pk}" data-provider="{provider.pk}"',
        body,
    )


def test_the_visit_page_and_its_edit_form_follow_the_templates_sections(
    client, provider, officer, django_assert_max_num_queries
):
    six = make_visit_template(
        slug="six",
        name="Self-assessment",
        sections=[
            ("leadership", "Leadership", [("L1", "Is leadership visible?", "Walk the floor.")]),
            ("voice", "Patient voice", [("P1", "Is the MNVP heard?", "")]),
        ],
    )
    visit = services.visit_create(
        provider=provider, by=officer, visit_on=TODAY, visit_type="routine", template=six
    )
    services.finding_record(visit=visit, by=officer, domain="voice", kind="concern", description="Not heard.")
    client.force_login(officer)
    with django_assert_max_num_queries(19):
        page = client.get(visit.get_absolute_url()).content.decode()
    assert "<h3>Leadership</h3>" in page and "<h3>Patient voice</h3>" in page
    assert "Walk the floor." in page and "<h3>Safe</h3>" not in page
    edit = client.get(reverse("assurance:visit-edit", kwargs={"pk": visit.pk}))
    assert "Key lines of enquiry: Patient voice" in edit.content.decode()
    assert edit.context["form"].initial["lines_leadership"] == "Is leadership visible?"
    finding_form = client.get(reverse("assurance:finding-create", kwargs={"pk": visit.pk}))
    assert finding_form.context["form"].fields["domain"].choices == [
        ("leadership", "Leadership"),
        ("voice", "Patient voice"),
    ]
    report = client.get(reverse("assurance:visit-report", kwargs={"pk": visit.pk})).content.decode()
    assert "Self-assessment (1)" in report and "Patient voice" in report


def test_a_team_line_without_a_role_is_explained_and_nothing_is_lost(client, provider, officer):
    client.force_login(officer)
    response = client.post(
        reverse("assurance:visit-create"),
        {
            "provider": provider.pk,
            "visit_on": TODAY.isoformat(),
            "visit_type": "routine",
            "template": make_visit_template().pk,
            "team": "Sam Patel, LMNS lead midwife\nJo Smith",
            "purpose": "Routine visit purpose",
        },
    )
    assert response.status_code == 200
    assert "Line 2: write the name, a comma, then the role." in response.content.decode()
    assert "Routine visit purpose" in response.content.decode()
    assert "Jo Smith" in response.content.decode()
    assert not Visit.objects.exists()


def test_a_provider_user_cannot_plan_visits(client, lead):
    client.force_login(lead)
    assert client.get(reverse("assurance:visit-create")).status_code == 403


def test_the_calendar_shows_upcoming_visits_unless_asked_for_others(client, provider, officer):
    make_visit(provider, created_by=officer, visit_on=TODAY + timedelta(days=9), purpose="soon")
    make_visit(provider, created_by=officer, visit_on=TODAY - timedelta(days=30), status=VisitStatus.VISITED)
    client.force_login(officer)
    upcoming = client.get(reverse("assurance:visit-list"))
    assert [visit.visit_on for visit in upcoming.context["page"]] == [TODAY + timedelta(days=9)]
    everything = client.get(reverse("assurance:visit-list"), {"when": ""})
    assert len(everything.context["page"]) == 2
    past = client.get(reverse("assurance:visit-list"), {"when": "past"})
    assert [visit.visit_on for visit in past.context["page"]] == [TODAY - timedelta(days=30)]


def test_list_pages_take_a_fixed_number_of_queries(
    client, lmns, provider, officer, lead, django_assert_max_num_queries
):
    # Half planned with a template, half before templates: each recommendation names its section.
    template = make_visit_template()
    for days in range(8):
        visit = make_visit(
            provider,
            created_by=officer,
            visit_on=TODAY + timedelta(days=days + 1),
            template=template if days % 2 else None,
        )
        visit.units.set(provider.units.all())
        make_recommendation(make_finding(visit), owner=lead)
    client.force_login(officer)
    with django_assert_max_num_queries(13):
        assert client.get(reverse("assurance:visit-list")).status_code == 200
    with django_assert_max_num_queries(13):
        assert client.get(reverse("assurance:recommendation-list")).status_code == 200


# --- On the day --------------------------------------------------------------------------------


def test_an_immediate_safety_concern_is_emailed_and_tops_the_visit_page(
    client, lmns, visited, officer, django_capture_on_commit_callbacks
):
    make_user("safety", role=Role.LMNS_SAFETY_LEAD, lmns=lmns)
    make_finding(visited, kind=FindingKind.GOOD_PRACTICE, description="Warm welcome at the birth centre.")
    client.force_login(officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("assurance:finding-create", kwargs={"pk": visited.pk}),
            {"domain": "safe", "kind": "immediate", "description": "Resuscitaire unchecked for a week."},
            follow=True,
        )
    assert len(mail.outbox) == 1
    page = response.content.decode()
    assert "The LMNS safety lead has been emailed." in page
    assert page.index("Resuscitaire unchecked") < page.index("Warm welcome")
    assert "Immediate safety concern" in page[: page.index("Warm welcome")]


def test_staff_feedback_is_shown_to_the_visit_team_only(client, visited, officer, lead):
    services.staff_feedback_record(
        visit=visited, by=officer, staff_group="anaesthetist", domain="safe", feedback="Handover is rushed."
    )
    client.force_login(officer)
    assert "Handover is rushed." in client.get(visited.get_absolute_url()).content.decode()
    client.force_login(lead)
    page = client.get(visited.get_absolute_url()).content.decode()
    assert "Handover is rushed." not in page
    assert "Anaesthetist" not in page


def test_the_visit_page_takes_a_fixed_number_of_queries(
    client, visited, officer, lead, django_assert_max_num_queries
):
    for _ in range(6):
        make_recommendation(make_finding(visited), owner=lead)
    client.force_login(officer)
    with django_assert_max_num_queries(17):
        assert client.get(visited.get_absolute_url()).status_code == 200


# --- The pre-visit pack ------------------------------------------------------------------------


def test_the_pack_gathers_what_the_lmns_knows_about_this_provider_only(
    client, lmns, provider, visited, officer, lead
):
    make_incident(provider, physical_harm=PhysicalHarm.SEVERE, local_reference="R1")
    make_incident(provider, physical_harm=PhysicalHarm.NONE, local_reference="R2")
    make_incident(provider, local_reference="OLD", occurred_on=TODAY - timedelta(days=400), reported_on=TODAY)
    make_incident(make_provider(lmns, "Heron NHS Trust", "HE1"), local_reference="ELSEWHERE")
    make_action(provider, owner=lead, description="Overdue action", due_on=TODAY - timedelta(days=1))
    earlier = make_visit(
        provider, created_by=officer, visit_on=TODAY - timedelta(days=200), status="visited", summary="s"
    )
    old_recommendation, _ = _issued(earlier, officer, lead)
    last_month = add_months(first_of_month(TODAY), -1)
    make_workforce_return(provider, month=last_month, women_in_labour=200, one_to_one_care=190)
    # Counted once their quarter is over: a count that moves shows the day a concern was raised.
    last_quarter = Quarter.of(TODAY).start - timedelta(days=1)
    secret = make_concern(provider, received_on=last_quarter)
    make_concern(provider, received_on=last_quarter)
    client.force_login(officer)
    response = client.get(reverse("assurance:visit-pack", kwargs={"pk": visited.pk}))
    pack = response.context["pack"]
    assert pack.incident_total == 2
    assert pack.moderate_or_worse == 1
    assert pack.overdue_actions == 1
    assert pack.open_recommendations == [old_recommendation]
    page = response.content.decode()
    assert "Heron NHS Trust" not in page
    # Workforce: the latest figure and the month it is from; speaking up: a suppressed count.
    care = next(figure for figure in pack.workforce if figure.measure.key == "one_to_one_rate")
    assert (care.month, care.formatted) == (last_month, "95%")
    assert pack.ftsu_counts[-1] == "<5" and "&lt;5" in page
    assert secret.summary not in page

    workbook = load_workbook(
        io.BytesIO(client.get(reverse("assurance:visit-pack-workbook", kwargs={"pk": visited.pk})).content)
    )
    assert workbook.sheetnames == [
        "Summary",
        "Incidents by type",
        "Open safety actions",
        "Compliance",
        "Workforce",
        "Speaking up",
        "Open recommendations",
    ]
    summary = {row[0]: row[1] for row in workbook["Summary"].iter_rows(values_only=True) if row[0]}
    assert summary["Incidents reported in the last 12 months"] == 2
    assert summary["Safety actions overdue"] == 1
    speaking_up = list(workbook["Speaking up"].iter_rows(values_only=True))
    assert speaking_up[-1] == (pack.ftsu_quarters[-1], "<5")
    assert list(workbook["Compliance"].iter_rows(values_only=True))[-1][0] == (
        "The provider has not assessed itself against any framework."
    )
    assert_prints_readably(workbook)
    # A heading's row is as tall as its bold words wrap to: "Moderate physical harm" takes two lines.
    by_type = workbook["Incidents by type"]
    assert by_type.row_dimensions[4].height >= 2 * 14


# --- The report and recommendations ------------------------------------------------------------


def test_the_draft_is_marked_and_issuing_makes_version_one(client, visited, officer, lead):
    make_recommendation(make_finding(visited), owner=lead)
    client.force_login(officer)
    draft = client.get(reverse("assurance:visit-report", kwargs={"pk": visited.pk}))
    assert "This report has not been issued" in draft.content.decode()
    unconfirmed = client.post(reverse("assurance:visit-report", kwargs={"pk": visited.pk}))
    assert "Confirm that you have read the report and want to issue it" in unconfirmed.content.decode()
    assert not VisitReport.objects.exists()
    response = client.post(reverse("assurance:visit-report", kwargs={"pk": visited.pk}), {"confirm": "on"})
    report = VisitReport.objects.get()
    assert response.url == report.get_absolute_url()
    page = client.get(report.get_absolute_url()).content.decode()
    assert "Version 1, issued" in page
    assert "This report has not been issued" not in page


def test_a_refused_issue_says_why_on_the_page(client, provider, officer):
    visit = make_visit(provider, created_by=officer, visit_on=TODAY, status=VisitStatus.VISITED)
    client.force_login(officer)
    response = client.post(reverse("assurance:visit-report", kwargs={"pk": visit.pk}), {"confirm": "on"})
    assert response.status_code == 200
    assert "Write the report summary" in response.content.decode()
    assert not VisitReport.objects.exists()


def test_a_provider_user_reads_the_report_but_cannot_issue_it(client, visited, lead):
    make_finding(visited)
    client.force_login(lead)
    assert client.get(reverse("assurance:visit-report", kwargs={"pk": visited.pk})).status_code == 200
    assert client.post(reverse("assurance:visit-report", kwargs={"pk": visited.pk})).status_code == 403
    assert not VisitReport.objects.exists()


def test_the_lead_answers_with_evidence_and_the_officer_closes(client, visited, officer, lead):
    recommendation, _ = _issued(visited, officer, lead)
    client.force_login(lead)
    response = client.post(
        reverse("assurance:recommendation-respond", kwargs={"pk": recommendation.pk}),
        {
            "text": "New triage record in use.",
            "file": SimpleUploadedFile("triage-audit.pdf", b"%PDF-1.4 audit"),
            "request_closure": "on",
        },
    )
    assert response.status_code == 302
    recommendation.refresh_from_db()
    assert recommendation.status == RecommendationStatus.AWAITING_REVIEW
    evidence = recommendation.updates.get().evidence
    detail = client.get(recommendation.get_absolute_url()).content.decode()
    assert reverse("assurance:evidence-download", kwargs={"pk": evidence.pk}) in detail

    client.force_login(officer)
    client.post(
        reverse("assurance:recommendation-review", kwargs={"pk": recommendation.pk}), {"decision": "close"}
    )
    recommendation.refresh_from_db()
    assert recommendation.status == RecommendationStatus.CLOSED


def test_an_answer_without_progress_keeps_what_was_typed(client, visited, officer, lead):
    recommendation, _ = _issued(visited, officer, lead)
    client.force_login(lead)
    response = client.post(
        reverse("assurance:recommendation-respond", kwargs={"pk": recommendation.pk}),
        {"text": "", "evidence_description": "Audit of May", "url": "https://example.invalid/audit"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Enter progress" in page
    assert "Audit of May" in page
    assert not recommendation.updates.exists()


def test_overdue_recommendations_are_listed_only_once_the_report_is_issued(client, visited, officer, lead):
    recommendation = make_recommendation(make_finding(visited), owner=lead, due_on=TODAY - timedelta(days=1))
    client.force_login(officer)
    overdue = reverse("assurance:recommendation-list") + "?overdue=true"
    assert list(client.get(overdue).context["page"]) == []
    services.report_issue(visit=visited, by=officer)
    assert list(client.get(overdue).context["page"]) == [recommendation]
    assert "1 overdue recommendation" in client.get(reverse("assurance:visit-list")).content.decode()


# --- Workbooks ---------------------------------------------------------------------------------

FORMULA = '=HYPERLINK("https://example.invalid","click")'


def test_the_report_workbook_says_draft_until_issued(client, visited, officer, lead):
    make_recommendation(make_finding(visited, description=FORMULA), owner=lead, text="Audit triage.")
    client.force_login(officer)
    draft = load_workbook(
        io.BytesIO(client.get(reverse("assurance:visit-report-workbook", kwargs={"pk": visited.pk})).content)
    )
    assert draft.sheetnames == [
        "Summary",
        "Findings",
        "Good practice",
        "Recommendations",
        "Staff feedback",
        "Scope",
    ]
    assert "DRAFT" in draft["Summary"]["A2"].value
    findings = list(draft["Findings"].iter_rows(values_only=True))
    assert findings[-1][-1] == FORMULA  # text, never a formula
    assert draft["Findings"].cell(row=len(findings), column=5).data_type == "s"
    recommendations = list(draft["Recommendations"].iter_rows(values_only=True))
    assert recommendations[-1][:4] == ("R1", "F1", "Audit triage.", "Lee Lead")

    report = services.report_issue(visit=visited, by=officer)
    issued = load_workbook(
        io.BytesIO(client.get(reverse("assurance:report-version-workbook", kwargs={"pk": report.pk})).content)
    )
    assert "Version 1, issued" in issued["Summary"]["A2"].value


def test_libreoffice_reads_the_report_workbook(client, visited, officer, lead, tmp_path):
    make_recommendation(
        make_finding(visited, description="Triage times missing."), owner=lead, text="Audit it."
    )
    report = services.report_issue(visit=visited, by=officer)
    client.force_login(officer)
    source = tmp_path / "report.xlsx"
    source.write_bytes(
        client.get(reverse("assurance:report-version-workbook", kwargs={"pk": report.pk})).content
    )
    # Printed, every sheet fills its page: an empty one says so rather than printing its headings
    # alone, and nothing is smaller than 9 pt.
    pdf = soffice(tmp_path, source, "pdf") / "report.pdf"
    pages = pdf_text(pdf).split("\f")[:-1]
    assert len(pages) == 6
    assert "No good practice recorded." in pages[2]
    assert "No staff feedback recorded." in pages[4]
    assert smallest_pdf_points(pdf) >= 9

    out = soffice(tmp_path, source, CSV_EVERY_SHEET)
    findings = _csv(out / "report-Findings.csv")
    assert ["F1", "Safe", "Area for improvement", "", "Triage times missing."] in findings
    recommendations = _csv(out / "report-Recommendations.csv")
    due = report.content["recommendations"][0]["due_on"]
    assert recommendations[-1][:4] == ["R1", "F1", "Audit it.", "Lee Lead"]
    assert recommendations[-1][4] == timezone.datetime.fromisoformat(due).strftime("%-d %b %Y")


def test_an_unescalated_concern_tells_the_officer_to_phone(client, visited, officer):
    client.force_login(officer)
    response = client.post(
        reverse("assurance:finding-create", kwargs={"pk": visited.pk}),
        {"domain": "safe", "kind": "immediate", "description": "Resuscitaire unchecked."},
        follow=True,
    )
    page = response.content.decode()
    assert "tell the safety lead by phone now" in page
    assert "No LMNS safety lead could be emailed" in page
    assert "has been emailed" not in page
