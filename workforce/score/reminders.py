"""The weekly reminder to the owner of each SCORE debrief action due within a week or overdue.

Like every scheduled email here it carries the provider, the due date and a link, nothing of
the action itself: what a team agreed at its debrief is the team's. The owner is told only while
they still run the provider's SCORE survey (``users_who_can``), as only they could open the link.
See lmns.notifications for why each email goes at most once a week.
"""

from datetime import date, timedelta

from django.template.loader import render_to_string
from django.utils import timezone

from lmns.access import users_who_can
from lmns.notifications import absolute_url, iso_week, queue_email_once
from workforce.score.models import ACTION, ScoreAction

WEEKLY_KEY_TIMEOUT = 8 * 24 * 60 * 60  # the key names the ISO week
DUE_SOON = timedelta(days=7)


def score_action_reminders_send(*, today: date | None = None) -> int:
    """Email each owner of an open action due within a week, or overdue. Returns how many were queued."""
    today = today or timezone.localdate()
    actions = (
        ScoreAction.objects.open()
        .filter(due_on__lte=today + DUE_SOON)
        .select_related("owner", "debrief__wave__provider")
        .order_by("due_on", "pk")
    )
    allowed: dict[int, set[int]] = {}
    week = iso_week(today)
    count = 0
    for action in actions:
        provider, owner = action.debrief.wave.provider, action.owner
        if provider.pk not in allowed:
            allowed[provider.pk] = set(users_who_can(ACTION, provider).values_list("pk", flat=True))
        if owner.pk not in allowed[provider.pk] or not owner.email:
            continue
        overdue = action.due_on < today
        count += queue_email_once(
            key=f"score:action:{action.pk}:{owner.pk}:{week}",
            timeout=WEEKLY_KEY_TIMEOUT,
            to=owner.email,
            subject=f"SCORE debrief action {'overdue' if overdue else 'due soon'}: {provider.name}",
            body=render_to_string(
                "workforce/email/score_action.txt",
                {
                    "owner": owner,
                    "provider": provider,
                    "action": action,
                    "overdue": overdue,
                    "url": absolute_url(action.debrief.wave.get_absolute_url()),
                },
            ),
        )
    return count
