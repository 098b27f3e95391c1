"""Visit templates: the sections and lines of enquiry an assurance visit asks, authored like a
framework (versioned, published with two keys, with provenance) instead of fixed in code.

A visit copies the wording of its template's lines when it is planned, so a later version of
the template never rewrites what a past visit asked.
"""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from assurance.models.compliance import FrameworkQuerySet, FrameworkStatus
from lmns.historical_records import HistoricalRecords

SECTION_CODE_LENGTH = 20  # the length of a finding's section code
LINE_CODE_LENGTH = 30
PROMPT_LENGTH = 300  # the length of a visit's line of enquiry


class VisitTemplateQuerySet(models.QuerySet):
    # The same rule as frameworks: deployment-wide and the user's LMNSs' own; drafts only for the
    # LMNS officers and safety leads who check them, so a provider never reads unagreed wording.
    visible_to = FrameworkQuerySet.visible_to

    def published(self):
        return self.filter(status=FrameworkStatus.PUBLISHED)


def visit_template_source_upload_to(instance, filename):
    # Stored under an opaque name, like evidence and frameworks' sources; the original name is kept
    # for download.
    return f"visit-template-sources/{timezone.now():%Y/%m}/{instance.source_token}"


class VisitTemplate(models.Model):
    """One version of a visit template, e.g. the CQC's five key questions."""

    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=200)
    version = models.CharField(max_length=50)
    lmns = models.ForeignKey(
        "lmns.Lmns",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="visit_templates",
        help_text="Empty for a deployment-wide template; else a local template only this LMNS uses.",
    )
    status = models.CharField(max_length=20, choices=FrameworkStatus.choices, default=FrameworkStatus.DRAFT)
    source_file = models.CharField(
        max_length=200, blank=True, help_text="The data file this template was loaded from, if any."
    )
    source_note = models.TextField(blank=True)
    source_publisher = models.CharField("Source publisher", max_length=200, blank=True)
    source_title = models.CharField("Source document title", max_length=300, blank=True)
    source_date = models.DateField("Source document date", null=True, blank=True)
    source_url = models.URLField("Link to the source document", max_length=500, blank=True)
    source_document = models.FileField(upload_to=visit_template_source_upload_to, blank=True)
    source_token = models.CharField(max_length=40, editable=False, blank=True)
    source_document_name = models.CharField(max_length=255, blank=True)
    source_document_type = models.CharField(max_length=100, blank=True)
    revise_note = models.TextField(
        "To be revised",
        blank=True,
        help_text="When this template must be looked at again, for example when the publisher replaces "
        "its framework.",
    )
    previous = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The version this one was copied from.",
    )
    revises = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="revisions",
        help_text="The published template this revision corrects.",
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

    objects = VisitTemplateQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["name", "version"]

    def __str__(self):
        return f"{self.name} ({self.version})"

    def get_absolute_url(self):
        return reverse("assurance:visit-template-detail", kwargs={"slug": self.slug})

    @property
    def is_draft(self) -> bool:
        return self.status == FrameworkStatus.DRAFT

    @property
    def is_published(self) -> bool:
        return self.status == FrameworkStatus.PUBLISHED


class VisitTemplateSection(models.Model):
    """A heading a visit is organised by, e.g. the CQC's "Safe"; findings are recorded against one."""

    template = models.ForeignKey(VisitTemplate, on_delete=models.CASCADE, related_name="sections")
    code = models.CharField(max_length=SECTION_CODE_LENGTH)
    title = models.CharField(max_length=200)
    order = models.PositiveIntegerField()

    history = HistoricalRecords()

    class Meta:
        ordering = ["template", "order"]
        constraints = [
            models.UniqueConstraint(fields=["template", "code"], name="visit_template_section_code_unique")
        ]

    def __str__(self):
        return self.title


class VisitTemplateLine(models.Model):
    section = models.ForeignKey(VisitTemplateSection, on_delete=models.CASCADE, related_name="lines")
    code = models.CharField(max_length=LINE_CODE_LENGTH)
    prompt = models.CharField("Line of enquiry", max_length=PROMPT_LENGTH)
    guidance = models.TextField(blank=True, help_text="What to look at or ask about, for the visit team.")
    wording_checked = models.BooleanField(
        "Wording checked against the source",
        default=False,
        help_text="Ticked only once the wording has been compared with the published source document.",
    )
    order = models.PositiveIntegerField()

    history = HistoricalRecords()

    class Meta:
        ordering = ["section__order", "order"]

    def __str__(self):
        return f"{self.code} {self.prompt}"
