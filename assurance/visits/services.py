"""Every change to an assurance visit: planning it, recording what is found on the day,
issuing its report, and following each recommendation until the LMNS closes it.

Keyword-only and atomic; a rule that refuses a change raises ValidationError with a
message for the user, so nothing is half-saved. Callers check access first.
"""

from collections.abc import Iterable
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.utils import timezone

from assurance.models import VisitTemplate
from assurance.services import evidence_add
from assurance.visits.models import (
    Finding,
    FindingKind,
    KeyLineOfEnquiry,
    Recommendation,
    RecommendationStatus,
    RecommendationUpdate,
    StaffFeedback,
    UpdateKind,
    Visit,
    VisitReport,
    VisitStatus,
    VisitTeamMember,
)
from assurance.visits.selectors import report_content
from lmns import access
from lmns import services as lmns_services
from lmns.models import Provider, Unit
from lmns.notifications import absolute_url, long_date
from lmns.work_email.models import WorkKind
from lmns.work_email.services import work_arrived

VISIT_FIELDS = ("visit_on", "visit_type", "purpose", "summary")


# --- Planning -----------------------------------------------------------------------------------


def _check_units(provider: Provider, units: Iterable[Unit]) -> list[Unit]:
    units = list(units)
    if any(unit.provider_id != provider.pk for unit in units):
        raise ValidationError({"units": "Choose units of the provider visited."})
    return units


def _replace_team(visit: Visit, team: Iterable[tuple[str, str]]):
    visit.team.all().delete()
    VisitTeamMember.objects.bulk_create(VisitTeamMember(visit=visit, name=n, role=r) for n, r in team)


def _set_lines(visit: Visit, entries: list[dict]):
    visit.lines_of_enquiry.all().delete()
    KeyLineOfEnquiry.objects.bulk_create(
        KeyLineOfEnquiry(visit=visit, position=position, **entry) for position, entry in enumerate(entries)
    )


def _template_lines(template: VisitTemplate) -> list[dict]:
    """The template's wording, copied: a later version of the template leaves this visit as it was."""
    return [
        {"domain": section.code, "code": line.code, "text": line.prompt, "guidance": line.guidance}
        for section in template.sections.prefetch_related("lines")
        for line in section.lines.all()
    ]


def _edited_lines(visit: Visit, lines: dict[str, list[str]]) -> list[dict]:
    """The visit team's lines per section; one whose wording is unchanged keeps its code and guidance."""
    kept = {(line.domain, line.text): line for line in visit.lines_of_enquiry.all()}
    entries = []
    for section, _title in visit.sections():
        for text in lines.get(section, []):
            old = kept.get((section, text))
            entries.append(
                {
                    "domain": section,
                    "text": text,
                    "code": old.code if old else "",
                    "guidance": old.guidance if old else "",
                }
            )
    return entries


def _check_template(template: VisitTemplate, provider: Provider):
    if not template.is_published:
        raise ValidationError({"template": f"{template} is not published, so a visit cannot use it yet."})
    if template.lmns_id not in (None, provider.lmns_id):
        raise ValidationError({"template": "Choose a template of the provider's LMNS, or a national one."})


@transaction.atomic
def visit_create(
    *,
    provider: Provider,
    by,
    visit_on: date,
    visit_type: str,
    purpose: str = "",
    template: VisitTemplate,
    units: Iterable[Unit] = (),
    team: Iterable[tuple[str, str]] = (),
) -> Visit:
    """Plan a visit: who goes, to which units, and the template whose lines of enquiry it asks,
    copied into the visit so that the team can adjust them for this visit."""
    units = _check_units(provider, units)
    _check_template(template, provider)
    visit = Visit(
        provider=provider,
        visit_on=visit_on,
        visit_type=visit_type,
        purpose=purpose,
        template=template,
        created_by=by,
    )
    visit.full_clean()
    visit.save()
    visit.units.set(units)
    _replace_team(visit, team)
    _set_lines(visit, _template_lines(template))
    return visit


