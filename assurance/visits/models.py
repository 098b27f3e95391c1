"""Assurance visits: the LMNS visits a provider, records what it finds, issues a report,
and follows each recommendation until it is closed."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from assurance.models.compliance import PID_WARNING, Evidence
from assurance.models.visit_templates import VisitTemplate
from lmns.historical_records import HistoricalRecords
from lmns.models import Membership, Provider, ProviderScopedQuerySet, Unit


class VisitScopedQuerySet(models.QuerySet):
    """Records of a visit: visible to whoever may see the provider visited."""

    def visible_to(self, user):
        from lmns.access import providers_for

        return self.filter(visit__provider__in=providers_for(user))


class StaffFeedbackQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Staff feedback as recorded, with its staff group: the visit team's alone
        (lmns.access.reads_staff_feedback)."""
        from lmns.access import staff_feedback_providers

        return self.filter(visit__provider__in=staff_feedback_providers(user))


class VisitType(models.TextChoices):
    ROUTINE = "routine", "Routine assurance"
    OCKENDEN = "ockenden", "Ockenden compliance"
    TARGETED = "targeted", "Targeted or responsive"
    FOLLOW_UP = "follow_up", "Follow-up"


class CqcDomain(models.TextChoices):
    """The five questions the CQC asks of every service, in the CQC's order."""

    SAFE = "safe", "Safe"
    EFFECTIVE = "effective", "Effective"
    CARING = "caring", "Caring"
    RESPONSIVE = "responsive", "Responsive"
    WELL_LED = "well_led", "Well-led"


class VisitStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    VISITED = "visited", "Visited"
    REPORT_ISSUED = "report_issued", "Report issued"
    CLOSED = "closed", "Closed"
    CANCELLED = "cancelled", "Cancelled"


# A visit's path; anything else is refused. "Report issued" is reached only by issuing
# the report, which freezes its content, and "closed" only once every recommendation is.
VISIT_TRANSITIONS = {
    VisitStatus.PLANNED: {VisitStatus.VISITED, VisitStatus.CANCELLED},
    VisitStatus.VISITED: {VisitStatus.REPORT_ISSUED},
    VisitStatus.REPORT_ISSUED: {VisitStatus.CLOSED},
    VisitStatus.CLOSED: set(),
    VisitStatus.CANCELLED: {VisitStatus.PLANNED},
}


