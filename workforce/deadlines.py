"""The workforce deadlines on the calendar (incidents.calendar): monthly returns falling due,
and SCORE survey windows. Registered by WorkforceConfig.ready()."""

from datetime import date

from django.db.models import Q
from django.urls import reverse

from incidents.calendar.selectors import Entry, deadline_entry
from lmns.access import providers_for
from lmns.months import add_months, first_of_month
from workforce.models import return_due_on
from workforce.score.models import ScoreWave


def return_entries(*, user, first: date, last: date) -> list[Entry]:
    """The monthly workforce and perinatal return (one form) falls due on a fixed day of the next
    month, for every provider the person can see."""
    month = add_months(first_of_month(first), -1)
    due = []
    while return_due_on(month) <= last:
        if return_due_on(month) >= first:
            due.append(month)
        month = add_months(month, 1)
    if not due or not providers_for(user).exists():
        return []
    url = reverse("workforce:index")
    return [
        deadline_entry(
            f"monthly-return-{month:%Y-%m}",
            f"Workforce and perinatal return for {month:%B %Y} due",
            "Return due",
            return_due_on(month),
            url,
        )
        for month in due
    ]


def score_entries(*, user, first: date, last: date) -> list[Entry]:
    """SCORE survey windows of the waves whose page the person may open (the provider's users and
    its LMNS's): the window's dates and the wave's name only, never responses or results."""
    waves = (
        ScoreWave.objects.visible_to(user)
        .filter(Q(opens_on__range=(first, last)) | Q(closes_on__range=(first, last)))
        .select_related("provider")
        .order_by("pk")
    )
    entries = []
    for wave in waves:
        for says, day in (("opens", wave.opens_on), ("closes", wave.closes_on)):
            if first <= day <= last:
                entries.append(
                    deadline_entry(
                        f"score-{says}-{wave.pk}",
                        f"{wave} survey {says} ({wave.provider.name})",
                        "SCORE survey",
                        day,
                        wave.get_absolute_url(),
                    )
                )
    return entries