@transaction.atomic
def visit_update(
    *,
    visit: Visit,
    by,
    units: Iterable[Unit] = (),
    team: Iterable[tuple[str, str]] = (),
    lines: dict[str, list[str]] | None = None,
    **fields,
) -> Visit:
    if unknown := fields.keys() - set(VISIT_FIELDS):
        raise ValueError(f"{', '.join(sorted(unknown))} cannot be changed by editing.")
    visit = Visit.objects.select_for_update().get(pk=visit.pk)
    if visit.status in {VisitStatus.CLOSED, VisitStatus.CANCELLED}:
        raise ValidationError(f"This visit is {visit.get_status_display().lower()}; it can no longer change.")
    if visit.status != VisitStatus.PLANNED and fields.get("visit_on", visit.visit_on) > timezone.localdate():
        raise ValidationError({"visit_on": "The visit has taken place: its date cannot be in the future."})
    if fields.get("visit_on", visit.visit_on) > timezone.localdate() and (
        visit.findings.exists() or visit.staff_feedback.exists()
    ):
        raise ValidationError(
            {"visit_on": "Findings are recorded for this visit, so its date cannot be in the future."}
        )
    units = _check_units(visit.provider, units)
    for name, value in fields.items():
        setattr(visit, name, value)
    visit.full_clean()
    visit.save()
    visit.units.set(units)
    _replace_team(visit, team)
    _set_lines(visit, _edited_lines(visit, lines or {}))
    return visit


@transaction.atomic
def visit_transition(*, visit: Visit, to_status: str, by) -> Visit:
    """Move a visit along its path. Issuing the report has its own service."""
    visit = Visit.objects.select_for_update().get(pk=visit.pk)
    current, target = VisitStatus(visit.status), VisitStatus(to_status)
    if target not in visit.allowed_transitions():
        raise ValidationError(
            f"A visit that is {current.label.lower()} cannot become {target.label.lower()}."
        )
    if target == VisitStatus.REPORT_ISSUED:
        raise ValidationError("Issue the report from the report page: it records what was issued.")
    if target == VisitStatus.CANCELLED and visit.findings.exists():
        raise ValidationError("Findings are recorded, so the visit took place: mark it visited instead.")
    if target == VisitStatus.VISITED and visit.visit_on > timezone.localdate():
        raise ValidationError(
            f"The visit is planned for {long_date(visit.visit_on)}; it cannot be marked visited before then."
        )
    if target == VisitStatus.CLOSED and (
        open_count := visit.recommendations.exclude(status=RecommendationStatus.CLOSED).count()
    ):
        raise ValidationError(
            f"{open_count} recommendation{'s are' if open_count > 1 else ' is'} not closed yet. "
            "Close every recommendation before closing the visit."
        )
    visit.status = target
    visit.save(update_fields=["status", "updated_at"])
    return visit


# --- On the day ---------------------------------------------------------------------------------


def _check_open_for_findings(visit: Visit):
    if not visit.is_open_for_findings:
        raise ValidationError(
            f"This visit is {visit.get_status_display().lower()}; nothing more can be recorded."
        )
    if not visit.has_taken_place:
        raise ValidationError(
            f"The visit is planned for {long_date(visit.visit_on)}: record what it finds from that day."
        )


def _escalate(finding: Finding):
    """Tell the LMNS's safety leads of an immediate safety concern, once, as soon as it is saved.
    With no safety lead to email, ``escalated_at`` stays empty and the page says so.

    The email names the provider, the visit and the section and links to the finding;
    the description stays behind sign-in, as in every other email this product sends.
    """
    visit = finding.visit
    leads = sorted(
        set(
            access.users_who_can("act_on_immediate_concern", visit.provider)
            .exclude(email="")
            .values_list("email", flat=True)
        )
    )
    body = render_to_string(
        "assurance/email/immediate_safety_concern.txt",
        {
            "visit": visit,
            "finding": finding,
            "visit_date": long_date(visit.visit_on),
            "url": absolute_url(visit.get_absolute_url()),
        },
    )
    subject = f"Immediate safety concern: visit to {visit.provider.name}"
    for email in leads:
        lmns_services.email_queue(to=[email], subject=subject, body=body)
    # Recorded only when someone was told, so the page never claims an email that did not go.
    if leads:
        finding.escalated_at = timezone.now()
        finding.save(update_fields=["escalated_at"])