class Visit(models.Model):
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="visits")
    units = models.ManyToManyField(Unit, blank=True, related_name="visits", verbose_name="Units visited")
    visit_on = models.DateField("Date of visit")
    visit_type = models.CharField("Type of visit", max_length=20, choices=VisitType.choices)
    purpose = models.TextField(
        blank=True, help_text="Why the LMNS is visiting, for example what prompted a targeted visit."
    )
    summary = models.TextField(
        "Report summary", blank=True, help_text="The overall picture, for the front of the report."
    )
    status = models.CharField(max_length=20, choices=VisitStatus.choices, default=VisitStatus.PLANNED)
    template = models.ForeignKey(
        VisitTemplate,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="visits",
        verbose_name="Visit template",
        help_text="The template its lines of enquiry came from; empty for a visit planned before "
        "templates, which is organised by the CQC's five key questions.",
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProviderScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-visit_on", "-pk"]
        indexes = [
            models.Index(fields=["provider", "-visit_on"]),
            models.Index(fields=["status", "visit_on"]),
        ]

    def __str__(self):
        return f"{self.get_visit_type_display()} visit to {self.provider} on {self.visit_on:%-d %B %Y}"

    def get_absolute_url(self):
        return reverse("assurance:visit-detail", kwargs={"pk": self.pk})

    def type_in_sentence(self) -> str:
        """The visit type inside a sentence: lower case, except Ockenden, which is a name."""
        label = self.get_visit_type_display()
        return label if self.visit_type == VisitType.OCKENDEN else label.lower()

    def sections(self) -> list[tuple[str, str]]:
        """(code, title) of the sections the visit is organised by, in order."""
        if not hasattr(self, "_sections"):
            if self.template_id is None:
                self._sections = list(CqcDomain.choices)
            else:
                # .all() so that a prefetch of template__sections serves it.
                self._sections = [(s.code, s.title) for s in self.template.sections.all()]
        return self._sections

    def section_label(self, code: str) -> str:
        return dict(self.sections()).get(code, code)

    def section_position(self, code: str) -> int:
        codes = [c for c, _ in self.sections()]
        return codes.index(code) if code in codes else len(codes)

    def allowed_transitions(self) -> list[VisitStatus]:
        allowed = VISIT_TRANSITIONS[VisitStatus(self.status)]
        return [status for status in VisitStatus if status in allowed]

    @property
    def is_open_for_findings(self) -> bool:
        # Findings are recorded on the day (the visit may not be marked visited yet) and
        # corrected after the report is issued, which makes a new report version.
        return self.status in {VisitStatus.PLANNED, VisitStatus.VISITED, VisitStatus.REPORT_ISSUED}

    @property
    def has_taken_place(self) -> bool:
        """The day of the visit has come: findings, staff feedback and recommendations (and so
        an immediate safety concern's email) are recorded from then, never ahead of it."""
        return self.visit_on <= timezone.localdate()

    @property
    def report_issued(self) -> bool:
        return self.status in {VisitStatus.REPORT_ISSUED, VisitStatus.CLOSED}


class VisitTeamMember(models.Model):
    """Someone on the visit team: LMNS staff, or others such as an MNVP representative."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="team")
    name = models.CharField(max_length=120)
    role = models.CharField(
        max_length=120,
        help_text="For example LMNS lead midwife, or Maternity and Neonatal Voices Partnership.",
    )

    objects = VisitScopedQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return f"{self.name} ({self.role})"


SECTION_HELP = "The section of the visit's template: a CQC key question for a visit planned before templates."


class SectionLabelled:
    """A record filed under a section of its visit's template, stored as the section's code."""

    def history_display(self, field_name: str, value) -> str | None:
        # The section's title lives on the visit's template, not in choices, so the History page
        # asks here; the visit caches its sections, so a page of changes costs no query per row.
        if field_name == "domain":
            return self.visit.section_label(value)
        return None


class KeyLineOfEnquiry(SectionLabelled, models.Model):
    """A line of enquiry of one visit: its wording is copied from the template when the visit is
    planned, so what was asked stays as it was when the template has a new version."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="lines_of_enquiry")
    domain = models.CharField("Section", max_length=20, help_text=SECTION_HELP)
    code = models.CharField(max_length=30, blank=True)
    text = models.CharField(max_length=300)
    guidance = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name_plural = "key lines of enquiry"

    def __str__(self):
        return self.text

    @property
    def section_label(self) -> str:
        return self.visit.section_label(self.domain)


def _check_section(record) -> dict:
    if record.visit_id and record.domain not in dict(record.visit.sections()):
        return {"domain": "Choose a section of the visit's template."}
    return {}


class FindingKind(models.TextChoices):
    GOOD_PRACTICE = "good_practice", "Good practice"
    IMPROVEMENT = "improvement", "Area for improvement"
    CONCERN = "concern", "Concern"
    IMMEDIATE = "immediate", "Immediate safety concern"


class Finding(SectionLabelled, models.Model):
    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="findings")
    domain = models.CharField("Section", max_length=20, help_text=SECTION_HELP)
    kind = models.CharField(max_length=20, choices=FindingKind.choices)
    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="If it concerns one unit.",
    )
    description = models.TextField(help_text=PID_WARNING)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    escalated_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the LMNS safety lead was told of this immediate safety concern.",
    )

    objects = VisitScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.description[:60]}"

    @property
    def provider(self):
        return self.visit.provider

    @property
    def is_immediate(self) -> bool:
        return self.kind == FindingKind.IMMEDIATE

    @property
    def section_label(self) -> str:
        return self.visit.section_label(self.domain)

    def clean(self):
        errors = _check_section(self)
        if self.unit_id and self.visit_id and self.unit.provider_id != self.visit.provider_id:
            errors["unit"] = "Choose a unit of the provider visited."
        if errors:
            raise ValidationError(errors)


class StaffGroup(models.TextChoices):
    MIDWIFE = "midwife", "Midwife"
    MSW = "msw", "Maternity support worker"
    OBSTETRICIAN = "obstetrician", "Obstetrician"
    ANAESTHETIST = "anaesthetist", "Anaesthetist"
    NEONATAL_NURSE = "neonatal_nurse", "Neonatal nurse"
    NEONATOLOGIST = "neonatologist", "Neonatologist or paediatrician"
    STUDENT = "student", "Student or trainee"
    LEADER = "leader", "Manager or leader"
    OTHER = "other", "Other"


