from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from assurance.models import Evidence
from assurance.visits import services
from assurance.visits.models import FindingKind, RecommendationStatus, UpdateKind, VisitReport, VisitStatus
from assurance.visits.selectors import report_content, report_view
from lmns.models import Role
from tests.assurance.visit_template_records import make_visit_template
from tests.factories import (
    make_finding,
    make_lmns,
    make_provider,
    make_recommendation,
    make_unit,
    make_user,
    make_visit,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def lmns():
    return make_lmns()


@pytest.fixture
def provider(lmns):
    return make_provider(lmns)


@pytest.fixture
def officer(lmns):
    return make_user("officer", role=Role.LMNS_OFFICER, lmns=lmns)


@pytest.fixture
def lead(provider):
    return make_user("lead", role=Role.PROVIDER_LEAD, provider=provider)


@pytest.fixture
def template():
    return make_visit_template()


@pytest.fixture
def visited(provider, officer):
    return make_visit(
        provider,
        created_by=officer,
        visit_on=TODAY - timedelta(days=3),
        status=VisitStatus.VISITED,
        summary="Safe.",
    )


# --- Planning ----------------------------------------------------------------------------------


def test_a_visit_is_planned_with_its_team_units_and_its_templates_lines_of_enquiry(
    provider, officer, template
):
    unit = make_unit(provider)
    visit = services.visit_create(
        provider=provider,
        by=officer,
        visit_on=TODAY + timedelta(days=10),
        visit_type="routine",
        units=[unit],
        team=[("Sam Patel", "LMNS lead midwife"), ("Jo Smith", "MNVP representative")],
        template=template,
    )
    assert visit.template == template
    assert visit.status == VisitStatus.PLANNED
    assert list(visit.units.all()) == [unit]
    assert [(m.name, m.role) for m in visit.team.all()] == [
        ("Sam Patel", "LMNS lead midwife"),
        ("Jo Smith", "MNVP representative"),
    ]
    assert [(line.domain, line.code, line.text, line.guidance) for line in visit.lines_of_enquiry.all()] == [
        ("safe", "S1", "Is triage timely?", "Triage audit."),
        ("well_led", "W1", "Is leadership visible?", ""),
    ]


def test_units_of_another_provider_are_refused_and_nothing_is_saved(lmns, provider, officer, template):
    other = make_unit(make_provider(lmns))
    with pytest.raises(ValidationError, match="units of the provider visited"):
        services.visit_create(
            provider=provider,
            by=officer,
            visit_on=TODAY,
            visit_type="routine",
            units=[other],
            template=template,
        )
    assert not provider.visits.exists()


@pytest.mark.parametrize("status", ["draft", "awaiting_approval", "closed"])
def test_only_a_published_template_plans_a_visit(provider, officer, status):
    template = make_visit_template(status=status)
    with pytest.raises(ValidationError, match="not published"):
        services.visit_create(
            provider=provider, by=officer, visit_on=TODAY, visit_type="routine", template=template
        )
    assert not provider.visits.exists()


def test_another_lmnss_local_template_is_refused(provider, officer):
    template = make_visit_template(lmns=make_lmns("Elsewhere LMNS"))
    with pytest.raises(ValidationError, match="provider's LMNS"):
        services.visit_create(
            provider=provider, by=officer, visit_on=TODAY, visit_type="routine", template=template
        )


def test_editing_replaces_team_and_lines_keeping_the_code_of_unchanged_wording(provider, officer, template):
    visit = services.visit_create(
        provider=provider,
        by=officer,
        visit_on=TODAY,
        visit_type="routine",
        team=[("A", "B")],
        template=template,
    )
    services.visit_update(
        visit=visit,
        by=officer,
        team=[("C", "D")],
        lines={"safe": ["Is triage timely?", "New line"], "caring": ["not a section of the template"]},
        summary="All well.",
        visit_on=TODAY,
    )
    visit.refresh_from_db()
    assert visit.summary == "All well."
    assert [m.name for m in visit.team.all()] == ["C"]
    assert [(line.domain, line.code, line.text) for line in visit.lines_of_enquiry.all()] == [
        ("safe", "S1", "Is triage timely?"),
        ("safe", "", "New line"),
    ]


def test_a_new_version_of_the_template_leaves_a_planned_visit_as_it_was(provider, officer, template):
    visit = services.visit_create(
        provider=provider, by=officer, visit_on=TODAY, visit_type="routine", template=template
    )
    line = template.sections.get(code="safe").lines.get()
    # Published templates are never edited in place; even a direct change must not reach the visit.
    line.prompt = "Reworded"
    line.save()
    assert [line.text for line in visit.lines_of_enquiry.all()] == [
        "Is triage timely?",
        "Is leadership visible?",
    ]
    assert report_content(visit=visit)["lines_of_enquiry"][0]["text"] == "Is triage timely?"


def test_a_finding_must_be_filed_under_a_section_of_the_visits_template(provider, officer):
    six = make_visit_template(slug="six", sections=[("leadership", "Leadership", [("L1", "Visible?", "")])])
    visit = services.visit_create(
        provider=provider, by=officer, visit_on=TODAY, visit_type="routine", template=six
    )
    with pytest.raises(ValidationError, match="section of the visit's template"):
        services.finding_record(visit=visit, by=officer, domain="safe", kind="concern", description="x")
    finding = services.finding_record(
        visit=visit, by=officer, domain="leadership", kind="concern", description="x"
    )
    assert finding.section_label == "Leadership"


def test_a_report_of_a_templated_visit_is_organised_by_its_sections(provider, officer):
    six = make_visit_template(
        slug="six",
        sections=[
            ("leadership", "Leadership", [("L1", "Visible?", "")]),
            ("voice", "Patient voice", [("P1", "MNVP?", "")]),
        ],
    )
    visit = services.visit_create(
        provider=provider, by=officer, visit_on=TODAY, visit_type="routine", template=six
    )
    services.finding_record(visit=visit, by=officer, domain="voice", kind="concern", description="Late.")
    content = report_content(visit=visit)
    assert content["sections"] == [
        {"code": "leadership", "title": "Leadership"},
        {"code": "voice", "title": "Patient voice"},
    ]
    view = report_view(content)
    assert [(section.label, [f["description"] for f in section.findings]) for section in view.domains] == [
        ("Leadership", []),
        ("Patient voice", ["Late."]),
    ]


def test_a_visit_planned_before_templates_keeps_the_cqc_questions_and_its_report_content(visited, officer):
    """Existing visits are left with no template (migration 0007): their records keep the CQC codes
    they had, their pages label them with the five key questions, and their report content has no
    new keys, so an issued version still compares equal to an unchanged draft."""
    assert visited.template is None
    make_finding(visited, domain="well_led")
    assert visited.section_label("well_led") == "Well-led"
    content = report_content(visit=visited)
    assert "sections" not in content and "template" not in content


# --- The path from planned to closed -----------------------------------------------------------


def test_a_visit_cannot_be_marked_visited_before_its_date(provider, officer):
    visit = make_visit(provider, created_by=officer, visit_on=TODAY + timedelta(days=1))
    with pytest.raises(ValidationError, match="cannot be marked visited before then"):
        services.visit_transition(visit=visit, to_status=VisitStatus.VISITED, by=officer)
    visit.visit_on = TODAY
    visit.save()
    assert (
        services.visit_transition(visit=visit, to_status=VisitStatus.VISITED, by=officer).status == "visited"
    )


@pytest.mark.parametrize(
    ("start", "target"),
    [
        (VisitStatus.PLANNED, VisitStatus.CLOSED),
        (VisitStatus.PLANNED, VisitStatus.REPORT_ISSUED),
        (VisitStatus.VISITED, VisitStatus.PLANNED),
        (VisitStatus.VISITED, VisitStatus.CLOSED),
        (VisitStatus.CLOSED, VisitStatus.PLANNED),
        (VisitStatus.CANCELLED, VisitStatus.VISITED),
    ],
)
def test_transitions_off_the_path_are_refused(provider, officer, start, target):
    visit = make_visit(provider, created_by=officer, visit_on=TODAY, status=start)
    with pytest.raises(ValidationError):
        services.visit_transition(visit=visit, to_status=target, by=officer)
    visit.refresh_from_db()
    assert visit.status == start


def test_report_issued_is_reached_only_by_issuing_the_report(visited, officer):
    with pytest.raises(ValidationError, match="Issue the report"):
        services.visit_transition(visit=visited, to_status=VisitStatus.REPORT_ISSUED, by=officer)


def test_a_cancelled_visit_can_be_reinstated(provider, officer):
    visit = make_visit(provider, created_by=officer)
    services.visit_transition(visit=visit, to_status=VisitStatus.CANCELLED, by=officer)
    assert (
        services.visit_transition(visit=visit, to_status=VisitStatus.PLANNED, by=officer).status == "planned"
    )


def test_a_visit_closes_only_when_every_recommendation_is_closed(visited, officer, lead):
    recommendation = make_recommendation(make_finding(visited), owner=lead)
    services.report_issue(visit=visited, by=officer)
    with pytest.raises(ValidationError, match="1 recommendation is not closed"):
        services.visit_transition(visit=visited, to_status=VisitStatus.CLOSED, by=officer)
    services.recommendation_respond(
        recommendation=recommendation, by=lead, text="Done.", request_closure=True
    )
    services.recommendation_review(recommendation=recommendation, by=officer, close=True)
    assert (
        services.visit_transition(visit=visited, to_status=VisitStatus.CLOSED, by=officer).status == "closed"
    )


# --- Findings and immediate safety concerns ----------------------------------------------------


def test_an_immediate_safety_concern_emails_the_lmns_safety_leads_at_once(
    lmns, visited, officer, django_capture_on_commit_callbacks
):
    make_user("safety", role=Role.LMNS_SAFETY_LEAD, lmns=lmns, email="safety@example.invalid")
    make_user("elsewhere", role=Role.LMNS_SAFETY_LEAD, lmns=make_lmns(), email="other@example.invalid")
    with django_capture_on_commit_callbacks(execute=True):
        finding = services.finding_record(
            visit=visited, by=officer, domain="safe", kind=FindingKind.IMMEDIATE, description="No CTG paper."
        )
    assert finding.escalated_at is not None
    assert [message.to for message in mail.outbox] == [["safety@example.invalid"]]
    email = mail.outbox[0]
    assert visited.provider.name in email.subject
    assert visited.get_absolute_url() in email.body
    # The concern itself stays behind sign-in.
    assert "No CTG paper" not in email.body


def test_other_findings_email_nobody(lmns, visited, officer, django_capture_on_commit_callbacks):
    make_user("safety", role=Role.LMNS_SAFETY_LEAD, lmns=lmns)
    with django_capture_on_commit_callbacks(execute=True):
        services.finding_record(visit=visited, by=officer, domain="safe", kind="concern", description="Gap.")
    assert mail.outbox == []


def test_a_finding_changed_to_immediate_is_escalated_once(
    lmns, visited, officer, django_capture_on_commit_callbacks
):
    make_user("safety", role=Role.LMNS_SAFETY_LEAD, lmns=lmns)
    finding = make_finding(visited)
    with django_capture_on_commit_callbacks(execute=True):
        services.finding_update(finding=finding, by=officer, kind=FindingKind.IMMEDIATE)
        services.finding_update(finding=finding, by=officer, description="Reworded.")
    assert len(mail.outbox) == 1


def test_nothing_more_is_recorded_on_a_closed_or_cancelled_visit(provider, officer):
    for status in (VisitStatus.CLOSED, VisitStatus.CANCELLED):
        visit = make_visit(provider, created_by=officer, status=status)
        with pytest.raises(ValidationError, match="nothing more can be recorded"):
            services.finding_record(visit=visit, by=officer, domain="safe", kind="concern", description="x")
        with pytest.raises(ValidationError):
            services.staff_feedback_record(
                visit=visit, by=officer, staff_group="midwife", domain="safe", feedback="x"
            )


def test_a_unit_of_another_provider_is_refused_on_a_finding(lmns, visited, officer):
    other = make_unit(make_provider(lmns))
    with pytest.raises(ValidationError, match="unit of the provider visited"):
        services.finding_record(
            visit=visited, by=officer, domain="safe", kind="concern", description="x", unit=other
        )


def test_a_finding_with_recommendations_cannot_become_good_practice(visited, officer, lead):
    finding = make_finding(visited)
    make_recommendation(finding, owner=lead)
    with pytest.raises(ValidationError, match="cannot be recorded as good practice"):
        services.finding_update(finding=finding, by=officer, kind=FindingKind.GOOD_PRACTICE)


# --- Recommendations ---------------------------------------------------------------------------


def test_recommendations_answer_concerns_not_good_practice(visited, officer, lead):
    good = make_finding(visited, kind=FindingKind.GOOD_PRACTICE)
    with pytest.raises(ValidationError, match="not good practice"):
        services.recommendation_create(
            visit=visited, finding=good, by=officer, text="x", owner=lead, due_on=TODAY
        )


def test_the_owner_must_work_at_the_provider_visited(lmns, visited, officer):
    elsewhere = make_user(role=Role.PROVIDER_LEAD, provider=make_provider(lmns))
    with pytest.raises(ValidationError, match="someone at the provider visited"):
        services.recommendation_create(
            visit=visited, finding=make_finding(visited), by=officer, text="x", owner=elsewhere, due_on=TODAY
        )


def test_a_finding_of_another_visit_is_refused(provider, visited, officer, lead):
    other = make_finding(make_visit(provider, created_by=officer))
    with pytest.raises(ValidationError, match="finding of this visit"):
        services.recommendation_create(
            visit=visited, finding=other, by=officer, text="x", owner=lead, due_on=TODAY
        )


def test_the_provider_answers_only_once_the_report_is_issued(visited, lead):
    recommendation = make_recommendation(make_finding(visited), owner=lead)
    with pytest.raises(ValidationError, match="once the visit report has been issued"):
        services.recommendation_respond(recommendation=recommendation, by=lead, text="Started.")


def test_progress_with_evidence_then_closure_then_sent_back_then_closed(visited, officer, lead):
    recommendation = make_recommendation(make_finding(visited), owner=lead)
    services.report_issue(visit=visited, by=officer)

    progress = services.recommendation_respond(
        recommendation=recommendation,
        by=lead,
        text="Audit tool agreed.",
        file=SimpleUploadedFile("audit.pdf", b"%PDF-1.4 audit"),
        evidence_description="Triage audit tool",
    )
    assert progress.kind == UpdateKind.PROGRESS
    assert progress.evidence.provider == visited.provider
    assert progress.evidence.description == "Triage audit tool"
    recommendation.refresh_from_db()
    assert recommendation.status == RecommendationStatus.OPEN

    services.recommendation_respond(
        recommendation=recommendation, by=lead, text="Done.", request_closure=True
    )
    recommendation.refresh_from_db()
    assert recommendation.status == RecommendationStatus.AWAITING_REVIEW
    with pytest.raises(ValidationError, match="reviewing your last answer"):
        services.recommendation_respond(recommendation=recommendation, by=lead, text="More.")

    with pytest.raises(ValidationError, match="still needs to do"):
        services.recommendation_review(recommendation=recommendation, by=officer, close=False, comment=" ")
    services.recommendation_review(
        recommendation=recommendation, by=officer, close=False, comment="Audit 3 months."
    )
    recommendation.refresh_from_db()
    assert recommendation.status == RecommendationStatus.OPEN

    services.recommendation_respond(
        recommendation=recommendation, by=lead, text="Three audits.", request_closure=True
    )
    services.recommendation_review(recommendation=recommendation, by=officer, close=True)
    recommendation.refresh_from_db()
    assert recommendation.status == RecommendationStatus.CLOSED
    assert recommendation.closed_at is not None
    assert list(recommendation.updates.values_list("kind", flat=True)) == [
        UpdateKind.PROGRESS,
        UpdateKind.CLOSURE_REQUESTED,
        UpdateKind.SENT_BACK,
        UpdateKind.CLOSURE_REQUESTED,
        UpdateKind.CLOSED,
    ]
    with pytest.raises(ValidationError, match="closed"):
        services.recommendation_respond(recommendation=recommendation, by=lead, text="Again.")


def test_a_refused_evidence_file_saves_no_answer(visited, officer, lead):
    recommendation = make_recommendation(make_finding(visited), owner=lead)
    services.report_issue(visit=visited, by=officer)
    with pytest.raises(ValidationError):
        services.recommendation_respond(
            recommendation=recommendation,
            by=lead,
            text="See attached.",
            request_closure=True,
            file=SimpleUploadedFile("run.exe", b"MZ\x90\x00 not evidence"),
        )
    recommendation.refresh_from_db()
    assert recommendation.status == RecommendationStatus.OPEN
    assert not recommendation.updates.exists()
    assert not Evidence.objects.exists()


def test_only_an_answer_awaiting_review_can_be_closed(visited, officer, lead):
    recommendation = make_recommendation(make_finding(visited), owner=lead)
    with pytest.raises(ValidationError, match="asked to close"):
        services.recommendation_review(recommendation=recommendation, by=officer, close=True)


# --- The report --------------------------------------------------------------------------------


def test_issuing_needs_a_summary_and_a_finding(provider, officer):
    visit = make_visit(provider, created_by=officer, visit_on=TODAY, status=VisitStatus.VISITED)
    with pytest.raises(ValidationError, match="summary"):
        services.report_issue(visit=visit, by=officer)
    visit.summary = "Safe."
    visit.save()
    with pytest.raises(ValidationError, match="at least one finding"):
        services.report_issue(visit=visit, by=officer)


def test_a_planned_visit_has_no_report_to_issue(provider, officer):
    visit = make_visit(provider, created_by=officer, summary="x")
    make_finding(visit)
    with pytest.raises(ValidationError, match="after the visit"):
        services.report_issue(visit=visit, by=officer)


def test_issue_freezes_the_report_and_tells_each_owner(
    visited, officer, lead, django_capture_on_commit_callbacks
):
    finding = make_finding(visited, description="Triage times missing.")
    make_recommendation(finding, owner=lead, text="Record triage times.")
    with django_capture_on_commit_callbacks(execute=True):
        report = services.report_issue(visit=visited, by=officer)
    visited.refresh_from_db()
    assert visited.status == VisitStatus.REPORT_ISSUED
    assert report.version == 1
    assert report.content["findings"][0]["description"] == "Triage times missing."
    assert report.content["recommendations"][0] | {"due_on": None} == {
        "number": "R1",
        "finding": "F1",
        "text": "Record triage times.",
        "owner": "lead",
        "due_on": None,
    }
    assert [message.to for message in mail.outbox] == [[lead.email]]
    assert report.get_absolute_url() in mail.outbox[0].body
    assert "Record triage times" not in mail.outbox[0].body


def test_a_correction_is_a_new_version_and_the_old_one_stays_as_issued(visited, officer):
    finding = make_finding(visited, description="First wording.")
    first = services.report_issue(visit=visited, by=officer)
    with pytest.raises(ValidationError, match="Nothing has changed"):
        services.report_issue(visit=visited, by=officer, change_note="Again")

    services.finding_update(finding=finding, by=officer, description="Corrected wording.")
    with pytest.raises(ValidationError, match="Say what changed"):
        services.report_issue(visit=visited, by=officer)
    second = services.report_issue(visit=visited, by=officer, change_note="Finding F1 corrected.")

    assert second.version == 2
    first.refresh_from_db()
    assert first.content["findings"][0]["description"] == "First wording."
    assert second.content["findings"][0]["description"] == "Corrected wording."


def test_an_issued_report_cannot_be_changed_or_deleted(visited, officer):
    make_finding(visited)
    report = services.report_issue(visit=visited, by=officer)
    report.change_note = "tampered"
    with pytest.raises(ValidationError):
        report.save()
    with pytest.raises(ValidationError):
        report.delete()
    assert VisitReport.objects.get().change_note == ""


def test_the_report_gives_staff_feedback_without_the_staff_group(visited, officer):
    services.staff_feedback_record(
        visit=visited, by=officer, staff_group="anaesthetist", domain="well_led", feedback="We feel heard."
    )
    content = report_content(visit=visited)
    assert content["staff_feedback"] == [{"domain": "well_led", "feedback": "We feel heard."}]
    assert "anaesthetist" not in str(content).lower()


def test_findings_are_numbered_in_domain_order_and_recommendations_follow_them(visited, officer, lead):
    led = make_finding(visited, domain="well_led", description="Leadership")
    safe = make_finding(visited, domain="safe", description="Safety")
    make_recommendation(led, owner=lead, text="For leadership")
    make_recommendation(safe, owner=lead, text="For safety")
    content = report_content(visit=visited)
    assert [(f["number"], f["description"]) for f in content["findings"]] == [
        ("F1", "Safety"),
        ("F2", "Leadership"),
    ]
    assert [(r["number"], r["finding"], r["text"]) for r in content["recommendations"]] == [
        ("R1", "F1", "For safety"),
        ("R2", "F2", "For leadership"),
    ]


def test_with_no_safety_lead_to_email_the_concern_is_not_marked_escalated(visited, officer):
    finding = services.finding_record(
        visit=visited, by=officer, domain="safe", kind=FindingKind.IMMEDIATE, description="No CTG paper."
    )
    assert finding.escalated_at is None


def test_a_visit_with_findings_cannot_be_cancelled(provider, officer):
    visit = make_visit(provider, created_by=officer, visit_on=TODAY)
    make_finding(visit)
    with pytest.raises(ValidationError, match="mark it visited instead"):
        services.visit_transition(visit=visit, to_status=VisitStatus.CANCELLED, by=officer)
