"""Saving Babies' Lives version 3 (MIS safety action 6): the care bundle's elements and
interventions (reference data, loaded from care_bundle.yaml), and each provider's quarterly
self-assessment of how far every intervention is implemented, submitted by the provider lead and
validated by the LMNS."""

from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse

from lmns.historical_records import HistoricalRecords
from lmns.models import Provider, ProviderScopedQuerySet

# The NHS financial year starts in April: its first quarter is April to June.
QUARTER_MONTHS = (4, 7, 10, 1)
MONTH_NAMES = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def quarter_start_of(day: date) -> date:
    return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def quarter_label(start: date) -> str:
    """'Q2 2026/27 (July to September 2026)': the financial-year quarter starting on ``start``."""
    number = QUARTER_MONTHS.index(start.month) + 1
    first_year = start.year if start.month >= 4 else start.year - 1
    first, last = MONTH_NAMES[start.month - 1], MONTH_NAMES[start.month + 1]
    return f"Q{number} {first_year}/{(first_year + 1) % 100:02d} ({first} to {last} {start.year})"


def quarter_due_on(start: date) -> date:
    """The last day for the provider to submit the quarter's self-assessment: the end of the
    month after the quarter. A local rule, not a national one (no deadline from the care bundle
    or the MIS has been checked here): it gives the LMNS the month after to validate it."""
    month = start.month + 4  # the month after the month after the quarter
    first_after = date(start.year + (month - 1) // 12, (month - 1) % 12 + 1, 1)
    return first_after - timedelta(days=1)


class SblElement(models.Model):
    number = models.PositiveSmallIntegerField(unique=True)
    name = models.CharField(max_length=120)
    source = models.CharField(max_length=300, blank=True, help_text="Where this entry comes from.")

    history = HistoricalRecords()

    class Meta:
        ordering = ["number"]
        verbose_name = "SBL element"

    def __str__(self):
        return f"Element {self.number}: {self.name}"


class SblIntervention(models.Model):
    """One intervention of the care bundle. Never deleted, only made inactive, so the
    assessments that answered it keep their meaning; every change is in its history."""

    element = models.ForeignKey(SblElement, on_delete=models.PROTECT, related_name="interventions")
    code = models.CharField(max_length=20, unique=True)
    text = models.TextField()
    order = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(
        default=True, help_text="Inactive interventions are not asked in new quarterly assessments."
    )
    wording_checked = models.BooleanField(
        "Wording checked against the published care bundle",
        default=False,
        help_text="Ticked only once the wording has been compared with the published care bundle.",
    )
    source = models.CharField(max_length=300, blank=True, help_text="Where this entry comes from.")

    history = HistoricalRecords()

    class Meta:
        ordering = ["element__number", "order", "code"]
        verbose_name = "SBL intervention"

    def __str__(self):
        return f"{self.code} {self.text[:60]}"


class SblState(models.TextChoices):
    IN_PROGRESS = "in_progress", "In progress"
    AWAITING = "awaiting", "Awaiting LMNS validation"
    CHALLENGED = "challenged", "Challenged by the LMNS"
    VALIDATED = "validated", "Validated by the LMNS"


# The provider may change its answers only while the assessment is with it.
EDITABLE_STATES = frozenset({SblState.IN_PROGRESS, SblState.CHALLENGED})


class Implementation(models.TextChoices):
    NOT_ANSWERED = "not_answered", "Not yet answered"
    FULLY = "fully", "Fully implemented"
    PARTIALLY = "partially", "Partially implemented"
    NOT_IMPLEMENTED = "not_implemented", "Not implemented"
    NOT_APPLICABLE = "not_applicable", "Not applicable"


class SblAssessment(models.Model):
    """A provider's self-assessment of the care bundle for one quarter."""

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="sbl_assessments")
    quarter_start = models.DateField(
        help_text="The first day of the quarter: 1 January, April, July or October."
    )
    state = models.CharField(max_length=20, choices=SblState.choices, default=SblState.IN_PROGRESS)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    # Who accepted or challenged it last, and when (as a requirement's verification).
    validated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    validated_at = models.DateTimeField(null=True, blank=True)
    challenge_comment = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProviderScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-quarter_start", "provider__name"]
        verbose_name = "SBL quarterly assessment"
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "quarter_start"], name="one_sbl_assessment_per_quarter"
            )
        ]

    def __str__(self):
        return f"Saving Babies' Lives v3, {self.quarter_label}: {self.provider}"

    def get_absolute_url(self):
        return reverse("assurance:sbl-detail", kwargs={"pk": self.pk})

    @property
    def quarter_label(self) -> str:
        return quarter_label(self.quarter_start)

    @property
    def is_editable(self) -> bool:
        return self.state in EDITABLE_STATES

    def clean(self):
        start = self.quarter_start
        if start and (start.day != 1 or start.month not in QUARTER_MONTHS):
            raise ValidationError({"quarter_start": "A quarter starts on 1 January, April, July or October."})


class SblAnswerQuerySet(models.QuerySet):
    def visible_to(self, user):
        from lmns.access import providers_for

        return self.filter(assessment__provider__in=providers_for(user))


class SblAnswer(models.Model):
    """How far one intervention is implemented, in one quarter."""

    assessment = models.ForeignKey(SblAssessment, on_delete=models.CASCADE, related_name="answers")
    intervention = models.ForeignKey(SblIntervention, on_delete=models.PROTECT, related_name="answers")
    implementation = models.CharField(
        max_length=20, choices=Implementation.choices, default=Implementation.NOT_ANSWERED
    )
    note = models.TextField(blank=True)
    evidence = models.ManyToManyField("assurance.Evidence", blank=True, related_name="sbl_answers")
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = SblAnswerQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["intervention__element__number", "intervention__order", "intervention__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "intervention"], name="one_sbl_answer_per_intervention"
            )
        ]

    def __str__(self):
        return f"{self.intervention.code}: {self.get_implementation_display()}"

    @property
    def provider(self):
        return self.assessment.provider
