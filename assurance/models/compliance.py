"""Compliance frameworks (Ockenden, CNST MIS), each provider's assessment of every
requirement, the evidence behind it, and the LMNS's verification."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, Q
from django.urls import reverse
from django.utils import timezone

from lmns.historical_records import HistoricalRecords
from lmns.models import ExportJob, Provider, ProviderScopedQuerySet

PID_WARNING = (
    "Describe services and care, not people. Do not enter names, NHS numbers, dates of birth or "
    "anything else that could identify a patient, family member or member of staff."
)


# --- Frameworks: loaded from data files in assurance/frameworks/, or authored in the product -----


class FrameworkStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    AWAITING_APPROVAL = "awaiting_approval", "Awaiting approval"
    PUBLISHED = "published", "Published"
    CLOSED = "closed", "Closed"


# Only these can be assessed, counted and exported; a closed one keeps its assessments read-only.
ASSESSABLE = frozenset({FrameworkStatus.PUBLISHED})
IN_FORCE_OR_CLOSED = frozenset({FrameworkStatus.PUBLISHED, FrameworkStatus.CLOSED})


class FrameworkQuerySet(models.QuerySet):
    def superseded(self):
        """Versions no longer in force: closed, or replaced by a newer published version. What is
        outstanding in them can never be cleared, so reminders and ratings leave them out."""
        # previous is NULL for most frameworks; NOT IN over a list holding NULL matches nothing.
        replaced = Framework.objects.filter(previous__isnull=False, status__in=IN_FORCE_OR_CLOSED)
        return self.filter(Q(pk__in=replaced.values("previous")) | Q(status=FrameworkStatus.CLOSED))

    def visible_to(self, user):
        """Deployment-wide frameworks and the local ones of the user's LMNSs. Drafts are seen only
        by the LMNS officers and safety leads who check and approve them, and the deployment
        administrator: a provider or a board never sees wording that is not yet agreed."""
        from lmns.access import FRAMEWORK_CHECKER_ROLES, lmnss_for
        from lmns.models import Membership

        if not (user and user.is_authenticated and user.is_active):
            return self.none()
        if user.is_superuser:
            return self
        checks = Membership.objects.filter(user=user, role__in=FRAMEWORK_CHECKER_ROLES, lmns__isnull=False)
        drafts_seen = Q(Exists(checks)) & (Q(lmns__isnull=True) | Q(lmns__in=checks.values("lmns")))
        owned = Q(lmns__isnull=True) | Q(lmns__in=lmnss_for(user))
        return self.filter(owned & (Q(status__in=IN_FORCE_OR_CLOSED) | drafts_seen))

    def assessable(self):
        return self.filter(status__in=ASSESSABLE)


def framework_source_upload_to(instance, filename):
    # Stored under an opaque name, like evidence; the original name is kept for download.
    return f"framework-sources/{timezone.now():%Y/%m}/{instance.source_token}"


class Framework(models.Model):
    """One version of a compliance framework, e.g. the CNST MIS year 6.

    A draft is edited freely; publishing takes two people (one prepares, another approves), and a
    published framework is never edited in place: a correction is a new revision."""

    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=200)
    publisher = models.CharField(max_length=200)
    version = models.CharField(max_length=50)
    lmns = models.ForeignKey(
        "lmns.Lmns",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="frameworks",
        help_text="Empty for a deployment-wide framework (MIS, Ockenden); else a local framework "
        "that only this LMNS's providers see.",
    )
    status = models.CharField(max_length=20, choices=FrameworkStatus.choices, default=FrameworkStatus.DRAFT)
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    source_file = models.CharField(
        max_length=200, blank=True, help_text="The data file this framework was loaded from, if any."
    )
    source_note = models.TextField(blank=True)
    # Provenance: the published document the wording was taken from.
    source_publisher = models.CharField("Source publisher", max_length=200, blank=True)
    source_title = models.CharField("Source document title", max_length=300, blank=True)
    source_date = models.DateField("Source document date", null=True, blank=True)
    source_url = models.URLField("Link to the source document", max_length=500, blank=True)
    source_document = models.FileField(upload_to=framework_source_upload_to, blank=True)
    source_token = models.CharField(max_length=40, editable=False, blank=True)
    source_document_name = models.CharField(max_length=255, blank=True)
    source_document_type = models.CharField(max_length=100, blank=True)
    previous = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The earlier version this one follows; its evidence is carried forward to review.",
    )
    revises = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="revisions",
        help_text="The published framework this revision corrects.",
    )
    change_note = models.TextField(blank=True, help_text="What this version or revision changes, and why.")
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    prepared_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    loaded_at = models.DateTimeField(auto_now=True)

    objects = FrameworkQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["name", "version"]

    def __str__(self):
        return f"{self.name} ({self.version})"

    def get_absolute_url(self):
        return reverse("assurance:framework-detail", kwargs={"slug": self.slug})

    @property
    def is_draft(self) -> bool:
        return self.status == FrameworkStatus.DRAFT

    @property
    def is_assessable(self) -> bool:
        return self.status in ASSESSABLE

    @property
    def is_closed(self) -> bool:
        return self.status == FrameworkStatus.CLOSED

    def next_deadline(self, today=None):
        today = today or timezone.localdate()
        return self.deadlines.filter(due_on__gte=today).order_by("due_on").first()


class Deadline(models.Model):
    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="deadlines")
    name = models.CharField(max_length=200)
    due_on = models.DateField()

    class Meta:
        ordering = ["due_on"]
        constraints = [models.UniqueConstraint(fields=["framework", "name"], name="deadline_name_unique")]

    def __str__(self):
        return f"{self.name} ({self.due_on:%-d %B %Y})"


class FrameworkAction(models.Model):
    """A safety action (MIS) or Immediate and Essential Action (Ockenden)."""

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="actions")
    code = models.CharField(max_length=20)
    title = models.CharField(max_length=300)
    summary = models.TextField(blank=True)
    order = models.PositiveIntegerField()

    class Meta:
        ordering = ["framework", "order"]
        constraints = [models.UniqueConstraint(fields=["framework", "code"], name="action_code_unique")]

    def __str__(self):
        return f"{self.code} {self.title}"


class Requirement(models.Model):
    action = models.ForeignKey(FrameworkAction, on_delete=models.CASCADE, related_name="requirements")
    code = models.CharField(max_length=30)
    title = models.CharField(max_length=300)
    text = models.TextField()
    evidence_guidance = models.TextField(blank=True)
    threshold = models.CharField(
        max_length=100, blank=True, help_text="The standard to reach, as the guidance words it, e.g. 95%."
    )
    due_on = models.DateField("Due", null=True, blank=True)
    wording_checked = models.BooleanField(
        "Wording checked against the source",
        default=False,
        help_text="Ticked only once the wording has been compared with the published source document.",
    )
    replaces = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="replaced_by",
        help_text="The requirement of the previous version this one replaces; empty for a new requirement.",
    )
    order = models.PositiveIntegerField()

    history = HistoricalRecords()

    class Meta:
        ordering = ["action__order", "order"]
        constraints = [models.UniqueConstraint(fields=["action", "code"], name="requirement_code_unique")]

    def __str__(self):
        return f"{self.code} {self.title}"


# --- Assessments ------------------------------------------------------------------------------


class Status(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    NOT_MET = "not_met", "Not met"
    PARTIALLY_MET = "partially_met", "Partially met"
    MET = "met", "Met"
    NOT_APPLICABLE = "not_applicable", "Not applicable"


# An action (or IEA) is met only when every requirement is met or not applicable.
DONE_STATUSES = frozenset({Status.MET, Status.NOT_APPLICABLE})


class Verification(models.TextChoices):
    NOT_SUBMITTED = "not_submitted", "Not yet submitted"
    AWAITING = "awaiting", "Awaiting LMNS verification"
    ACCEPTED = "accepted", "Accepted by the LMNS"
    CHALLENGED = "challenged", "Challenged by the LMNS"


class Assessment(models.Model):
    """A provider's assessment against one framework version."""

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="assessments")
    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="assessments")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ProviderScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["provider__name", "framework__name"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "framework"], name="one_assessment_per_framework")
        ]

    def __str__(self):
        return f"{self.provider} — {self.framework}"

    def get_absolute_url(self):
        return reverse("assurance:assessment-detail", kwargs={"pk": self.pk})


