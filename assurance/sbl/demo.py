"""Fictional Saving Babies' Lives quarters for the demonstration LMNS (see lmns.demo): last
quarter for every demo provider; Northshire's (ZZA) validated by the LMNS, Vale Valley's (ZZB)
awaiting validation, the others still in progress.

Running it again changes nothing: it only adds quarters to an LMNS that has none.
"""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from assurance.sbl import services
from assurance.sbl.models import Implementation, SblAssessment, quarter_start_of
from lmns.models import Lmns

# Most interventions in place, a few partly, one missing and one not applicable, varying by provider.
PATTERN = [Implementation.FULLY] * 6 + [
    Implementation.PARTIALLY,
    Implementation.FULLY,
    Implementation.NOT_IMPLEMENTED,
]
WRITERS = {"ZZA": "demo.contributor", "ZZB": "demo.contributor.vale"}
LEADS = {"ZZA": "demo.lead", "ZZB": "demo.lead.vale"}
NOTE = "Audit under way; plan agreed at the LMNS review."


@transaction.atomic
def demo_seed(*, lmns: Lmns) -> None:
    if SblAssessment.objects.filter(provider__lmns=lmns).exists():
        return
    users = {user.username: user for user in get_user_model().objects.filter(username__startswith="demo.")}
    last_quarter = quarter_start_of(quarter_start_of(timezone.localdate()) - timedelta(days=1))
    for offset, provider in enumerate(lmns.providers.order_by("ods_code")):
        writer = users[WRITERS.get(provider.ods_code, "demo.admin")]
        lead = LEADS.get(provider.ods_code)
        assessment = services.sbl_assessment_start(provider=provider, quarter_start=last_quarter, by=writer)
        answers = {}
        for index, answer in enumerate(assessment.answers.select_related("intervention").order_by("pk")):
            implementation = PATTERN[(index + offset) % len(PATTERN)]
            if answer.intervention.code == "6.3" and provider.ods_code == "ZZB":
                implementation = Implementation.NOT_APPLICABLE
            note = "" if implementation == Implementation.FULLY else NOTE
            answers[answer.pk] = {"implementation": implementation, "note": note}
        if lead is None:
            # Left part-answered: in progress.
            answers = dict(list(answers.items())[: len(answers) // 2])
        services.sbl_answers_update(assessment=assessment, by=writer, answers=answers)
        if lead is None:
            continue
        services.sbl_assessment_submit(assessment=assessment, by=users[lead])
        if provider.ods_code == "ZZA":
            services.sbl_assessment_validate(assessment=assessment, by=users["demo.officer"], accept=True)
