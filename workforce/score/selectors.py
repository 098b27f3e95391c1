"""Reads of SCORE waves, each through the access rules of ``models``.

Two audiences read a wave. Everyone who can see the provider (its LMNS included) reads its
window, each setting's headcount and responses, and how many debriefs are held and actions
done: ``waves_for`` and the wave's settings. Only the provider's own contributors and leads
read the results, the debriefs and the actions themselves: ``wave_private_for`` returns nothing
for anyone else, and its results leave out every setting with fewer than MIN_RESPONSES responses.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from lmns import access
from workforce.score.models import (
    ACTION,
    ScoreAction,
    ScoreActionStatus,
    ScoreDebrief,
    ScoreResult,
    ScoreSetting,
    ScoreWave,
)
from workforce.score.reference import domains


def _count(queryset, outer: str):
    counted = queryset.filter(**{outer: OuterRef("pk")}).order_by().values(outer)
    return Coalesce(Subquery(counted.annotate(n=Count("pk", distinct=True)).values("n")), Value(0))


def waves_for(*, user, provider=None):
    """Waves the user can see, with the figures the LMNS may read: settings, headcount,
    responses, settings debriefed (a debrief on or before today) and actions open, overdue, done."""
    today = timezone.localdate()
    waves = ScoreWave.objects.visible_to(user).select_related("provider")
    if provider is not None:
        waves = waves.filter(provider=provider)
    settings = ScoreSetting.objects.filter(wave=OuterRef("pk")).order_by().values("wave")
    debriefed = (
        ScoreDebrief.objects.filter(wave=OuterRef("pk"), held_on__lte=today)
        .order_by()
        .values("wave")
        .annotate(n=Count("setting", distinct=True))
        .values("n")
    )
    actions = ScoreAction.objects.all()
    return waves.annotate(
        setting_count=_count(ScoreSetting.objects.all(), "wave"),
        headcount=Coalesce(Subquery(settings.annotate(n=Sum("headcount")).values("n")), Value(0)),
        responses=Coalesce(
            Subquery(settings.annotate(n=Sum("responses")).values("n"), output_field=IntegerField()), Value(0)
        ),
        responded_headcount=Coalesce(
            Subquery(
                settings.filter(responses__isnull=False).annotate(n=Sum("headcount")).values("n"),
                output_field=IntegerField(),
            ),
            Value(0),
        ),
        settings_debriefed=Coalesce(Subquery(debriefed, output_field=IntegerField()), Value(0)),
        actions_open=_count(actions.filter(status=ScoreActionStatus.OPEN), "debrief__wave"),
        actions_overdue=_count(
            actions.filter(status=ScoreActionStatus.OPEN, due_on__lt=today), "debrief__wave"
        ),
        actions_done=_count(actions.filter(status=ScoreActionStatus.DONE), "debrief__wave"),
    )


def response_rate(responses: int | None, headcount: int) -> str:
    """A response rate as people read it; responses not yet known say so."""
    if responses is None or not headcount:
        return "Not yet known"
    return f"{100 * responses / headcount:.0f}%"


@dataclass
class SettingRow:
    setting: ScoreSetting
    # (domain label, % positive or None) in the order of domains.yaml; empty when withheld.
    results: list[tuple[str, Decimal | None]] = field(default_factory=list)
    withheld: bool = False

    @property
    def rate(self) -> str:
        return response_rate(self.setting.responses, self.setting.headcount)


@dataclass
class WavePrivate:
    """What only the provider's own teams read: results, debriefs, actions."""

    rows: list[SettingRow]
    debriefs: list[ScoreDebrief]
    domain_labels: list[str]

    @property
    def mapping_locked(self) -> bool:
        # As services.score_mapping_import refuses it: settings with responses or debriefs stay.
        return bool(self.debriefs) or any(row.setting.responses is not None for row in self.rows)


def wave_private_for(*, user, wave: ScoreWave) -> WavePrivate | None:
    """The wave's results, debriefs and actions, or None if they are not the user's to read."""
    if not access.can(user, ACTION, wave.provider):
        return None
    reference = domains()
    values: dict[int, dict[str, Decimal]] = {}
    for result in ScoreResult.objects.visible_to(user).filter(setting__wave=wave):
        values.setdefault(result.setting_id, {})[result.domain] = result.percent_positive
    rows = []
    for setting in wave.settings.all():
        withheld = setting.results_withheld
        found = {} if withheld else values.get(setting.pk, {})
        rows.append(
            SettingRow(
                setting=setting,
                results=[(d.label, found.get(d.code)) for d in reference.domains] if found else [],
                withheld=withheld,
            )
        )
    debriefs = list(
        ScoreDebrief.objects.visible_to(user)
        .filter(wave=wave)
        .select_related("setting")
        .prefetch_related(Prefetch("actions", ScoreAction.objects.select_related("owner")))
    )
    return WavePrivate(rows=rows, debriefs=debriefs, domain_labels=[d.label for d in reference.domains])
