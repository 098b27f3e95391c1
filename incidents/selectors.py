"""Reads that span models or carry rules: the SSIG agenda, theme analysis, overviews."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Prefetch
from django.db.models.functions import TruncMonth
from django.utils import timezone

from incidents.models import (
    SA10_PARTS,
    Incident,
    IncidentReferral,
    Learning,
    LearningStatus,
    SsigMeeting,
    SsigSubmission,
    Theme,
)
from lmns.access import can, lmnss_for, providers_for
from lmns.exports import person
from lmns.history import KINDS, Change, FieldChange


@dataclass
class AgendaTheme:
    theme: Theme | None
    by_provider: dict = field(default_factory=dict)  # Provider -> [Learning]

    @property
    def count(self):
        return sum(len(items) for items in self.by_provider.values())


def ssig_agenda_submissions(*, meeting: SsigMeeting, user):
    """Submissions the user may read: all for LMNS staff or once the meeting is held;
    until then a provider's users see only their own provider's items."""
    submissions = SsigSubmission.objects.filter(
        meeting=meeting, meeting__lmns__in=lmnss_for(user)
    ).select_related("learning__provider", "submitted_by", "late_accepted_by")
    if not meeting.is_held and not can(user, "run_ssig", meeting.lmns):
        submissions = submissions.filter(learning__in=Learning.objects.visible_to(user, own_only=True))
    # The pack names each incident's type: fetched with the incidents, not one query each.
    incidents = Incident.objects.select_related("incident_type")
    return submissions.prefetch_related(
        "learning__themes", Prefetch("learning__incidents", queryset=incidents)
    ).order_by("learning__provider__name", "submitted_at")


def ssig_agenda(*, meeting: SsigMeeting, user) -> list[AgendaTheme]:
    """The agenda grouped by theme, then provider. Learning with several themes
    appears under each, since the SSIG discusses it under each."""
    groups: dict[int, AgendaTheme] = {}
    for submission in ssig_agenda_submissions(meeting=meeting, user=user):
        learning = submission.learning
        for theme in learning.themes.all():
            group = groups.setdefault(theme.pk, AgendaTheme(theme=theme))
            group.by_provider.setdefault(learning.provider, []).append(learning)
    return sorted(groups.values(), key=lambda group: group.theme.name)


def next_ssig_meeting(*, lmns_ids, today: date | None = None):
    """The next meeting still open for submissions in any of the given LMNSs."""
    today = today or timezone.localdate()
    return (
        SsigMeeting.objects.filter(lmns_id__in=lmns_ids, held_at__isnull=True, meeting_on__gte=today)
        .order_by("meeting_on")
        .first()
    )


def ssig_open_for_submissions(*, user, today: date | None = None) -> SsigMeeting | None:
    """The SSIG meeting of the user's LMNSs whose submissions close next (not yet held, its
    deadline not passed), with its LMNS: the deadline shown on every page of the learning
    journey (the Jinja global ``ssig_deadline()``) and on the home page. One query."""
    today = today or timezone.localdate()
    return (
        SsigMeeting.objects.visible_to(user)
        .filter(held_at__isnull=True, submission_deadline__gte=today)
        .select_related("lmns")
        .order_by("submission_deadline", "pk")
        .first()
    )


def open_meetings_for(learning: Learning):
    """Meetings of the learning's LMNS that have not yet been held."""
    return SsigMeeting.objects.filter(lmns_id=learning.provider.lmns_id, held_at__isnull=True).order_by(
        "meeting_on"
    )


@dataclass
class ThemeAnalysis:
    months: list[date]
    providers: list
    themes: list
    # (theme_id, provider_id, month) -> count
    counts: dict = field(default_factory=lambda: defaultdict(int))

    def total(self, theme, provider=None, month=None) -> int:
        return sum(
            value
            for (theme_id, provider_id, value_month), value in self.counts.items()
            if theme_id == theme.pk
            and (provider is None or provider_id == provider.pk)
            and (month is None or value_month == month)
        )


def _months_between(start: date, end: date) -> list[date]:
    months, current = [], start.replace(day=1)
    while current <= end:
        months.append(current)
        current = (
            current.replace(year=current.year + 1, month=1)
            if current.month == 12
            else current.replace(month=current.month + 1)
        )
    return months


def theme_analysis(*, user, start: date, end: date) -> ThemeAnalysis:
    """How often each theme is tagged on signed-off learning, by provider and month.

    Counts come from one aggregate query. Draft learning is left out: it has not
    yet been agreed by the provider lead.
    """
    rows = (
        Learning.objects.visible_to(user, own_only=True)
        .exclude(status=LearningStatus.DRAFT)
        .filter(created_at__date__gte=start, created_at__date__lte=end)
        .annotate(month=TruncMonth("created_at"))
        .values("themes", "provider", "month")
        .annotate(n=Count("pk"))
    )
    analysis = ThemeAnalysis(months=_months_between(start, end), providers=[], themes=[])
    theme_ids, provider_ids = set(), set()
    for row in rows:
        if row["themes"] is None:
            continue
        month = row["month"].date() if hasattr(row["month"], "date") else row["month"]
        analysis.counts[(row["themes"], row["provider"], month)] += row["n"]
        theme_ids.add(row["themes"])
        provider_ids.add(row["provider"])
    analysis.themes = list(Theme.objects.filter(pk__in=theme_ids))
    analysis.providers = list(providers_for(user).filter(pk__in=provider_ids).order_by("name"))
    return analysis


# --- MIS safety action 10 ----------------------------------------------------------------------


@dataclass(frozen=True)
class Sa10Part:
    key: str
    label: str
    done: int
    of: int

    @property
    def met(self) -> bool:
        return self.done == self.of


def sa10_counts() -> dict[str, Count]:
    """The counts behind MIS safety action 10's position, to aggregate or annotate a query of
    incidents with (so that the quality view needs no query of its own for them)."""
    return {
        f"sa10_{key}_{part}": Count("pk", filter=condition)
        for key, (_, of, done) in SA10_PARTS.items()
        for part, condition in (("of", of), ("done", done))
    }


def sa10_from_counts(counts) -> list[Sa10Part]:
    return [
        Sa10Part(key, label, counts[f"sa10_{key}_done"], counts[f"sa10_{key}_of"])
        for key, (label, _, _) in SA10_PARTS.items()
    ]


def _long_date(value) -> str:
    return f"{value.day} {value:%B %Y}" if value else ""


def incident_referral_changes(incident: Incident) -> list[Change]:
    """Every change to the incident's referral rows, newest first, as its History page shows
    changes (MNSI's referral is on the incident, so in the incident's own history). One query:
    an incident has a handful of referrals, each changed a few times."""
    rows = list(
        IncidentReferral.history.filter(incident_id=incident.pk)
        .select_related("history_user", "body")
        .order_by("history_date", "history_id")
    )
    last, changes = {}, []
    for row in rows:
        before = last.get(row.id) if row.history_type == "~" else None
        fields = [FieldChange("Body", "", str(row.body) if row.body else "A body since removed")]
        for label, name, shown in [
            ("Referred on", "referred_on", _long_date),
            ("Reference", "reference", str),
        ]:
            old = shown(getattr(before, name)) if before is not None else ""
            fields.append(FieldChange(label, old, shown(getattr(row, name))))
        changes.append(
            Change(
                when=row.history_date,
                day_only=False,
                who=person(row.history_user) if row.history_user else "the system",
                kind=KINDS[row.history_type],
                fields=fields,
            )
        )
        last[row.id] = row
    return changes[::-1]