class RequirementAssessmentQuerySet(models.QuerySet):
    def visible_to(self, user):
        from lmns.access import providers_for

        return self.filter(assessment__provider__in=providers_for(user))

    def overdue_action_plans(self, today=None):
        return self.filter(overdue_action_plan(today))

    def ready_to_submit(self):
        """What "Submit to the LMNS" sends: assessed and not yet submitted. A challenged
        requirement comes back here only when the provider changes its position or answers the
        challenge in its commentary (``item_update`` withdraws it), never unchanged."""
        return self.filter(verification=Verification.NOT_SUBMITTED).exclude(status=Status.NOT_STARTED)


def overdue_action_plan(today=None) -> models.Q:
    """Items not met (nor not applicable) whose action plan was due before ``today``: a condition
    a count can filter on without a subquery."""
    return ~models.Q(status__in=DONE_STATUSES) & models.Q(action_due_on__lt=today or timezone.localdate())


class RequirementAssessment(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="items")
    requirement = models.ForeignKey(Requirement, on_delete=models.PROTECT, related_name="assessments")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NOT_STARTED)
    not_applicable_reason = models.TextField(blank=True)
    commentary = models.TextField("Provider commentary", blank=True, help_text=PID_WARNING)
    action_plan = models.TextField(blank=True, help_text="What will be done to meet the requirement.")
    action_owner = models.CharField(
        max_length=200, blank=True, help_text="A role or name, e.g. Director of Midwifery."
    )
    action_due_on = models.DateField("Action plan due", null=True, blank=True)
    verification = models.CharField(
        max_length=20, choices=Verification.choices, default=Verification.NOT_SUBMITTED
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    challenge_comment = models.TextField(blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = RequirementAssessmentQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["requirement__action__order", "requirement__order"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "requirement"], name="one_item_per_requirement"),
            models.CheckConstraint(
                condition=~Q(status=Status.NOT_APPLICABLE) | ~Q(not_applicable_reason=""),
                name="not_applicable_needs_reason",
                violation_error_message="Say why this requirement does not apply.",
            ),
        ]

    def __str__(self):
        return f"{self.requirement.code}: {self.get_status_display()}"

    def get_absolute_url(self):
        return reverse("assurance:item-detail", kwargs={"pk": self.pk})

    @property
    def provider(self):
        return self.assessment.provider

    @property
    def is_done(self):
        return self.status in DONE_STATUSES

    @property
    def is_ready_to_submit(self):
        return self.verification == Verification.NOT_SUBMITTED and self.status != Status.NOT_STARTED

    @property
    def is_action_plan_overdue(self):
        return (
            not self.is_done and self.action_due_on is not None and self.action_due_on < timezone.localdate()
        )

    def clean(self):
        errors = {}
        if self.status == Status.NOT_APPLICABLE and not self.not_applicable_reason.strip():
            errors["not_applicable_reason"] = "Say why this requirement does not apply."
        if self.status in {Status.NOT_MET, Status.PARTIALLY_MET}:
            if not self.action_plan.strip():
                errors["action_plan"] = "Describe the action plan for a requirement that is not met."
            if not self.action_owner.strip():
                errors["action_owner"] = "Name who owns the action plan."
            if not self.action_due_on:
                errors["action_due_on"] = "Enter when the action plan is due."
        if errors:
            raise ValidationError(errors)


