"""The daily reminder to a provider's leads that a critical safety check is overdue.

Like every scheduled email here it carries what is overdue, since when and a link, nothing
about the deaths behind the signal. See lmns.notifications for why each goes at most once.
"""

from datetime import date

from django.template.loader import render_to_string
from django.utils import timezone

from lmns.access import users_who_can
from lmns.notifications import absolute_url, queue_email_once
from workforce.perinatal.models import OutcomeSignal

DAILY_KEY_TIMEOUT = 2 * 24 * 60 * 60  # the key names the day


def overdue_check_reminders_send(*, today: date | None = None) -> int:
    """Email each active provider lead of a provider with an overdue critical safety check,
    once a day per check. Returns the number of emails queued."""
    today = today or timezone.localdate()
    signals = list(
        OutcomeSignal.objects.overdue(today).select_related("provider", "unit").order_by("check_due_on")
    )
    leads = {
        provider.pk: list(users_who_can("record_safety_check", provider).exclude(email=""))
        for provider in {signal.provider for signal in signals}
    }
    count = 0
    for signal in signals:
        for lead in leads.get(signal.provider_id, []):
            count += queue_email_once(
                key=f"perinatal:overdue-check:{signal.pk}:{lead.pk}:{today.isoformat()}",
                timeout=DAILY_KEY_TIMEOUT,
                to=lead.email,
                subject=f"Critical safety check overdue: {signal.unit.name}, {signal.provider.name}",
                body=render_to_string(
                    "workforce/email/overdue_safety_check.txt",
                    {
                        "lead": lead,
                        "signal": signal,
                        "days_overdue": (today - signal.check_due_on).days,
                        "url": absolute_url(signal.get_absolute_url()),
                    },
                ),
            )
    return count
