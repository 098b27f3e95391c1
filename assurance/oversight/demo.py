"""Fictional external concerns and oversight for the demonstration LMNS (see lmns.demo): a
coroner's Regulation 28 report to Vale Valley with its response due, an NHS Resolution notice
answered, a CQC maternity rating per provider, and Vale Valley on enhanced oversight.

Running it again changes nothing: it only adds records to an LMNS that has none. The CQC report
links point at the CQC's search page, as the providers are made up.
"""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from assurance.oversight import services
from assurance.oversight.models import ConcernSource, CqcRating, ExternalConcern, OversightLevel
from lmns.models import Lmns

CQC_SEARCH = "https://www.cqc.org.uk/search/services/hospitals"

RATINGS = {
    # ODS code: (overall, safe, effective, caring, responsive, well-led)
    "ZZA": ("good", "good", "good", "outstanding", "good", "good"),
    "ZZB": (
        "requires_improvement",
        "inadequate",
        "requires_improvement",
        "good",
        "good",
        "requires_improvement",
    ),
    "ZZC": ("good", "requires_improvement", "good", "good", "good", "good"),
}


@transaction.atomic
def demo_seed(*, lmns: Lmns) -> None:
    if ExternalConcern.objects.filter(provider__lmns=lmns).exists():
        return
    users = {user.username: user for user in get_user_model().objects.filter(username__startswith="demo.")}
    officer, lead = users["demo.officer"], users["demo.lead"]
    vale_lead = users.get("demo.lead.vale", officer)
    providers = {provider.ods_code: provider for provider in lmns.providers.all()}
    today = timezone.localdate()

    for code, (overall, safe, effective, caring, responsive, well_led) in RATINGS.items():
        if code not in providers:
            continue
        services.cqc_rating_record(
            provider=providers[code],
            by=officer,
            inspected_on=today - timedelta(days=260),
            published_on=today - timedelta(days=170),
            overall=CqcRating(overall),
            safe=safe,
            effective=effective,
            caring=caring,
            responsive=responsive,
            well_led=well_led,
            report_url=CQC_SEARCH,
        )
    vale = providers["ZZB"]
    # An earlier, better rating, so the history shows the fall.
    services.cqc_rating_record(
        provider=vale,
        by=officer,
        inspected_on=today - timedelta(days=1400),
        published_on=today - timedelta(days=1320),
        overall=CqcRating.GOOD,
        safe=CqcRating.REQUIRES_IMPROVEMENT,
        effective=CqcRating.GOOD,
        caring=CqcRating.GOOD,
        responsive=CqcRating.GOOD,
        well_led=CqcRating.GOOD,
        report_url=CQC_SEARCH,
    )
    services.external_concern_create(
        provider=vale,
        by=vale_lead,
        source=ConcernSource.CORONER,
        received_on=today - timedelta(days=40),
        reference="PFD-DEMO-0142",
        summary="The coroner is concerned that delays in escalating an abnormal CTG overnight were not "
        "reviewed by a consultant, and asks what the trust will change in overnight obstetric cover.",
        response_due_on=today + timedelta(days=16),
    )
    answered = services.external_concern_create(
        provider=vale,
        by=vale_lead,
        source=ConcernSource.NHS_RESOLUTION,
        received_on=today - timedelta(days=95),
        reference="ENS-DEMO-77",
        summary="NHS Resolution asks for the trust's review of a term baby cooled for suspected HIE, "
        "reported to its Early Notification scheme.",
        response_due_on=today - timedelta(days=60),
    )
    services.external_concern_respond(
        concern=answered,
        by=vale_lead,
        responded_on=today - timedelta(days=64),
        response_summary="The trust sent its review and the MNSI reference.",
    )
    services.external_concern_create(
        provider=providers["ZZA"],
        by=lead,
        source=ConcernSource.MNSI,
        received_on=today - timedelta(days=45),
        reference="MI-DEMO-0310",
        summary="MNSI's interim safety alert about the handover of women between the birth centre and the "
        "obstetric unit; asks for the unit's immediate actions.",
        response_due_on=today - timedelta(days=5),
    )
    first = services.oversight_level_set(
        provider=vale,
        by=officer,
        level=OversightLevel.ROUTINE,
        in_mssp=False,
        reason="No concerns beyond the LMNS's routine quarterly assurance.",
    )
    # Set a year ago, before the CQC's report.
    first.decided_at = timezone.now() - timedelta(days=365)
    first.save(update_fields=["decided_at"])
    services.oversight_level_set(
        provider=vale,
        by=users["demo.safetylead"],
        level=OversightLevel.ENHANCED,
        in_mssp=False,
        reason="CQC rated maternity safe as inadequate, and a Regulation 28 report followed. Monthly "
        "assurance meetings with the LMNS until the CQC's actions are met.",
    )
    for ods_code, provider in providers.items():
        if ods_code != "ZZB":
            services.oversight_level_set(
                provider=provider,
                by=officer,
                level=OversightLevel.ROUTINE,
                in_mssp=False,
                reason="Routine assurance.",
            )
