"""Reads for assurance visits: the report's content, the pre-visit pack, the default scope."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, Q
from django.utils import timezone

from assurance.models import Framework
from assurance.selectors import compliance_matrix
from assurance.visits.models import CqcDomain, Recommendation, Visit
from incidents.models import (
    MODERATE_OR_WORSE,
    Incident,
    IncidentStatus,
    Learning,
    PhysicalHarm,
    ReferralBody,
    ResponseType,
    SafetyAction,
    referral_exists,
)
from lmns.access import get_for_user
from lmns.exports import person as _person
from lmns.models import Provider
from workforce import selectors as workforce_selectors
from workforce.selectors import LatestFigure


def visit_with_sections(queryset):
    """Visits with their template's sections read in one query, for pages that label each record."""
    return queryset.select_related("template").prefetch_related("template__sections")


@dataclass
class SectionLines:
    code: str
    title: str
    lines: list


def lines_by_section(visit: Visit) -> list[SectionLines]:
    """The visit's lines of enquiry under each section of its template, in the template's order."""
    sections = {code: SectionLines(code=code, title=title, lines=[]) for code, title in visit.sections()}
    for line in visit.lines_of_enquiry.all():
        sections.setdefault(line.domain, SectionLines(code=line.domain, title=line.domain, lines=[]))
        sections[line.domain].lines.append(line)
    return [section for section in sections.values() if section.lines]


# --- The report ---------------------------------------------------------------------------------


def report_content(*, visit: Visit) -> dict:
    """What the report says, as plain data: the draft is drawn from it live, and an issued
    version stores it, so both print the same way. Staff feedback goes in without the staff
    group, so that what someone said cannot be traced to them through a small team."""
    order = visit.section_position
    findings = sorted(visit.findings.select_related("unit"), key=lambda f: (order(f.domain), f.pk))
    numbers = {finding.pk: number for number, finding in enumerate(findings, start=1)}
    recommendations = sorted(
        visit.recommendations.select_related("owner"), key=lambda r: (numbers[r.finding_id], r.pk)
    )
    feedback = sorted(visit.staff_feedback.all(), key=lambda item: (order(item.domain), item.pk))
    content = {
        "provider": {"name": visit.provider.name, "ods_code": visit.provider.ods_code},
        "visit_on": visit.visit_on.isoformat(),
        "visit_type": visit.get_visit_type_display(),
        "units": [unit.name for unit in visit.units.all()],
        "team": [{"name": member.name, "role": member.role} for member in visit.team.all()],
        "purpose": visit.purpose,
        "summary": visit.summary,
        "lines_of_enquiry": [
            {"domain": line.domain, "text": line.text}
            for line in sorted(
                visit.lines_of_enquiry.all(), key=lambda line: (order(line.domain), line.position)
            )
        ],
        "findings": [
            {
                "number": f"F{numbers[finding.pk]}",
                "domain": finding.domain,
                "kind": finding.kind,
                "kind_label": finding.get_kind_display(),
                "unit": finding.unit.name if finding.unit else "",
                "description": finding.description,
            }
            for finding in findings
        ],
        "staff_feedback": [{"domain": item.domain, "feedback": item.feedback} for item in feedback],
        "recommendations": [
            {
                "number": f"R{position}",
                "finding": f"F{numbers[recommendation.finding_id]}",
                "text": recommendation.text,
                "owner": _person(recommendation.owner),
                "due_on": recommendation.due_on.isoformat(),
            }
            for position, recommendation in enumerate(recommendations, start=1)
        ],
    }
    if visit.template_id:
        # A visit planned before templates has no key: its report reads as it always did, and an
        # issued version of it still compares equal to an unchanged draft.
        content["template"] = str(visit.template)
        content["sections"] = [{"code": code, "title": title} for code, title in visit.sections()]
    return content


def content_sections(content: dict) -> list[tuple[str, str]]:
    """(code, title) of a report's sections: its template's, or the CQC's five key questions."""
    if "sections" in content:
        return [(section["code"], section["title"]) for section in content["sections"]]
    return list(CqcDomain.choices)


@dataclass
class DomainSection:
    label: str
    lines: list = field(default_factory=list)
    findings: list = field(default_factory=list)
    feedback: list = field(default_factory=list)


@dataclass
class ReportView:
    """Report content arranged for reading: immediate concerns first, then each domain."""

    content: dict
    visit_on: date
    domains: list[DomainSection]
    labels: dict[str, str]
    immediate: list
    good_practice: list
    recommendations: list


