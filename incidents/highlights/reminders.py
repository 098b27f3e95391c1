"""The weekly reminder that a plan's highlight report is late, to the provider's leads, who
submit it. Like every scheduled email here it carries the month, the due date and a link, never
the plan's or report's text. See lmns.notifications for why each email is sent at most once.
"""

from datetime import date

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from incidents.highlights.selectors import plan_reports
from incidents.improvement.models import ImprovementPlan
from lmns.access import users_who_can
from lmns.notifications import absolute_url, iso_week, long_date, queue_email_once

WEEKLY_KEY_TIMEOUT = 8 * 24 * 60 * 60  # the key names the ISO week


def late_highlight_reminders_send(*, today: date | None = None) -> int:
    """Email the leads of each provider whose plan's latest report past its due day is not
    submitted, once a week per plan and month. Returns the number of emails queued."""
    today = today or timezone.localdate()
    plans = ImprovementPlan.objects.filter(provider__isnull=False).select_related("provider", "lmns")
    week = iso_week(today)
    count = 0
    for row in plan_reports(plans=plans, today=today):
        if not row.late:
            continue
        provider = row.plan.provider
        url = absolute_url(reverse("incidents:improvement-highlight-plan", args=[row.plan.pk]))
        for lead in users_who_can("submit_highlight_report", provider).exclude(email=""):
            count += queue_email_once(
                key=f"incidents:late-highlight:{row.plan.pk}:{row.due_month:%Y-%m}:{lead.pk}:{week}",
                timeout=WEEKLY_KEY_TIMEOUT,
                to=lead.email,
                subject=f"A highlight report for {row.due_month:%B %Y} is late: {provider.name}",
                body=render_to_string(
                    "incidents/email/late_highlight_report.txt",
                    {
                        "lead": lead,
                        "provider": provider,
                        "month": row.due_month,
                        "due_on": long_date(row.due_on),
                        "lmns": row.plan.lmns,
                        "url": url,
                    },
                ),
            )
    return count