@transaction.atomic
def finding_record(
    *, visit: Visit, by, domain: str, kind: str, description: str, unit: Unit | None = None
) -> Finding:
    """Record a finding; an immediate safety concern goes to the LMNS safety lead at once."""
    _check_open_for_findings(visit)
    finding = Finding(
        visit=visit, domain=domain, kind=kind, description=description, unit=unit, recorded_by=by
    )
    finding.full_clean()
    finding.save()
    if finding.is_immediate:
        _escalate(finding)
    return finding


@transaction.atomic
def finding_update(*, finding: Finding, by, **fields) -> Finding:
    finding = Finding.objects.select_for_update().select_related("visit__provider").get(pk=finding.pk)
    _check_open_for_findings(finding.visit)
    if fields.get("kind") == FindingKind.GOOD_PRACTICE and finding.recommendations.exists():
        raise ValidationError(
            {"kind": "This finding has recommendations, so it cannot be recorded as good practice."}
        )
    for name, value in fields.items():
        setattr(finding, name, value)
    finding.full_clean()
    finding.save()
    if finding.is_immediate and finding.escalated_at is None:
        _escalate(finding)
    return finding


@transaction.atomic
def staff_feedback_record(*, visit: Visit, by, staff_group: str, domain: str, feedback: str) -> StaffFeedback:
    _check_open_for_findings(visit)
    item = StaffFeedback(
        visit=visit, staff_group=staff_group, domain=domain, feedback=feedback, recorded_by=by
    )
    item.full_clean()
    item.save()
    return item


# --- Recommendations ----------------------------------------------------------------------------


@transaction.atomic
def recommendation_create(
    *, visit: Visit, finding: Finding, by, text: str, owner, due_on: date
) -> Recommendation:
    _check_open_for_findings(visit)
    recommendation = Recommendation(
        visit=visit, finding=finding, text=text, owner=owner, due_on=due_on, created_by=by
    )
    recommendation.full_clean()
    recommendation.save()
    return recommendation


@transaction.atomic
def recommendation_update(*, recommendation: Recommendation, by, **fields) -> Recommendation:
    recommendation = Recommendation.objects.select_for_update().get(pk=recommendation.pk)
    if recommendation.status == RecommendationStatus.CLOSED:
        raise ValidationError("This recommendation is closed; it can no longer change.")
    _check_open_for_findings(recommendation.visit)
    for name in ("finding", "text", "owner", "due_on"):
        if name in fields:
            setattr(recommendation, name, fields[name])
    recommendation.full_clean()
    recommendation.save()
    return recommendation


@transaction.atomic
def recommendation_respond(
    *,
    recommendation: Recommendation,
    by,
    text: str,
    request_closure: bool = False,
    evidence_description: str = "",
    file=None,
    url: str = "",
) -> RecommendationUpdate:
    """The provider's answer: progress so far, optionally with evidence, and whether it
    is done and should be closed. Evidence joins the provider's evidence library."""
    recommendation = (
        Recommendation.objects.select_for_update().select_related("visit__provider").get(pk=recommendation.pk)
    )
    if not recommendation.visit.report_issued:
        raise ValidationError("Recommendations are answered once the visit report has been issued.")
    if recommendation.status == RecommendationStatus.CLOSED:
        raise ValidationError("This recommendation is closed.")
    if recommendation.status == RecommendationStatus.AWAITING_REVIEW:
        raise ValidationError("The LMNS is reviewing your last answer; wait for it to close or send it back.")
    if not text.strip():
        raise ValidationError({"text": "Describe the progress made."})
    evidence = None
    if file or url:
        evidence = evidence_add(
            provider=recommendation.visit.provider,
            by=by,
            description=(
                evidence_description.strip() or f"Evidence for visit recommendation {recommendation.pk}"
            )[:300],
            effective_from=timezone.localdate(),
            file=file,
            url=url,
        )
    update = RecommendationUpdate.objects.create(
        recommendation=recommendation,
        kind=UpdateKind.CLOSURE_REQUESTED if request_closure else UpdateKind.PROGRESS,
        text=text.strip(),
        evidence=evidence,
        by=by,
    )
    if request_closure:
        recommendation.status = RecommendationStatus.AWAITING_REVIEW
        recommendation.save(update_fields=["status"])
        # Progress alone asks nothing of the LMNS; asking to close puts it in their queue.
        work_arrived(
            kind=WorkKind.CLOSURE_REQUESTED,
            url=recommendation.get_absolute_url(),
            by=by,
            organisation=recommendation.visit.provider,
        )
    return update


