"""A fictional maturity round for the demonstration LMNS (see lmns.demo): the local learning
system maturity model loaded from its file as an unpublished draft with unchecked wording, and the
LMNS's own rounds of six months ago and of last month, so the latest compares with the one before.
They are LMNS rounds because only the LMNS may score a draft; every page, and the workbook, says the
wording is unchecked.

Running it again changes nothing: it only adds rounds to an LMNS that has none.
"""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from assurance.maturity import services
from assurance.maturity.files import MODELS_DIR, load_model, parse_model_file
from assurance.maturity.models import MaturityRound
from lmns.models import Lmns

# Levels per domain code, six months ago and last month: most up, one down, one the same.
EARLIER = {"purpose": 2, "learning": 2, "measurement": 1, "culture": 3, "leadership": 2, "voice": 1}
LATER = {"purpose": 3, "learning": 3, "measurement": 2, "culture": 2, "leadership": 2, "voice": 2}
NOTES = {
    "measurement": "Monthly run charts agreed at the learning set; two providers not yet sending data.",
    "culture": "Two debriefs postponed after the survey closed; actions not yet tracked.",
}


@transaction.atomic
def demo_seed(*, lmns: Lmns) -> None:
    if MaturityRound.objects.filter(lmns=lmns).exists():
        return
    model, _ = load_model(parse_model_file(MODELS_DIR / "lls-maturity.yaml"), lmns=lmns)
    users = {user.username: user for user in get_user_model().objects.filter(username__startswith="demo.")}
    officer, lead = users["demo.officer"], users["demo.safetylead"]
    levels = {level.number: level for level in model.levels.all()}
    today = timezone.localdate()
    for days, pattern in ((182, EARLIER), (30, LATER)):
        round_ = services.maturity_round_start(
            model=model, provider=None, assessed_on=today - timedelta(days=days), by=officer
        )
        services.maturity_scores_update(
            round=round_,
            by=officer,
            scores={
                score.pk: {
                    "level": levels[pattern[score.domain.code]],
                    "note": NOTES.get(score.domain.code, "") if pattern is LATER else "",
                }
                for score in round_.scores.select_related("domain")
            },
        )
        services.maturity_round_submit(round=round_, by=lead)
