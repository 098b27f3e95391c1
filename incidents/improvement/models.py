"""Improvement plans (the national improvement portal's plan, with its measurement plan, PDSA
cycles, communications plan and team) and the learning network's health survey.

Loaded by ``incidents.models`` so that Django finds them in the incidents app.
"""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse

from incidents.models import PID_WARNING, Learning, Theme
from lmns.historical_records import HistoricalRecords
from lmns.models import Lmns, LmnsScopedQuerySet, Provider

# --- Improvement plans (the national improvement portal's plan, kept here) -------------------


class ImprovementPlanQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A provider's plans to that provider and its LMNS; an LMNS's own plans to everyone in it."""
        from lmns.access import lmnss_for, providers_for

        return self.filter(
            Q(provider__in=providers_for(user)) | Q(provider__isnull=True, lmns__in=lmnss_for(user))
        )


class ImprovementPlan(models.Model):
    """A quality improvement project: its driver, aim, the nine General sections, and the
    measurement plan, communications plan, team and PDSA cycles that hang off it."""

    lmns = models.ForeignKey(
        Lmns, on_delete=models.PROTECT, related_name="improvement_plans", verbose_name="LMNS"
    )
    provider = models.ForeignKey(
        Provider,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="improvement_plans",
        help_text="Empty for a plan the LMNS runs across its providers.",
    )
    title = models.CharField(max_length=200)
    # A key of the national driver diagram (incidents/improvement/drivers.yaml), checked in
    # the service so that the diagram stays data.
    primary_driver = models.CharField(max_length=40)
    overarching_aim = models.TextField(help_text=PID_WARNING)
    secondary_drivers = models.JSONField(default=list, blank=True)
    project_aims = models.TextField(blank=True)
    baseline = models.TextField(blank=True)
    approach = models.TextField(blank=True)
    other_achievements = models.TextField(blank=True)
    in_scope = models.TextField(blank=True)
    out_of_scope = models.TextField(blank=True)
    risks = models.TextField(blank=True)
    support = models.TextField(blank=True)
    sustainability = models.TextField(blank=True)
    themes = models.ManyToManyField(Theme, blank=True, related_name="improvement_plans")
    learning = models.ManyToManyField(Learning, blank=True, related_name="improvement_plans")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # A plan is closed, as a project is at its closure report, when its work has ended; it can be
    # reopened. From the month after, it owes no more highlight reports (incidents.highlights).
    closed_on = models.DateField("Closed on", null=True, blank=True)
    closing_summary = models.TextField(
        "Closing summary",
        blank=True,
        help_text="What the plan achieved against its aims, what is sustained and who carries it on.",
    )

    objects = ImprovementPlanQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-updated_at", "-pk"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("incidents:improvement-detail", kwargs={"pk": self.pk})

    @property
    def owner_name(self) -> str:
        return self.provider.name if self.provider_id else self.lmns.name

    @property
    def is_closed(self) -> bool:
        return self.closed_on is not None

    def clean(self):
        if self.provider_id and self.lmns_id and self.provider.lmns_id != self.lmns_id:
            raise ValidationError({"provider": "Choose a provider of this LMNS."})
        if self.closed_on and not self.closing_summary.strip():
            raise ValidationError({"closing_summary": "Enter the closing summary"})


class MeasureType(models.TextChoices):
    OUTCOME = "outcome", "Outcome"
    PROCESS = "process", "Process"
    BALANCING = "balancing", "Balancing"


class MeasureDirection(models.TextChoices):
    # The values of lmns.spc.Direction, so a measure charts as Making Data Count would.
    HIGHER_IS_BETTER = "higher", "Higher is better"
    LOWER_IS_BETTER = "lower", "Lower is better"
    NEUTRAL = "neutral", "Neither: watch for change"


class PlanMeasure(models.Model):
    """A row of the measurement plan; its monthly values are PlanMeasureValue rows."""

    plan = models.ForeignKey(ImprovementPlan, on_delete=models.CASCADE, related_name="measures")
    name = models.CharField("Measure", max_length=200)
    measure_type = models.CharField("Type", max_length=20, choices=MeasureType.choices)
    definition = models.TextField(
        help_text="Numerator, denominator and what counts, so anyone can repeat it."
    )
    direction = models.CharField(
        "Which way is better", max_length=10, choices=MeasureDirection.choices, default="neutral"
    )
    unit = models.CharField(max_length=20, blank=True, help_text="For example %, days or births.")
    collected_by = models.CharField("Who collects it", max_length=200)
    frequency = models.CharField("How often", max_length=100, default="Monthly")
    lead = models.CharField(max_length=200)
    due_on = models.DateField("Due date", null=True, blank=True)
    risks = models.TextField("Risks and mitigations", blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "pk"]

    def __str__(self):
        return self.name


class PlanMeasureValue(models.Model):
    measure = models.ForeignKey(PlanMeasure, on_delete=models.CASCADE, related_name="values")
    month = models.DateField(help_text="The first day of the month the value is for.")
    value = models.DecimalField(max_digits=12, decimal_places=2)

    history = HistoricalRecords()

    class Meta:
        ordering = ["measure", "month"]
        constraints = [
            models.UniqueConstraint(fields=["measure", "month"], name="one_plan_value_per_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="plan_value_month_is_first_day"),
        ]

    def __str__(self):
        return f"{self.measure}: {self.month:%b %Y}"


class PdsaCycle(models.Model):
    """A Plan-Do-Study-Act cycle: a change tested, shown against the plan's measures."""

    plan = models.ForeignKey(ImprovementPlan, on_delete=models.CASCADE, related_name="pdsa_cycles")
    title = models.CharField(max_length=200)
    started_on = models.DateField("Start date")
    ended_on = models.DateField("End date", null=True, blank=True)
    change = models.TextField("What changed", help_text=PID_WARNING)

    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "started_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="pdsa_ends_after_start",
                violation_error_message="The end date cannot be before the start date.",
            )
        ]

    def __str__(self):
        return self.title

    def clean(self):
        # The constraint's own message would sit only in the summary, not at the end date.
        if self.started_on and self.ended_on and self.ended_on < self.started_on:
            raise ValidationError({"ended_on": "The end date cannot be before the start date"})


