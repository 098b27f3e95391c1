"""The SCORE culture survey cycle of a provider (issue 23, item 3).

A wave maps the provider's work settings with their headcounts, runs the survey in a window,
takes each setting's responses and results (% positive by domain) from the results platform's
export, and ends in debriefs with the teams, each agreeing actions with an owner and a due date.

SCORE is anonymous and team-level, and its results belong to the teams surveyed, not to
performance management. So results, debriefs and their actions are read only by the provider's
own contributors and leads (``ACTION``, a role-only action: not the LMNS, not the deployment's
superusers). Everyone who can see the provider sees the wave's response rates and how many
debriefs and actions are done. A setting with fewer than ``MIN_RESPONSES`` responses keeps no
results at all, and the results queryset excludes it as well.

Loaded by ``workforce.models`` so that Django finds these models in the workforce app.
"""

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from lmns.models import Provider, ProviderScopedQuerySet

# Run a wave and read its results, debriefs and actions (lmns.access.ACTION_ROLES).
ACTION = "run_score_survey"
# As with Freedom to Speak Up counts: fewer than five people's answers could point at a person.
MIN_RESPONSES = 5


def _private_to_teams(user):
    from lmns.access import providers_where

    return providers_where(user, ACTION)


class ScoreWave(models.Model):
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="score_waves")
    name = models.CharField(
        "Name of the wave", max_length=100, help_text="For example “Wave 2, spring 2027”."
    )
    opens_on = models.DateField("Survey opens")
    closes_on = models.DateField("Survey closes")
    # The results platform's headings last used, so that the next import starts from them.
    results_columns = models.JSONField(default=dict, blank=True)
    results_imported_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ProviderScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-opens_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_on__gte=F("opens_on")),
                name="score_wave_window_in_order",
                violation_error_message="The survey must close on or after the day it opens",
            ),
            models.UniqueConstraint(fields=["provider", "name"], name="score_wave_name_unique"),
        ]

    def __str__(self):
        return f"SCORE {self.name}"

    def get_absolute_url(self):
        return reverse("workforce:score-wave", kwargs={"pk": self.pk})

    def window_state(self, today: date | None = None) -> str:
        today = today or timezone.localdate()
        if today < self.opens_on:
            return "Not open yet"
        return "Open" if today <= self.closes_on else "Closed"


class ScoreSetting(models.Model):
    """A work setting surveyed as one team (a ward, a unit, a staff group on a site)."""

    wave = models.ForeignKey(ScoreWave, on_delete=models.CASCADE, related_name="settings")
    name = models.CharField("Work setting", max_length=120)
    headcount = models.PositiveIntegerField()
    responses = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["wave", "name"], name="score_setting_name_unique"),
            models.CheckConstraint(condition=Q(headcount__gte=1), name="score_setting_headcount_positive"),
            models.CheckConstraint(
                condition=Q(responses__isnull=True) | Q(responses__lte=F("headcount")),
                name="score_setting_responses_within_headcount",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def response_rate(self) -> float | None:
        return None if self.responses is None else self.responses / self.headcount

    @property
    def results_withheld(self) -> bool:
        return self.responses is not None and self.responses < MIN_RESPONSES


class ScoreResultQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Results the user may read: their own provider's, as a contributor or lead there, and
        never a setting's with fewer than MIN_RESPONSES responses (none are kept; this is the
        second lock)."""
        return self.filter(
            setting__wave__provider__in=_private_to_teams(user), setting__responses__gte=MIN_RESPONSES
        )


class ScoreResult(models.Model):
    setting = models.ForeignKey(ScoreSetting, on_delete=models.CASCADE, related_name="results")
    # A code of workforce/score/domains.yaml: the domain names are data, and unchecked.
    domain = models.CharField(max_length=40)
    percent_positive = models.DecimalField(max_digits=4, decimal_places=1)

    objects = ScoreResultQuerySet.as_manager()

    class Meta:
        ordering = ["setting__name", "domain"]
        constraints = [
            models.UniqueConstraint(fields=["setting", "domain"], name="score_result_unique"),
            models.CheckConstraint(
                condition=Q(percent_positive__gte=0, percent_positive__lte=100),
                name="score_result_percent_in_range",
            ),
        ]

    def __str__(self):
        return f"{self.domain}: {self.percent_positive}%"


class ScoreDebriefQuerySet(models.QuerySet):
    def visible_to(self, user):
        """What a team said at its debrief is the team's: the provider's own contributors and leads."""
        return self.filter(wave__provider__in=_private_to_teams(user))


class ScoreDebrief(models.Model):
    wave = models.ForeignKey(ScoreWave, on_delete=models.CASCADE, related_name="debriefs")
    setting = models.ForeignKey(ScoreSetting, on_delete=models.CASCADE, related_name="debriefs")
    held_on = models.DateField(
        "Date of the debrief", help_text="A date to come plans it; it counts as held from then."
    )
    facilitator = models.CharField("Facilitated by", max_length=200, help_text="Name and role.")
    notes = models.TextField(
        "What the team discussed",
        blank=True,
        help_text="Themes only: no names of staff, patients or families.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ScoreDebriefQuerySet.as_manager()

    class Meta:
        ordering = ["held_on", "pk"]

    def __str__(self):
        return f"Debrief with {self.setting.name}, {self.held_on:%-d %B %Y}"

    def get_absolute_url(self):
        return f"{self.wave.get_absolute_url()}#debrief-{self.pk}"

    @property
    def provider(self) -> Provider:
        # The owner lmns.access.organisation_of checks roles at.
        return self.wave.provider

    def is_held(self, today: date | None = None) -> bool:
        return self.held_on <= (today or timezone.localdate())


class ScoreActionStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"


class ScoreActionQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(debrief__wave__provider__in=_private_to_teams(user))

    def open(self):
        return self.filter(status=ScoreActionStatus.OPEN)

    def overdue(self, today: date | None = None):
        return self.open().filter(due_on__lt=today or timezone.localdate())


class ScoreAction(models.Model):
    """An action a team agreed at its debrief; its owner is reminded as it falls due."""

    debrief = models.ForeignKey(ScoreDebrief, on_delete=models.CASCADE, related_name="actions")
    description = models.TextField("What the team agreed to do")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Reminded by email as the action falls due, and while it is overdue.",
    )
    due_on = models.DateField("Due date")
    status = models.CharField(
        max_length=10, choices=ScoreActionStatus.choices, default=ScoreActionStatus.OPEN
    )
    done_on = models.DateField("Date done", null=True, blank=True)

    objects = ScoreActionQuerySet.as_manager()

    class Meta:
        ordering = ["status", "due_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status=ScoreActionStatus.OPEN, done_on__isnull=True)
                | Q(status=ScoreActionStatus.DONE, done_on__isnull=False),
                name="score_action_done_has_date",
            ),
        ]

    def __str__(self):
        return self.description[:80]

    def get_absolute_url(self):
        return self.debrief.get_absolute_url()

    @property
    def provider(self) -> Provider:
        return self.debrief.wave.provider

    def is_overdue(self, today: date | None = None) -> bool:
        return self.status == ScoreActionStatus.OPEN and self.due_on < (today or timezone.localdate())