def report_view(content: dict) -> ReportView:
    domains = {code: DomainSection(label=title) for code, title in content_sections(content)}
    for line in content["lines_of_enquiry"]:
        domains[line["domain"]].lines.append(line["text"])
    for finding in content["findings"]:
        domains[finding["domain"]].findings.append(finding)
    for item in content["staff_feedback"]:
        domains[item["domain"]].feedback.append(item["feedback"])
    recommendations = [
        {**item, "due_on": date.fromisoformat(item["due_on"])} for item in content["recommendations"]
    ]
    return ReportView(
        content=content,
        visit_on=date.fromisoformat(content["visit_on"]),
        domains=list(domains.values()),
        labels={code: section.label for code, section in domains.items()},
        immediate=[f for f in content["findings"] if f["kind"] == "immediate"],
        good_practice=[f for f in content["findings"] if f["kind"] == "good_practice"],
        recommendations=recommendations,
    )


# --- The pre-visit pack -------------------------------------------------------------------------


@dataclass
class CompliancePosition:
    framework: Framework
    assessment_id: int | None
    actions: int
    met: int
    verified: int


@dataclass
class PreVisitPack:
    """What the LMNS already knows about a provider before it visits."""

    provider: object
    since: date
    today: date
    harm_labels: list[str]
    incidents_by_type: list[tuple[str, list[int], int]]
    incident_total: int
    moderate_or_worse: int
    mnsi_referrals: int
    pmrt_notifications: int
    open_psiis: int
    learning_shared: int
    open_actions: list
    overdue_actions: int
    compliance: list[CompliancePosition]
    open_recommendations: list
    overdue_recommendations: int
    # Speaking up: counts only, suppressed, as anyone who sees the provider may read them.
    ftsu_quarters: list[str]
    ftsu_counts: list[str]
    workforce: list[LatestFigure]


def previsit_pack(*, visit: Visit, user, today: date | None = None) -> PreVisitPack:
    """Incidents of the last twelve months by type and harm, open safety actions, the
    compliance position on every framework, recommendations still open from earlier visits,
    Freedom to Speak Up counts of the last four quarters and the latest workforce figures.

    The provider is read through ``user``'s door (404 if out of their scope): everything below
    is that provider's, which whoever sees the provider may read (FTSU as counts only)."""
    provider = get_for_user(Provider.objects, user, pk=visit.provider_id)
    today = today or timezone.localdate()
    since = today - timedelta(days=365)
    incidents = Incident.objects.filter(provider=provider, occurred_on__gt=since)
    harms = list(PhysicalHarm)
    counts = {}
    for row in incidents.values("incident_type__name", "physical_harm").annotate(n=Count("pk")).order_by():
        counts.setdefault(row["incident_type__name"], dict.fromkeys(harms, 0))[row["physical_harm"]] = row[
            "n"
        ]
    by_type = sorted(
        ((name, [cells[harm] for harm in harms], sum(cells.values())) for name, cells in counts.items()),
        key=lambda row: (-row[2], row[0]),
    )
    totals = incidents.aggregate(
        total=Count("pk"),
        serious=Count("pk", filter=MODERATE_OR_WORSE),
        mnsi=Count("pk", filter=Q(mnsi_referred_on__isnull=False)),
        pmrt=Count("pk", filter=Q(referral_exists(ReferralBody.PMRT))),
    )
    open_psiis = (
        Incident.objects.filter(provider=provider, response_type=ResponseType.PSII)
        .exclude(status=IncidentStatus.CLOSED)
        .count()
    )
    actions = list(
        SafetyAction.objects.filter(provider=provider)
        .outstanding()
        .select_related("owner")
        .order_by("due_on")
    )
    frameworks = Framework.objects.filter(assessments__provider=provider).distinct()
    compliance = []
    for framework in frameworks:
        actions_of, (row,) = compliance_matrix(framework=framework, providers=[provider], today=today)
        compliance.append(
            CompliancePosition(
                framework=framework,
                assessment_id=row.assessment_id,
                actions=len(actions_of),
                met=row.actions_met,
                verified=row.actions_verified,
            )
        )
    quarters = workforce_selectors.recent_quarters(today=today)
    recommendations = list(
        Recommendation.objects.filter(visit__provider=provider)
        .outstanding()
        .exclude(visit=visit)
        .select_related("visit", "owner", "finding")
        .order_by("due_on")
    )
    return PreVisitPack(
        provider=provider,
        since=since,
        today=today,
        harm_labels=[harm.label for harm in harms],
        incidents_by_type=by_type,
        incident_total=totals["total"],
        moderate_or_worse=totals["serious"],
        mnsi_referrals=totals["mnsi"],
        pmrt_notifications=totals["pmrt"],
        open_psiis=open_psiis,
        learning_shared=Learning.objects.filter(provider=provider)
        .shared_between(since + timedelta(days=1), today + timedelta(days=1))
        .count(),
        open_actions=actions,
        overdue_actions=sum(action.due_on < today for action in actions),
        compliance=compliance,
        open_recommendations=recommendations,
        overdue_recommendations=sum(r.due_on < today for r in recommendations),
        ftsu_quarters=[quarter.short_label for quarter in quarters],
        ftsu_counts=workforce_selectors.provider_ftsu_counts(provider=provider, quarters=quarters),
        workforce=workforce_selectors.latest_figures(provider=provider, end=today),
    )
