"""Safety champions and the voice of families (issue 21, item 6).

Walkabouts by the provider's board-level and frontline safety champions, the board safety
champion meetings, the "you said, we did" actions both give rise to, and the maternity and
neonatal voices partnership's (MNVP) feedback with the provider's response.

Champions are named as free text, not as accounts: board champions are often non-executive
directors with no account here, and the record must keep the name even after someone leaves.

Loaded by ``workforce.models`` so that Django finds these models in the workforce app.
"""

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from lmns.historical_records import HistoricalRecords
from lmns.models import Provider, ProviderScopedQuerySet, Unit


class Walkabout(models.Model):
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="walkabouts")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="walkabouts")
    held_on = models.DateField("Date of the walkabout")
    board_champions = models.CharField(
        "Board-level safety champions present",
        max_length=300,
        help_text="Names and roles, separated by commas.",
    )
    frontline_champions = models.CharField(
        "Frontline safety champions present",
        max_length=300,
        blank=True,
        help_text="Names and roles, separated by commas.",
    )
    staff_said = models.TextField(
        "What staff said", help_text="Themes only: no names of patients or families, and no staff names."
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ProviderScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-held_on", "-pk"]

    def __str__(self):
        return f"Walkabout at {self.unit}, {self.held_on:%-d %B %Y}"

    def get_absolute_url(self):
        return reverse("workforce:champions-walkabout", kwargs={"pk": self.pk})


class ChampionsMeeting(models.Model):
    """A meeting of the board safety champion with the perinatal leadership."""

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="champions_meetings")
    held_on = models.DateField("Date of the meeting")
    attendees = models.CharField("Who attended", max_length=500, help_text="Names and roles.")
    key_points = models.TextField("Key points")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ProviderScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-held_on", "-pk"]

    def __str__(self):
        return f"Board safety champions meeting, {self.held_on:%-d %B %Y}"

    def get_absolute_url(self):
        return reverse("workforce:champions-meeting", kwargs={"pk": self.pk})


class ActionStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"


class ChampionActionQuerySet(ProviderScopedQuerySet):
    def open(self):
        return self.filter(status=ActionStatus.OPEN)

    def overdue(self, today: date | None = None):
        return self.open().filter(due_on__lt=today or timezone.localdate())


class ChampionAction(models.Model):
    """A "you said, we did" action, from a walkabout or a board champions meeting (one of the two)."""

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="champion_actions")
    walkabout = models.ForeignKey(
        Walkabout, null=True, blank=True, on_delete=models.CASCADE, related_name="actions"
    )
    meeting = models.ForeignKey(
        ChampionsMeeting, null=True, blank=True, on_delete=models.CASCADE, related_name="actions"
    )
    you_said = models.TextField("You said", help_text="What staff raised, in a sentence.")
    we_did = models.TextField("We will do", help_text="What the provider will do about it.")
    owner = models.CharField(
        "Owner", max_length=200, help_text="The name and role of whoever sees it through."
    )
    due_on = models.DateField("Due date")
    status = models.CharField(max_length=10, choices=ActionStatus.choices, default=ActionStatus.OPEN)
    done_on = models.DateField("Date done", null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ChampionActionQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["status", "due_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(walkabout__isnull=False, meeting__isnull=True)
                | Q(walkabout__isnull=True, meeting__isnull=False),
                name="champion_action_from_walkabout_or_meeting",
            ),
            models.CheckConstraint(
                condition=Q(status=ActionStatus.OPEN, done_on__isnull=True)
                | Q(status=ActionStatus.DONE, done_on__isnull=False),
                name="champion_action_done_has_date",
            ),
        ]

    def __str__(self):
        return self.we_did[:80]

    @property
    def source(self) -> Walkabout | ChampionsMeeting:
        return self.walkabout if self.walkabout_id else self.meeting

    def is_overdue(self, today: date | None = None) -> bool:
        return self.status == ActionStatus.OPEN and self.due_on < (today or timezone.localdate())


class FeedbackStatus(models.TextChoices):
    AWAITING = "awaiting", "Awaiting the provider's response"
    RESPONDED = "responded", "Responded"
    CLOSED = "closed", "Closed with the MNVP"


class MnvpFeedback(models.Model):
    """Themes the maternity and neonatal voices partnership heard from families over a period."""

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="mnvp_feedback")
    period_start = models.DateField("Period from")
    period_end = models.DateField("Period to")
    themes = models.TextField(
        "Themes from families",
        help_text="Themes only. Never record a family's or a baby's name, dates of birth, addresses or "
        "anything else that could identify someone.",
    )
    response = models.TextField("The provider's response", blank=True)
    status = models.CharField(max_length=10, choices=FeedbackStatus.choices, default=FeedbackStatus.AWAITING)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ProviderScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-period_end", "-pk"]
        verbose_name = "MNVP feedback"
        verbose_name_plural = "MNVP feedback"
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="mnvp_feedback_period_in_order",
                violation_error_message="The end of the period must be on or after its start",
            ),
        ]

    def __str__(self):
        return f"MNVP feedback, {self.period_label}"

    def get_absolute_url(self):
        return reverse("workforce:champions-feedback", kwargs={"pk": self.pk})

    @property
    def period_label(self) -> str:
        return f"{self.period_start:%-d %B %Y} to {self.period_end:%-d %B %Y}"
