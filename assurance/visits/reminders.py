"""The weekly list of overdue visit recommendations, to each recommendation's owner.

Like every scheduled email here it carries dates, counts and links, never the
recommendation's text: mailboxes are forwarded and synced to phones, and the record
is behind sign-in. See lmns.notifications for why each email is sent at most once.
"""

from dataclasses import dataclass
from datetime import date

from django.template.loader import render_to_string
from django.utils import timezone

from assurance.visits.models import Recommendation, RecommendationStatus
from lmns.notifications import absolute_url, iso_week, queue_email_once

WEEKLY_KEY_TIMEOUT = 8 * 24 * 60 * 60  # the key names the ISO week


@dataclass(frozen=True)
class OverdueRecommendation:
    provider: str
    visit_on: date
    due_on: date
    days_overdue: int
    url: str


def overdue_recommendation_reminders_send(*, today: date | None = None) -> int:
    """Email each owner the recommendations they still have to answer past their due date.

    Those the owner has already asked the LMNS to close are waiting on the LMNS, not on
    them, so they are left out. Returns the number of emails queued.
    """
    today = today or timezone.localdate()
    week = iso_week(today)
    overdue = (
        Recommendation.objects.overdue(today)
        .filter(status=RecommendationStatus.OPEN, owner__is_active=True)
        .exclude(owner__email="")
        .select_related("owner", "visit__provider")
        .order_by("owner__pk", "due_on", "pk")
    )
    by_owner: dict = {}
    for recommendation in overdue:
        by_owner.setdefault(recommendation.owner, []).append(
            OverdueRecommendation(
                provider=recommendation.visit.provider.name,
                visit_on=recommendation.visit.visit_on,
                due_on=recommendation.due_on,
                days_overdue=(today - recommendation.due_on).days,
                url=absolute_url(recommendation.get_absolute_url()),
            )
        )
    count = 0
    for owner, items in by_owner.items():
        count += queue_email_once(
            key=f"assurance:overdue-recommendations:{owner.pk}:{week}",
            timeout=WEEKLY_KEY_TIMEOUT,
            to=owner.email,
            subject=f"{len(items)} overdue visit recommendation{'s' if len(items) != 1 else ''}",
            body=render_to_string(
                "assurance/email/overdue_recommendations.txt", {"owner": owner, "items": items}
            ),
        )
    return count
