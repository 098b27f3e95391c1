"""The workforce deadlines on the calendar (incidents.calendar): monthly returns falling due,
and SCORE survey windows. Registered by WorkforceConfig.ready()."""

from datetime import date
from urllib.parse import urlencode

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from incidents.calendar.selectors import Entry, deadline_entry
from lmns.access import providers_for, providers_where
from lmns.months import add_months, first_of_month
from workforce.forms import month_choices
from workforce.models import WorkforceReturn, return_due_on
from workforce.score.models import ScoreWave


def return_entries(*, user, first: date, last: date) -> list[Entry]:
    """The monthly workforce and perinatal return (one form) falls due on a fixed day of the next
    month, for every provider the person can see: one entry each, linking to that provider's
    return for the month once there is one. Until then a provider's lead, who submits it, is taken
    to the form started for that provider and month (if the form offers the month yet); anyone
    else to the provider's workforce page, since the form would refuse them. Three queries,
    however many providers and months."""
    month = add_months(first_of_month(first), -1)
    due = []
    while return_due_on(month) <= last:
        if return_due_on(month) >= first:
            due.append(month)
        month = add_months(month, 1)
    if not due:
        return []
    providers = list(providers_for(user).order_by("name", "pk"))
    if not providers:
        return []
    returns = {
        (row.provider_id, row.month): row
        for row in WorkforceReturn.objects.filter(provider__in=providers, month__in=due).only(
            "pk", "provider_id", "month"
        )
    }
    submitters = set(providers_where(user, "submit_workforce_return").values_list("pk", flat=True))
    # The form offers only months that have ended, so far back: asked for another, it would
    # show its first month instead, and figures could be entered against the wrong one.
    offered = {date.fromisoformat(value) for value, _label in month_choices(timezone.localdate())}

    def url(provider, month) -> str:
        if workforce_return := returns.get((provider.pk, month)):
            return workforce_return.get_absolute_url()
        if provider.pk in submitters and month in offered:
            start = reverse("workforce:return-create")
            return f"{start}?{urlencode({'provider': provider.pk, 'month': f'{month:%Y-%m}'})}"
        return reverse("workforce:provider", kwargs={"ods_code": provider.ods_code})

    return [
        deadline_entry(
            f"monthly-return-{provider.pk}-{month:%Y-%m}",
            f"Workforce and perinatal return for {month:%B %Y} due ({provider.name})",
            "Return due",
            return_due_on(month),
            url(provider, month),
        )
        for month in due
        for provider in providers
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
