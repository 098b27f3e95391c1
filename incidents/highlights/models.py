"""Highlight reports and each LMNS's due day.

Loaded by ``incidents.models`` so that Django finds them in the incidents app.
"""

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse

from lmns.historical_records import HistoricalRecords
from lmns.models import Lmns
from lmns.months import add_months

# The 10th: the seeds' collaborative asked for its reports mid-month ("14 May", "18 June") and
# left the monthly date to be confirmed. By the 10th a month's measure values are usually in, so
# the report can read them; and the LMNS has the reports before the workforce returns (15th) and
# the quality snapshot (16th), so it reads them with that month's quality view.
DEFAULT_DUE_DAY = 10
# Every month has a 28th, so a due day never falls outside a month.
LAST_DUE_DAY = 28
MAX_TEXT = 5000


def report_due_on(month: date, due_day: int) -> date:
    """A month's report is due on ``due_day`` of the month after."""
    return add_months(month, 1).replace(day=due_day)


class HighlightSchedule(models.Model):
    """The day of the month each LMNS wants the month before's reports by."""

    lmns = models.OneToOneField(
        Lmns, on_delete=models.CASCADE, related_name="highlight_schedule", verbose_name="LMNS"
    )
    due_day = models.PositiveSmallIntegerField(
        "Day of the month reports are due",
        default=DEFAULT_DUE_DAY,
        validators=[
            MinValueValidator(1, "Enter a day from 1 to 28"),
            MaxValueValidator(LAST_DUE_DAY, "Enter a day from 1 to 28"),
        ],
        help_text="Each month's report is due on this day of the next month: 1 to 28.",
    )

    history = HistoricalRecords()

    def __str__(self):
        return f"{self.lmns}: reports due on day {self.due_day}"


class OverallStatus(models.TextChoices):
    ON_TRACK = "on_track", "On track"
    AT_RISK = "at_risk", "At risk"
    OFF_TRACK = "off_track", "Off track"


class ReportStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    REVIEWED = "reviewed", "Reviewed"


class HighlightReportQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Through the plan's own door: whoever may read the plan may read its reports."""
        from incidents.improvement.models import ImprovementPlan

        return self.filter(plan__in=ImprovementPlan.objects.visible_to(user))


class HighlightReport(models.Model):
    """One month's report on one provider plan, from draft to reviewed by the LMNS."""

    plan = models.ForeignKey(
        "incidents.ImprovementPlan", on_delete=models.CASCADE, related_name="highlight_reports"
    )
    month = models.DateField(help_text="The first day of the month reported on.")
    status = models.CharField(max_length=10, choices=ReportStatus.choices, default=ReportStatus.DRAFT)
    overall_status = models.CharField(
        "Overall status", max_length=10, choices=OverallStatus.choices, blank=True
    )
    status_reason = models.TextField("Why it is at risk or off track", blank=True, max_length=MAX_TEXT)
    progress = models.TextField("Progress this month", blank=True, max_length=MAX_TEXT)
    successes = models.TextField(blank=True, max_length=MAX_TEXT)
    risks = models.TextField("Risks and challenges", blank=True, max_length=MAX_TEXT)
    support_asked = models.TextField("Support asked of the LMNS", blank=True, max_length=MAX_TEXT)
    next_steps = models.TextField("Next month's steps", blank=True, max_length=MAX_TEXT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_comment = models.TextField("LMNS comment", blank=True, max_length=MAX_TEXT)
    updated_at = models.DateTimeField(auto_now=True)

    objects = HighlightReportQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "-month"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "month"], name="one_highlight_report_per_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="highlight_month_is_first_day"),
        ]

    def __str__(self):
        return f"{self.plan}: {self.month:%B %Y}"

    def get_absolute_url(self):
        return reverse("incidents:improvement-highlight-detail", kwargs={"pk": self.pk})

    @property
    def is_draft(self) -> bool:
        return self.status == ReportStatus.DRAFT

    def clean(self):
        # A plan at risk or off track without a reason tells the LMNS nothing it can help with.
        if (
            self.overall_status in {OverallStatus.AT_RISK, OverallStatus.OFF_TRACK}
            and not (self.status_reason or "").strip()
        ):
            raise ValidationError(
                {"status_reason": f"Enter why the plan is {self.get_overall_status_display().lower()}"}
            )