class StaffFeedback(SectionLabelled, models.Model):
    """What staff said in conversations on the day, recorded without names."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="staff_feedback")
    staff_group = models.CharField(max_length=20, choices=StaffGroup.choices)
    domain = models.CharField("Section", max_length=20, help_text=SECTION_HELP)
    feedback = models.TextField(
        help_text="What was said, in your words. No names, and nothing that would identify who said it."
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = StaffFeedbackQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["pk"]
        verbose_name_plural = "staff feedback"

    def __str__(self):
        return self.feedback[:60]

    @property
    def section_label(self) -> str:
        return self.visit.section_label(self.domain)

    def clean(self):
        if errors := _check_section(self):
            raise ValidationError(errors)


class RecommendationStatus(models.TextChoices):
    OPEN = "open", "Open"
    AWAITING_REVIEW = "awaiting_review", "Awaiting LMNS review"
    CLOSED = "closed", "Closed"


class RecommendationQuerySet(VisitScopedQuerySet):
    def issued(self):
        """Recommendations the provider must act on: those in an issued report."""
        return self.filter(visit__status__in=[VisitStatus.REPORT_ISSUED, VisitStatus.CLOSED])

    def outstanding(self):
        return self.issued().exclude(status=RecommendationStatus.CLOSED)

    def overdue(self, today=None):
        return self.outstanding().filter(due_on__lt=today or timezone.localdate())


class Recommendation(models.Model):
    """A provider action that comes from a finding: owned, dated, and closed by the LMNS."""

    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="recommendations")
    finding = models.ForeignKey(Finding, on_delete=models.PROTECT, related_name="recommendations")
    text = models.TextField("Recommendation", help_text=PID_WARNING)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="visit_recommendations",
        help_text="The person at the provider responsible for acting on it.",
    )
    due_on = models.DateField("Due date")
    status = models.CharField(
        max_length=20, choices=RecommendationStatus.choices, default=RecommendationStatus.OPEN
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = RecommendationQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["status", "due_on"])]

    def __str__(self):
        return self.text[:80]

    def get_absolute_url(self):
        return reverse("assurance:recommendation-detail", kwargs={"pk": self.pk})

    @property
    def provider(self):
        return self.visit.provider

    @property
    def section_label(self) -> str:
        return self.visit.section_label(self.finding.domain)

    @property
    def is_overdue(self) -> bool:
        return (
            self.visit.report_issued
            and self.status != RecommendationStatus.CLOSED
            and self.due_on < timezone.localdate()
        )

    def clean(self):
        errors = {}
        if self.finding_id and self.visit_id and self.finding.visit_id != self.visit_id:
            errors["finding"] = "Choose a finding of this visit."
        elif self.finding_id and self.finding.kind == FindingKind.GOOD_PRACTICE:
            errors["finding"] = (
                "Recommendations answer concerns and areas for improvement, not good practice."
            )
        if self.due_on and self.visit_id and self.due_on < self.visit.visit_on:
            errors["due_on"] = f"The due date cannot be before the visit, {self.visit.visit_on:%-d %B %Y}"
        if self.owner_id and self.visit_id:
            belongs = Membership.objects.filter(provider_id=self.visit.provider_id, user_id=self.owner_id)
            if not belongs.exists():
                errors["owner"] = "Choose someone at the provider visited."
        if errors:
            raise ValidationError(errors)


class UpdateKind(models.TextChoices):
    PROGRESS = "progress", "Progress update"
    CLOSURE_REQUESTED = "closure_requested", "Asked the LMNS to close"
    CLOSED = "closed", "Closed by the LMNS"
    SENT_BACK = "sent_back", "Sent back by the LMNS"


class RecommendationUpdate(models.Model):
    """One entry in a recommendation's history: the provider's progress, the LMNS's decision."""

    recommendation = models.ForeignKey(Recommendation, on_delete=models.CASCADE, related_name="updates")
    kind = models.CharField(max_length=20, choices=UpdateKind.choices)
    text = models.TextField(help_text=PID_WARNING)
    evidence = models.ForeignKey(Evidence, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.get_kind_display()} on {self.recommendation}"


class VisitReport(models.Model):
    """An issued version of a visit's report, frozen as it was issued.

    The draft is always drawn from the visit's live records; issuing stores what the
    draft said. A correction after issue is a new version, so what a board was given
    stays readable as it was.
    """

    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="reports")
    version = models.PositiveSmallIntegerField()
    content = models.JSONField()
    change_note = models.TextField(blank=True, help_text="What changed from the previous version, and why.")
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(default=timezone.now)

    objects = VisitScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["visit", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["visit", "version"], name="visit_report_version_unique"),
            models.CheckConstraint(
                condition=Q(version=1) | ~Q(change_note=""),
                name="visit_report_revision_says_why",
                violation_error_message="Say what changed since the previous version.",
            ),
        ]

    def __str__(self):
        return f"Report on {self.visit}, version {self.version}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValidationError("An issued report cannot be changed; issue a new version instead.")
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("assurance:report-version", kwargs={"pk": self.pk})

    @property
    def provider(self):
        return self.visit.provider

    def delete(self, *args, **kwargs):
        raise ValidationError("An issued report cannot be deleted.")
