"""The weekly reminder to a provider's leads that a monthly workforce return is late.

Like every scheduled email here it carries the month, the due date and a link, nothing
else. See lmns.notifications for why each email is sent at most once.
"""

from datetime import date

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from lmns.access import users_who_can
from lmns.models import Provider
from lmns.notifications import absolute_url, iso_week, queue_email_once
from workforce.models import WorkforceReturn, return_due_on
from workforce.selectors import latest_due_month

WEEKLY_KEY_TIMEOUT = 8 * 24 * 60 * 60  # the key names the ISO week


def late_return_reminders_send(*, today: date | None = None) -> int:
    """Email each provider lead whose provider has not yet submitted the latest return that is
    past its due date. Returns the number of emails queued."""
    today = today or timezone.localdate()
    month = latest_due_month(today)
    submitted = WorkforceReturn.objects.filter(month=month).values("provider")
    leads = [
        (provider, lead)
        for provider in Provider.objects.exclude(pk__in=submitted).order_by("name")
        for lead in users_who_can("submit_workforce_return", provider).exclude(email="")
    ]
    week, due_on = iso_week(today), return_due_on(month)
    count = 0
    for provider, lead in leads:
        count += queue_email_once(
            key=f"workforce:late-return:{provider.pk}:{month:%Y-%m}:{lead.pk}:{week}",
            timeout=WEEKLY_KEY_TIMEOUT,
            to=lead.email,
            subject=f"Workforce return for {month:%B %Y} is late: {provider.name}",
            body=render_to_string(
                "workforce/email/late_return.txt",
                {
                    "lead": lead,
                    "provider": provider,
                    "month": month,
                    "due_on": due_on,
                    "days_late": (today - due_on).days,
                    "url": absolute_url(reverse("workforce:return-create")),
                },
            ),
        )
    return count
