"""Reads of external concerns, CQC ratings and oversight levels, for the oversight pages, the
provider quality view and the LMNS overview. Each runs a fixed number of queries however many
records or providers there are."""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import OuterRef, Q, Subquery
from django.http import Http404
from django.utils import timezone

from assurance.oversight.models import (
    ConcernStatus,
    CqcMaternityRating,
    ExternalConcern,
    OversightDecision,
)
from lmns import access
from lmns.models import Provider


@dataclass
class ProviderOversight:
    """One provider's external concerns and escalation, in brief."""

    provider: Provider
    open_concerns: int = 0
    overdue_concerns: list[ExternalConcern] = field(default_factory=list)
    latest_rating: CqcMaternityRating | None = None
    oversight: OversightDecision | None = None


def _latest_per_provider(model, providers: list[Provider], order: list[str]) -> dict[int, object]:
    """The newest row of ``model`` for each provider, in one query."""
    newest = model.objects.filter(provider=OuterRef("provider")).order_by(*order).values("pk")[:1]
    rows = model.objects.filter(provider__in=providers, pk=Subquery(newest))
    return {row.provider_id: row for row in rows}


def providers_oversight(*, user, providers: Iterable[Provider]) -> dict[int, ProviderOversight]:
    """Each provider ``user`` may read, with its open and overdue concerns, latest CQC rating and
    oversight level, in three queries (and one to narrow a list of providers)."""
    providers = access.readable(user, providers)
    summaries = {provider.pk: ProviderOversight(provider=provider) for provider in providers}
    if not providers:
        return summaries
    today = timezone.localdate()
    # Open concerns are few (a handful a provider), so one query serves the count and the
    # overdue list alike.
    open_concerns = ExternalConcern.objects.filter(
        provider__in=providers, status=ConcernStatus.OPEN
    ).order_by("response_due_on", "pk")
    for concern in open_concerns:
        summary = summaries[concern.provider_id]
        summary.open_concerns += 1
        if concern.response_due_on is not None and concern.response_due_on < today:
            summary.overdue_concerns.append(concern)
    ratings = _latest_per_provider(CqcMaternityRating, providers, ["-published_on", "-inspected_on", "-pk"])
    decisions = _latest_per_provider(OversightDecision, providers, ["-decided_at", "-pk"])
    for pk, summary in summaries.items():
        summary.latest_rating = ratings.get(pk)
        summary.oversight = decisions.get(pk)
    return summaries


def provider_oversight(*, user, provider: Provider) -> ProviderOversight:
    """The compact section of the provider quality view; 404 for a provider ``user`` may not read."""
    summary = providers_oversight(user=user, providers=[provider]).get(provider.pk)
    if summary is None:
        raise Http404
    return summary


def concern_list(*, user, provider: Provider | None = None, status: str = "", overdue: bool = False):
    concerns = ExternalConcern.objects.visible_to(user).select_related("provider")
    if provider is not None:
        concerns = concerns.filter(provider=provider)
    if overdue:
        concerns = concerns.overdue()
    elif status:
        concerns = concerns.filter(status=status)
    return concerns


def overdue_count(*, user) -> int:
    return ExternalConcern.objects.visible_to(user).overdue().count()


def provider_record(*, user, provider: Provider) -> dict:
    """A provider's page: the rating history with the oversight history, newest first; nothing
    of a provider ``user`` may not read."""
    readable = access.readable_among(user, [provider])
    return {
        "ratings": list(CqcMaternityRating.objects.filter(provider__in=readable).latest_first()),
        "decisions": list(
            OversightDecision.objects.filter(provider__in=readable)
            .latest_first()
            .select_related("decided_by")
        ),
        "concerns": list(
            ExternalConcern.objects.filter(provider__in=readable).filter(
                Q(status=ConcernStatus.OPEN) | Q(status=ConcernStatus.RESPONDED)
            )
        ),
    }
