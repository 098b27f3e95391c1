"""Fictional assurance visits for the demonstration LMNS (see lmns.demo): one visit to
Northshire with its report issued and recommendations at each stage, and two planned. The visits
use the CQC five key questions template, and one planned visit the LMNS's own version of NHS
England's maternity self-assessment tool, made and published with two keys.

Running it again changes nothing: it only adds visits to an LMNS that has none.
"""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from assurance.models import VisitTemplate
from assurance.visits import services, template_services
from assurance.visits.models import CqcDomain, FindingKind, Visit, VisitStatus, VisitType
from assurance.visits.template_files import load_template_files
from lmns.models import Lmns

TEAM = [
    ("Olivia Officer", "LMNS quality and safety officer"),
    ("Priya Shah", "LMNS lead midwife"),
    ("Morgan Ellis", "Maternity and Neonatal Voices Partnership representative"),
]


@transaction.atomic
def demo_seed(*, lmns: Lmns) -> None:
    if Visit.objects.filter(provider__lmns=lmns).exists():
        return
    users = {user.username: user for user in get_user_model().objects.filter(username__startswith="demo.")}
    officer, lead, contributor = users["demo.officer"], users["demo.lead"], users["demo.contributor"]
    providers = {provider.ods_code: provider for provider in lmns.providers.all()}
    today = timezone.localdate()
    load_template_files()  # idempotent: the templates are reference data, as frameworks are
    cqc = VisitTemplate.objects.get(slug="cqc-five-key-questions")
    local = _local_self_assessment(lmns=lmns, officer=officer, safety_lead=users["demo.safetylead"])

    zza = providers["ZZA"]
    visit = services.visit_create(
        provider=zza,
        by=officer,
        visit_on=today - timedelta(days=75),
        visit_type=VisitType.ROUTINE,
        purpose="Annual routine assurance visit to the obstetric unit and birth centre.",
        units=zza.units.filter(ods_site_code__in=["ZZA01", "ZZA02"]),
        team=TEAM,
        template=cqc,
    )
    services.visit_transition(visit=visit, to_status=VisitStatus.VISITED, by=officer)
    record = {
        "good": (
            CqcDomain.CARING,
            FindingKind.GOOD_PRACTICE,
            "Birth centre staff explain choices clearly; "
            "the personalised care plans seen were complete and reflected what families asked for.",
        ),
        "triage": (
            CqcDomain.SAFE,
            FindingKind.CONCERN,
            "Maternity triage: the time from arrival to first "
            "assessment was not recorded for a third of the attendances sampled.",
        ),
        "ctg": (
            CqcDomain.EFFECTIVE,
            FindingKind.IMPROVEMENT,
            "Fresh-eyes reviews of CTGs are done but the "
            "hourly review is not documented consistently on the night shift.",
        ),
        "coordinator": (
            CqcDomain.WELL_LED,
            FindingKind.IMMEDIATE,
            "The labour ward coordinator was not "
            "supernumerary on the day of the visit and there was no escalation recorded.",
        ),
    }
    findings = {
        key: services.finding_record(visit=visit, by=officer, domain=domain, kind=kind, description=text)
        for key, (domain, kind, text) in record.items()
    }
    services.staff_feedback_record(
        visit=visit,
        by=officer,
        staff_group="midwife",
        domain=CqcDomain.WELL_LED,
        feedback="Staff said they feel able to raise concerns with the ward manager and get feedback.",
    )
    overdue = services.recommendation_create(
        visit=visit,
        finding=findings["triage"],
        by=officer,
        text="Record the time of first assessment for every triage attendance and audit it monthly.",
        owner=lead,
        due_on=today - timedelta(days=10),
    )
    awaiting = services.recommendation_create(
        visit=visit,
        finding=findings["ctg"],
        by=officer,
        text="Add the hourly fresh-eyes review to the night-shift handover checklist.",
        owner=contributor,
        due_on=today + timedelta(days=20),
    )
    closed = services.recommendation_create(
        visit=visit,
        finding=findings["coordinator"],
        by=officer,
        text="Agree and publish the escalation route when the coordinator cannot stay supernumerary.",
        owner=lead,
        due_on=today - timedelta(days=40),
    )
    visit.summary = (
        "A caring, well-organised service with clear escalation gaps on the day. Triage timings and the "
        "coordinator's supernumerary status need attention; the birth centre is an example of good practice."
    )
    visit.save(update_fields=["summary"])
    services.report_issue(visit=visit, by=officer)
    services.recommendation_respond(
        recommendation=awaiting,
        by=contributor,
        text="The checklist has been updated and is in use on every shift.",
        request_closure=True,
        url="https://intranet.example.invalid/maternity/handover-checklist",
        evidence_description="Night-shift handover checklist, version 3",
    )
    services.recommendation_respond(
        recommendation=closed,
        by=lead,
        text="Escalation flowchart agreed at the maternity governance meeting and on every ward.",
        request_closure=True,
    )
    services.recommendation_review(recommendation=closed, by=officer, close=True, comment="Seen on the ward.")
    services.recommendation_respond(
        recommendation=overdue,
        by=lead,
        text="The triage record has a new field; the first audit is being collected.",
    )

    for ods_code, days, visit_type in (("ZZB", 21, VisitType.OCKENDEN), ("ZZC", 45, VisitType.TARGETED)):
        provider = providers[ods_code]
        services.visit_create(
            provider=provider,
            by=officer,
            visit_on=today + timedelta(days=days),
            visit_type=visit_type,
            purpose="Ockenden compliance check."
            if visit_type == VisitType.OCKENDEN
            else ("Prompted by a rise in term admissions to the neonatal unit."),
            units=provider.units.all()[:1],
            team=TEAM[:2],
            template=cqc if visit_type == VisitType.OCKENDEN else local,
        )


def _local_self_assessment(*, lmns: Lmns, officer, safety_lead) -> VisitTemplate:
    """The demo LMNS's copy of the shipped self-assessment draft: the officer prepares it and the
    safety lead publishes it, the two keys any template needs."""
    source = VisitTemplate.objects.get(slug="nhse-maternity-self-assessment")
    draft = template_services.visit_template_copy(
        source=source,
        by=officer,
        name="Maternity self-assessment (six elements)",
        version="Demo LMNS 2026",
        lmns=lmns,
        change_note="The LMNS's version for targeted visits; wording still to be checked against the tool.",
    )
    template_services.visit_template_prepare(template=draft, by=officer)
    return template_services.visit_template_publish(template=draft, by=safety_lead)
