"""External concerns and escalation: what regulators, investigators and coroners have raised
with a provider, its CQC maternity rating, and the oversight level the LMNS holds it at.

Each rating and each oversight decision is kept as its own row, so the history of both is the
list of rows and the latest row is the current position.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone

from lmns.historical_records import HistoricalRecords
from lmns.models import Provider, ProviderScopedQuerySet


class ConcernSource(models.TextChoices):
    MNSI = "mnsi", "MNSI (Maternity and Newborn Safety Investigations)"
    NHS_RESOLUTION = "nhs_resolution", "NHS Resolution"
    CQC = "cqc", "CQC (Care Quality Commission)"
    CORONER = "coroner", "Coroner: Regulation 28 report to prevent future deaths"
    OTHER = "other", "Another organisation"


class ConcernStatus(models.TextChoices):
    OPEN = "open", "Open"
    RESPONDED = "responded", "Responded"
    CLOSED = "closed", "Closed"


class ExternalConcernQuerySet(ProviderScopedQuerySet):
    def overdue(self, today=None):
        """Open concerns whose response is past its due date."""
        today = today or timezone.localdate()
        return self.filter(status=ConcernStatus.OPEN, response_due_on__lt=today)


class ExternalConcern(models.Model):
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="external_concerns")
    source = models.CharField("Raised by", max_length=20, choices=ConcernSource.choices)
    source_name = models.CharField(
        "Name of the organisation",
        max_length=120,
        blank=True,
        help_text="Only for another organisation, for example the Health and Safety Executive.",
    )
    received_on = models.DateField("Date received")
    reference = models.CharField(
        "Their reference", max_length=60, blank=True, help_text="The reference on the letter or notice."
    )
    summary = models.TextField(
        help_text="What the concern or notice asks of the trust. Describe care and services, not people."
    )
    response_due_on = models.DateField(
        "Response due",
        null=True,
        blank=True,
        help_text="The date given in the report or letter, if it asks for a response.",
    )
    responded_on = models.DateField("Response sent", null=True, blank=True)
    response_summary = models.TextField("What the response said", blank=True)
    status = models.CharField(max_length=20, choices=ConcernStatus.choices, default=ConcernStatus.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ExternalConcernQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-received_on", "-pk"]
        indexes = [models.Index(fields=["provider", "status", "response_due_on"])]

    def __str__(self):
        reference = f" {self.reference}" if self.reference else ""
        return f"{self.source_label}{reference}, received {self.received_on:%-d %B %Y}"

    def get_absolute_url(self):
        return reverse("assurance:concern-detail", kwargs={"pk": self.pk})

    @property
    def source_label(self) -> str:
        if self.source == ConcernSource.OTHER and self.source_name:
            return self.source_name
        return {ConcernSource.CORONER: "Coroner (Regulation 28)"}.get(self.source, self.get_source_display())

    @property
    def is_overdue(self) -> bool:
        return (
            self.status == ConcernStatus.OPEN
            and self.response_due_on is not None
            and self.response_due_on < timezone.localdate()
        )

    def clean(self):
        errors = {}
        if self.source == ConcernSource.OTHER and not self.source_name.strip():
            errors["source_name"] = "Enter the name of the organisation that raised it"
        if self.source != ConcernSource.OTHER:
            self.source_name = ""
        if self.received_on and self.response_due_on and self.response_due_on < self.received_on:
            errors["response_due_on"] = "Response due must be on or after the date received"
        if self.received_on and self.responded_on and self.responded_on < self.received_on:
            errors["responded_on"] = "Response sent must be on or after the date received"
        if self.responded_on and self.responded_on > timezone.localdate():
            errors["responded_on"] = "Response sent cannot be in the future"
        if self.status == ConcernStatus.RESPONDED and not self.responded_on:
            errors["responded_on"] = "Enter the date the response was sent"
        if errors:
            raise ValidationError(errors)


class CqcRating(models.TextChoices):
    OUTSTANDING = "outstanding", "Outstanding"
    GOOD = "good", "Good"
    REQUIRES_IMPROVEMENT = "requires_improvement", "Requires improvement"
    INADEQUATE = "inadequate", "Inadequate"


# The five key questions, in the CQC's order: (field name, label).
KEY_QUESTIONS = [
    ("safe", "Safe"),
    ("effective", "Effective"),
    ("caring", "Caring"),
    ("responsive", "Responsive"),
    ("well_led", "Well-led"),
]


def _rating_field(label: str, *, required: bool = False):
    return models.CharField(
        label,
        max_length=20,
        choices=CqcRating.choices,
        blank=not required,
        # The CQC does not always rate every key question at an inspection.
        help_text="" if required else "Leave empty if this key question was not rated.",
    )


class CqcMaternityRatingQuerySet(ProviderScopedQuerySet):
    def latest_first(self):
        return self.order_by("-published_on", "-inspected_on", "-pk")


class CqcMaternityRating(models.Model):
    """The CQC's published rating of a provider's maternity service. A new report adds a row;
    earlier ones stay as the rating's history."""

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="cqc_ratings")
    inspected_on = models.DateField("Date of inspection")
    published_on = models.DateField("Date the report was published")
    overall = _rating_field("Overall", required=True)
    safe = _rating_field("Safe")
    effective = _rating_field("Effective")
    caring = _rating_field("Caring")
    responsive = _rating_field("Responsive")
    well_led = _rating_field("Well-led")
    report_url = models.URLField(
        "Link to the report", max_length=500, help_text="The report's page on the CQC website."
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = CqcMaternityRatingQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-published_on", "-inspected_on", "-pk"]
        indexes = [models.Index(fields=["provider", "-published_on"])]

    def __str__(self):
        return f"CQC maternity rating of {self.provider}, published {self.published_on:%-d %B %Y}"

    def key_questions(self) -> list[tuple[str, str, str]]:
        """(label, rating code, rating label) of each key question, in the CQC's order."""
        labels = dict(CqcRating.choices)
        return [
            (label, getattr(self, name), labels.get(getattr(self, name), "Not rated"))
            for name, label in KEY_QUESTIONS
        ]

    def clean(self):
        if self.inspected_on and self.published_on and self.published_on < self.inspected_on:
            raise ValidationError(
                {"published_on": "Date the report was published must be on or after the date of inspection"}
            )


class OversightLevel(models.TextChoices):
    ROUTINE = "routine", "Routine"
    ENHANCED = "enhanced", "Enhanced"
    INTENSIVE_SUPPORT = "intensive_support", "Intensive support"


class OversightDecisionQuerySet(ProviderScopedQuerySet):
    def latest_first(self):
        return self.order_by("-decided_at", "-pk")


class OversightDecision(models.Model):
    """The LMNS puts a provider on an oversight level, for a reason. Each change is a new row,
    so who changed it, when and why is never overwritten."""

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="oversight_decisions")
    level = models.CharField("Oversight level", max_length=20, choices=OversightLevel.choices)
    in_mssp = models.BooleanField(
        "In the Maternity Safety Support Programme",
        default=False,
        help_text="NHS England's national programme of support for maternity services.",
    )
    reason = models.TextField(
        help_text="Why the LMNS holds the provider at this level, and what would change it."
    )
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)

    objects = OversightDecisionQuerySet.as_manager()

    class Meta:
        ordering = ["-decided_at", "-pk"]
        indexes = [models.Index(fields=["provider", "-decided_at"])]

    def __str__(self):
        return f"{self.provider}: {self.get_level_display().lower()} oversight"