# --- Evidence ---------------------------------------------------------------------------------


class EvidenceQuerySet(ProviderScopedQuerySet):
    def current(self, today=None):
        today = today or timezone.localdate()
        return self.filter(Q(expires_on__isnull=True) | Q(expires_on__gte=today))


def evidence_upload_to(instance, filename):
    # Stored under an opaque name: the original is kept in `original_name` for download.
    return f"evidence/{instance.provider_id}/{timezone.now():%Y/%m}/{instance.token}"


class Evidence(models.Model):
    """A file or a link that supports one or more requirements, possibly across frameworks."""

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="evidence")
    description = models.CharField(max_length=300, help_text=PID_WARNING)
    file = models.FileField(upload_to=evidence_upload_to, blank=True)
    token = models.CharField(max_length=40, editable=False, blank=True)
    original_name = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(default=0)
    url = models.URLField("Link", blank=True, max_length=500)
    effective_from = models.DateField()
    expires_on = models.DateField(null=True, blank=True)
    items = models.ManyToManyField(
        RequirementAssessment, through="EvidenceLink", related_name="evidence", blank=True
    )
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    objects = EvidenceQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-added_at"]
        verbose_name_plural = "evidence"
        constraints = [
            models.CheckConstraint(
                condition=(Q(file="") & ~Q(url="")) | (~Q(file="") & Q(url="")),
                name="evidence_is_a_file_or_a_link",
                violation_error_message="Evidence is either a file or a link.",
            ),
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gte=models.F("effective_from")),
                name="evidence_expires_after_it_starts",
                violation_error_message="The expiry date must be after the effective date.",
            ),
        ]

    def __str__(self):
        return self.description

    @property
    def is_file(self):
        return bool(self.file)

    @property
    def is_expired(self):
        return self.expires_on is not None and self.expires_on < timezone.localdate()


class EvidenceLinkQuerySet(models.QuerySet):
    def visible_to(self, user):
        from lmns.access import providers_for

        return self.filter(evidence__provider__in=providers_for(user))


class EvidenceLink(models.Model):
    """Evidence supporting one requirement assessment.

    Links carried forward from an earlier framework version start ``to_review`` and
    do not count as support until someone confirms they still apply.
    """

    evidence = models.ForeignKey(Evidence, on_delete=models.CASCADE, related_name="links")
    item = models.ForeignKey(RequirementAssessment, on_delete=models.CASCADE, related_name="evidence_links")
    to_review = models.BooleanField(default=False)
    linked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    linked_at = models.DateTimeField(auto_now_add=True)

    objects = EvidenceLinkQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["evidence", "item"], name="evidence_linked_once")]

    def __str__(self):
        return f"{self.evidence} for {self.item}"

    @property
    def provider(self):
        return self.evidence.provider


# --- Board workbooks built in the background ---------------------------------------------------


class BoardWorkbookJob(ExportJob):
    """An LMNS-wide compliance board workbook for one framework."""

    build_task = "assurance.tasks.build_board_workbook"

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="+")
    file = models.FileField(upload_to="workbooks/", blank=True)

    def __str__(self):
        return f"{self.framework} workbook for {self.lmns}"

    def get_absolute_url(self):
        return reverse("assurance:workbook-job", kwargs={"pk": self.pk})