class CommunicationItem(models.Model):
    """A row of the communications plan, which builds up as the project goes on."""

    plan = models.ForeignKey(ImprovementPlan, on_delete=models.CASCADE, related_name="communications")
    audience = models.CharField(max_length=200)
    message = models.TextField(help_text=PID_WARNING)
    channel = models.CharField(max_length=200, help_text="For example safety huddle, newsletter, SSIG.")
    when = models.CharField(max_length=200, help_text="A date or a rhythm, for example 'monthly'.")
    owner = models.CharField(max_length=200)

    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "pk"]

    def __str__(self):
        return f"{self.audience}: {self.channel}"


class PlanTeamMember(models.Model):
    plan = models.ForeignKey(ImprovementPlan, on_delete=models.CASCADE, related_name="team")
    name = models.CharField(max_length=200)
    role = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "pk"]

    def __str__(self):
        return self.name


# --- The learning network's health survey -----------------------------------------------------


class SurveyRound(models.Model):
    """One round of a survey defined in a data file (incidents/improvement/surveys/).

    The statements are copied in when the round opens, so a later edit of the file never
    changes what people were asked.
    """

    lmns = models.ForeignKey(
        Lmns, on_delete=models.PROTECT, related_name="survey_rounds", verbose_name="LMNS"
    )
    survey = models.CharField(max_length=60, help_text="The survey file's slug.")
    title = models.CharField(max_length=200)
    definition = models.JSONField()
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    opened_on = models.DateField()
    closed_on = models.DateField(null=True, blank=True)
    invitations_sent = models.PositiveIntegerField(default=0)

    objects = LmnsScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_on", "-pk"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("incidents:improvement-survey", kwargs={"pk": self.pk})

    @property
    def is_open(self):
        return self.closed_on is None


class SurveyInvitation(models.Model):
    """One answering link. Only a hash of its token is kept, and nothing of who it went to;
    no timestamp either, so an invitation cannot be matched to an answer by time."""

    round = models.ForeignKey(SurveyRound, on_delete=models.CASCADE, related_name="invitations")
    token_hash = models.CharField(max_length=64, unique=True)
    used = models.BooleanField(default=False)

    def __str__(self):
        return f"Invitation to {self.round}"


class SurveyResponse(models.Model):
    """One person's answers, linked to the round only: not to the invitation, nor a time.

    Random keys, here and on the answers, so that not even the order of the rows says who
    answered when (which a web server's access log could otherwise match).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    round = models.ForeignKey(SurveyRound, on_delete=models.CASCADE, related_name="responses")

    def __str__(self):
        return f"Answer to {self.round}"


class SurveyAnswer(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    response = models.ForeignKey(SurveyResponse, on_delete=models.CASCADE, related_name="answers")
    statement = models.CharField(max_length=60, help_text="The statement's key in the survey file.")
    # 1 (strongly disagree) to 5 (strongly agree); 0 for "don't know".
    value = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "statement"], name="one_answer_per_statement"),
            models.CheckConstraint(condition=Q(value__lte=5), name="survey_answer_on_scale"),
        ]

    def __str__(self):
        return f"{self.statement}: {self.value}"
