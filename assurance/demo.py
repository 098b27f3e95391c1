"""Fictional compliance positions for the demonstration LMNS (see lmns.demo).

Needs the frameworks loaded (`manage.py load_frameworks`); skips those that are not.
Running it again changes nothing: it only fills assessments it has just started.
"""

from contextlib import contextmanager
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from assurance import services
from assurance.models import Assessment, Framework, FrameworkStatus, RequirementAssessment, Status
from lmns.models import Lmns

MIS = "cnst-mis-year-6"
OCKENDEN_INTERIM = "ockenden-interim-2020"

# A small, valid PDF: demo evidence must pass the same content checks as real uploads.
DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def _item(assessment, code) -> RequirementAssessment:
    return assessment.items.get(requirement__code=code)


@transaction.atomic
def demo_seed(*, lmns: Lmns) -> None:
    frameworks = {
        framework.slug: framework for framework in Framework.objects.filter(slug__in=[MIS, OCKENDEN_INTERIM])
    }
    if MIS not in frameworks:
        return
    users = {user.username: user for user in get_user_model().objects.filter(username__startswith="demo.")}
    providers = {provider.ods_code: provider for provider in lmns.providers.all()}
    today = timezone.localdate()

    fresh = {
        ods: not Assessment.objects.filter(provider=provider, framework=frameworks[MIS]).exists()
        for ods, provider in providers.items()
    }
    with _as_it_was_in_force(frameworks[MIS]):
        _seed_mis(frameworks, providers, fresh, users, today)


@contextmanager
def _as_it_was_in_force(framework: Framework):
    """Year 6 is closed now; the demo's positions on it are those recorded while it was in force."""
    closed = framework.status == FrameworkStatus.CLOSED
    if closed:
        Framework.objects.filter(pk=framework.pk).update(status=FrameworkStatus.PUBLISHED)
        framework.status = FrameworkStatus.PUBLISHED
    try:
        yield
    finally:
        if closed:
            Framework.objects.filter(pk=framework.pk).update(status=FrameworkStatus.CLOSED)
            framework.status = FrameworkStatus.CLOSED


def _seed_mis(frameworks, providers, fresh, users, today) -> None:
    lead, officer, vale = users["demo.lead"], users["demo.officer"], users["demo.lead.vale"]
    mis = {
        ods: services.assessment_start(provider=provider, framework=frameworks[MIS], by=lead)
        for ods, provider in providers.items()
    }

    if fresh["ZZA"]:
        zza = mis["ZZA"]
        for code in ("SA1.1", "SA1.2", "SA1.3", "SA1.4"):
            services.item_update(
                item=_item(zza, code),
                by=lead,
                status=Status.MET,
                commentary="Audited quarterly; see the PMRT report.",
            )
        services.item_update(
            item=_item(zza, "SA1.5"),
            by=lead,
            status=Status.PARTIALLY_MET,
            commentary="Two of four quarterly reports reached the Board.",
            action_plan="Schedule the PMRT report as a standing Board item each quarter.",
            action_owner="Director of Midwifery",
            action_due_on=today + timedelta(days=45),
        )
        items = [_item(zza, f"SA1.{n}") for n in range(1, 6)]
        supports = [items[4]]
        if OCKENDEN_INTERIM in frameworks:
            ockenden = services.assessment_start(
                provider=providers["ZZA"], framework=frameworks[OCKENDEN_INTERIM], by=lead
            )
            supports.append(_item(ockenden, "IEA1.3"))
        services.evidence_add(
            provider=providers["ZZA"],
            by=lead,
            description="Quarterly PMRT report to the Trust Board (quarter 2)",
            effective_from=today - timedelta(days=60),
            expires_on=today + timedelta(days=300),
            file=ContentFile(DEMO_PDF, name="pmrt-board-report-q2.pdf"),
            items=supports,
        )
        services.assessment_submit(items=items, by=lead)
        for item in items[:3]:
            services.item_verify(item=item, by=officer, accept=True)
        services.item_verify(
            item=items[3],
            by=officer,
            accept=False,
            comment="Please add the audit of the 2-month review start times.",
        )

    if fresh["ZZB"]:
        zzb = mis["ZZB"]
        items = list(zzb.items.filter(requirement__action__code="SA2"))
        for item in items:
            services.item_update(
                item=item, by=vale, status=Status.MET, commentary="Monthly MSDS submissions on time."
            )
        services.assessment_submit(items=items, by=vale)
        for item in items:
            services.item_verify(item=item, by=officer, accept=True)
