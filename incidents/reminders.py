"""Scheduled reminder emails: SSIG submission deadlines and the weekly overdue-action digest.

Run by Celery beat through ``incidents.tasks``. Emails carry links, never incident or
action text: mailboxes are forwarded, shared and synced to phones, and the records they
point to are behind sign-in and per-provider access checks.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlencode

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from incidents.models import SafetyAction, SsigMeeting, SsigSubmission
from lmns.access import users_who_can
from lmns.notifications import absolute_url, iso_week, long_date, queue_email_once

# Each email is sent at most once: see lmns.notifications for how, and why the keys
# need timeouts this long.
SSIG_REMINDER_KEY_TIMEOUT = 2 * 24 * 60 * 60  # the key already names the day
DIGEST_KEY_TIMEOUT = 8 * 24 * 60 * 60  # the key names the ISO week


def ssig_deadline_reminders_send(*, today: date | None = None, days_before=(7, 1)) -> int:
    """Remind provider leads whose provider has submitted nothing to an SSIG meeting whose
    submission deadline is exactly N days away, for N in ``days_before``.

    Returns the number of emails queued. Safe to run more than once a day.
    """
    today = today or timezone.localdate()
    count = 0
    for days in days_before:
        meetings = SsigMeeting.objects.filter(
            held_at__isnull=True, submission_deadline=today + timedelta(days=days)
        ).select_related("lmns")
        for meeting in meetings:
            submitted = SsigSubmission.objects.filter(meeting=meeting).values("learning__provider")
            silent = meeting.lmns.providers.exclude(pk__in=submitted).order_by("name")
            # Whoever signs learning off and submits it to the SSIG is told (review_incident).
            leads = [
                (user, provider)
                for provider in silent
                for user in users_who_can("review_incident", provider).exclude(email="")
            ]
            for user, provider in leads:
                count += queue_email_once(
                    key=f"incidents:ssig-reminder:{meeting.pk}:{provider.pk}:{user.pk}:{days}:{today}",
                    timeout=SSIG_REMINDER_KEY_TIMEOUT,
                    to=user.email,
                    subject=(
                        f"SSIG submission deadline in {days} day{'s' if days != 1 else ''}: "
                        f"{long_date(meeting.submission_deadline)}"
                    ),
                    body=render_to_string(
                        "incidents/email/ssig_deadline_reminder.txt",
                        {
                            "user": user,
                            "provider": provider,
                            "meeting": meeting,
                            "days": days,
                            "learning_url": absolute_url(
                                reverse("incidents:learning-list")
                                + "?"
                                + urlencode({"provider": provider.pk})
                            ),
                            "meeting_url": absolute_url(
                                reverse("incidents:meeting-detail", args=[meeting.pk])
                            ),
                        },
                    ),
                )
    return count


@dataclass(frozen=True)
class OverdueItem:
    """What a digest may say about an action: where, when due, and a link. Never its text."""

    provider: str
    due_on: date
    days_overdue: int
    url: str


def overdue_action_digests_send(*, today: date | None = None) -> int:
    """Email each owner of overdue safety actions one digest of links to them.

    Returns the number of emails queued. Sends at most one digest per owner per ISO week.
    """
    today = today or timezone.localdate()
    actions = (
        SafetyAction.objects.overdue(today)
        .filter(owner__is_active=True)
        .exclude(owner__email="")
        .select_related("provider", "owner")
        .order_by("owner__pk", "due_on", "pk")
    )
    by_owner: dict = {}
    for action in actions:
        by_owner.setdefault(action.owner, []).append(
            OverdueItem(
                provider=action.provider.name,
                due_on=action.due_on,
                days_overdue=(today - action.due_on).days,
                url=absolute_url(reverse("incidents:action-detail", args=[action.pk])),
            )
        )
    count = 0
    for owner, items in by_owner.items():
        count += queue_email_once(
            key=f"incidents:overdue-digest:{owner.pk}:{iso_week(today)}",
            timeout=DIGEST_KEY_TIMEOUT,
            to=owner.email,
            subject=f"{len(items)} overdue safety action{'s' if len(items) != 1 else ''} to update",
            body=render_to_string(
                "incidents/email/overdue_action_digest.txt", {"user": owner, "items": items, "today": today}
            ),
        )
    return count
