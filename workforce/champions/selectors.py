"""Reads of safety champion records and the MNVP's feedback, always through ``visible_to``."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q
from django.utils import timezone

from lmns import access
from lmns.models import Provider
from workforce.champions.models import (
    ActionStatus,
    ChampionAction,
    ChampionsMeeting,
    MnvpFeedback,
    Walkabout,
)


def _with_action_counts(queryset, today: date):
    # Meta.ordering is dropped from a grouped query: order again, latest first.
    return queryset.order_by("-held_on", "-pk").annotate(
        open_count=Count("actions", filter=Q(actions__status=ActionStatus.OPEN)),
        overdue_count=Count(
            "actions", filter=Q(actions__status=ActionStatus.OPEN, actions__due_on__lt=today)
        ),
    )


def _open_and_overdue(today: date) -> dict:
    """Counts of open "you said, we did" actions, and of those overdue ``today``."""
    return {"open": Count("pk"), "overdue": Count("pk", filter=Q(due_on__lt=today))}


def walkabouts_for(*, user, provider: Provider | None = None):
    queryset = Walkabout.objects.visible_to(user).select_related("provider", "unit")
    if provider is not None:
        queryset = queryset.filter(provider=provider)
    return _with_action_counts(queryset, timezone.localdate())


def meetings_for(*, user, provider: Provider | None = None):
    queryset = ChampionsMeeting.objects.visible_to(user).select_related("provider")
    if provider is not None:
        queryset = queryset.filter(provider=provider)
    return _with_action_counts(queryset, timezone.localdate())


def feedback_for(*, user, provider: Provider | None = None):
    queryset = MnvpFeedback.objects.visible_to(user).select_related("provider")
    if provider is not None:
        queryset = queryset.filter(provider=provider)
    return queryset


def open_actions_for(*, user, provider: Provider | None = None):
    """Open actions, soonest due first, with what they came from (two joins, no more queries)."""
    queryset = (
        ChampionAction.objects.visible_to(user)
        .open()
        .select_related("provider", "walkabout__unit", "meeting")
        .order_by("due_on", "pk")
    )
    if provider is not None:
        queryset = queryset.filter(provider=provider)
    return queryset


def _walkabouts_held(readable, period, today: date) -> dict[int, list[Walkabout]]:
    """The walkabouts held in ``period`` at each of ``readable`` (by provider id), in date order,
    each with its open and overdue actions counted: one query."""
    held = defaultdict(list)
    walkabouts = Walkabout.objects.filter(
        provider__in=readable, held_on__gte=period.start, held_on__lt=period.end
    ).select_related("unit")
    for walkabout in _with_action_counts(walkabouts, today).order_by("held_on", "pk"):
        held[walkabout.provider_id].append(walkabout)
    return held


@dataclass(frozen=True)
class ChampionsSummary:
    """The provider quality view's section on safety champions and families' voices."""

    provider: Provider
    last_walkabout: Walkabout | None
    walkabouts_held: list[Walkabout]  # in the period, each with open_count and overdue_count
    open_actions: int
    overdue_actions: int
    latest_feedback: MnvpFeedback | None


def provider_champions_summary(
    *, user, provider: Provider, period, today: date | None = None
) -> ChampionsSummary:
    """In four queries whatever the number of records; nothing of a provider ``user`` may not read."""
    today = today or timezone.localdate()
    readable = access.readable_among(user, [provider])
    counts = ChampionAction.objects.filter(provider__in=readable, status=ActionStatus.OPEN).aggregate(
        **_open_and_overdue(today)
    )
    return ChampionsSummary(
        provider=provider,
        last_walkabout=Walkabout.objects.filter(provider__in=readable).select_related("unit").first(),
        walkabouts_held=_walkabouts_held(readable, period, today)[provider.pk],
        open_actions=counts["open"],
        overdue_actions=counts["overdue"],
        latest_feedback=MnvpFeedback.objects.filter(provider__in=readable).first(),
    )


@dataclass(frozen=True)
class StaffVoice:
    """What staff told the safety champions in a period, and what is still to be done about it."""

    walkabouts: list[Walkabout]  # held in the period, each with open_count and overdue_count
    open_actions: int  # "you said, we did" actions open today, from walkabouts and meetings
    overdue_actions: int


def providers_staff_voice(*, user, providers, period, today: date | None = None) -> dict[int, StaffVoice]:
    """StaffVoice for each of ``providers`` that ``user`` may read (by id), in two queries however
    many providers and records (and one to narrow a list of providers): the board pack's report
    reads it."""
    today = today or timezone.localdate()
    providers = access.readable(user, providers)
    if not providers:
        return {}
    held = _walkabouts_held(providers, period, today)
    counts = {
        row["provider"]: (row["open"], row["overdue"])
        for row in ChampionAction.objects.filter(provider__in=providers, status=ActionStatus.OPEN)
        .order_by()
        .values("provider")
        .annotate(**_open_and_overdue(today))
    }
    return {
        provider.pk: StaffVoice(held[provider.pk], *counts.get(provider.pk, (0, 0))) for provider in providers
    }