@transaction.atomic
def recommendation_review(
    *, recommendation: Recommendation, by, close: bool, comment: str = ""
) -> Recommendation:
    """The LMNS's decision on an answer: close the recommendation, or send it back saying why."""
    recommendation = Recommendation.objects.select_for_update().get(pk=recommendation.pk)
    if recommendation.status != RecommendationStatus.AWAITING_REVIEW:
        raise ValidationError(
            "Only a recommendation the provider has asked to close can be closed or sent back."
        )
    if not close and not comment.strip():
        raise ValidationError({"comment": "Say what the provider still needs to do."})
    RecommendationUpdate.objects.create(
        recommendation=recommendation,
        kind=UpdateKind.CLOSED if close else UpdateKind.SENT_BACK,
        text=comment.strip(),
        by=by,
    )
    recommendation.status = RecommendationStatus.CLOSED if close else RecommendationStatus.OPEN
    recommendation.closed_at = timezone.now() if close else None
    recommendation.save(update_fields=["status", "closed_at"])
    return recommendation


# --- The report ---------------------------------------------------------------------------------


@transaction.atomic
def report_issue(*, visit: Visit, by, change_note: str = "") -> VisitReport:
    """Freeze the draft report as the next version, and tell each recommendation's owner.

    The first issue moves the visit to "report issued"; a later one records a correction
    as a new version, saying what changed, and leaves every earlier version as it was.
    """
    visit = Visit.objects.select_for_update().select_related("provider").get(pk=visit.pk)
    if visit.status not in {VisitStatus.VISITED, VisitStatus.REPORT_ISSUED}:
        raise ValidationError("A report is issued after the visit, and before the visit is closed.")
    if not visit.summary.strip():
        raise ValidationError("Write the report summary (edit the visit) before issuing the report.")
    if not visit.findings.exists():
        raise ValidationError("Record at least one finding before issuing the report.")
    content = report_content(visit=visit)
    latest = visit.reports.order_by("-version").first()
    if latest and latest.content == content:
        raise ValidationError(f"Nothing has changed since version {latest.version} was issued.")
    if latest and not change_note.strip():
        raise ValidationError({"change_note": "Say what changed since the previous version, and why."})
    version = (visit.reports.aggregate(Max("version"))["version__max"] or 0) + 1
    report = VisitReport(
        visit=visit, version=version, content=content, change_note=change_note.strip(), issued_by=by
    )
    report.full_clean()
    report.save()
    if visit.status == VisitStatus.VISITED:
        visit.status = VisitStatus.REPORT_ISSUED
        visit.save(update_fields=["status", "updated_at"])
    _tell_owners(visit=visit, report=report)
    return report


def _tell_owners(*, visit: Visit, report: VisitReport):
    outstanding = (
        visit.recommendations.exclude(status=RecommendationStatus.CLOSED)
        .exclude(owner__email="")
        .select_related("owner")
    )
    by_owner = {}
    for recommendation in outstanding:
        by_owner.setdefault(recommendation.owner, []).append(recommendation)
    for owner, recommendations in by_owner.items():
        body = render_to_string(
            "assurance/email/report_issued.txt",
            {
                "owner": owner,
                "visit": visit,
                "report": report,
                "visit_date": long_date(visit.visit_on),
                "recommendations": [
                    (long_date(item.due_on), absolute_url(item.get_absolute_url()))
                    for item in recommendations
                ],
                "url": absolute_url(report.get_absolute_url()),
            },
        )
        lmns_services.email_queue(
            to=[owner.email],
            subject=f"LMNS visit report issued: {visit.provider.name}, version {report.version}",
            body=body,
        )
