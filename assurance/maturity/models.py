"""Maturity assessments: a maturity model (the local learning system's, or any other an LMNS
adopts) as domains by levels with a descriptor in each cell, authored as data like the frameworks
(versioned, with provenance, drafted and published with two keys), and rounds that score each
domain at a level, for one provider or for the LMNS itself, compared with the round before."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse

from assurance.models.compliance import IN_FORCE_OR_CLOSED, FrameworkStatus
from lmns.historical_records import HistoricalRecords

CODE_LENGTH = 30


class MaturityModelQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The models of the user's LMNSs. A draft is seen only by the LMNS officers and safety
        leads who check it, as a draft framework is: its wording is not yet agreed."""
        from lmns.access import FRAMEWORK_CHECKER_ROLES, lmnss_for
        from lmns.models import Membership

        if not (user and user.is_authenticated and user.is_active):
            return self.none()
        if user.is_superuser:
            return self
        checks = Membership.objects.filter(user=user, role__in=FRAMEWORK_CHECKER_ROLES, lmns__isnull=False)
        return self.filter(
            Q(lmns__in=lmnss_for(user), status__in=IN_FORCE_OR_CLOSED) | Q(lmns__in=checks.values("lmns"))
        )

    def scorable(self):
        return self.filter(status__in=[FrameworkStatus.DRAFT, FrameworkStatus.PUBLISHED])


class MaturityModel(models.Model):
    """One version of a maturity model as one LMNS adopted it (loaded from a file in
    assurance/maturity_models/, or corrected in the product while a draft)."""

    lmns = models.ForeignKey("lmns.Lmns", on_delete=models.PROTECT, related_name="maturity_models")
    slug = models.SlugField(max_length=80, help_text="The same for every version of one model.")
    name = models.CharField(max_length=200)
    version = models.CharField(max_length=50)
    status = models.CharField(max_length=20, choices=FrameworkStatus.choices, default=FrameworkStatus.DRAFT)
    source_file = models.CharField(max_length=200, blank=True, help_text="The data file it was loaded from.")
    source_note = models.TextField(
        blank=True, help_text="Where the domains and descriptors come from, and how far they were checked."
    )
    wording_checked = models.BooleanField(
        "Wording checked against the source",
        default=False,
        help_text="Ticked only once every domain, level and descriptor has been compared with the "
        "published source.",
    )
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    prepared_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = MaturityModelQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["name", "version"]
        constraints = [
            models.UniqueConstraint(fields=["lmns", "slug", "version"], name="one_maturity_model_version")
        ]

    def __str__(self):
        return f"{self.name} ({self.version})"

    def get_absolute_url(self):
        return reverse("assurance:maturity-model", kwargs={"pk": self.pk})

    @property
    def is_draft(self) -> bool:
        return self.status == FrameworkStatus.DRAFT


class MaturityDomain(models.Model):
    model = models.ForeignKey(MaturityModel, on_delete=models.CASCADE, related_name="domains")
    code = models.CharField(max_length=CODE_LENGTH)
    name = models.CharField(max_length=200)
    order = models.PositiveIntegerField()

    history = HistoricalRecords()

    class Meta:
        ordering = ["model", "order"]
        constraints = [models.UniqueConstraint(fields=["model", "code"], name="maturity_domain_code_unique")]

    def __str__(self):
        return self.name


class MaturityLevel(models.Model):
    """A level of maturity; its number is what a round scores and compares."""

    model = models.ForeignKey(MaturityModel, on_delete=models.CASCADE, related_name="levels")
    number = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=100)

    history = HistoricalRecords()

    class Meta:
        ordering = ["model", "number"]
        constraints = [
            models.UniqueConstraint(fields=["model", "number"], name="maturity_level_number_unique")
        ]

    def __str__(self):
        return f"{self.number}. {self.name}"


class MaturityDescriptor(models.Model):
    """What a domain looks like at one level."""

    domain = models.ForeignKey(MaturityDomain, on_delete=models.CASCADE, related_name="descriptors")
    level = models.ForeignKey(MaturityLevel, on_delete=models.CASCADE, related_name="descriptors")
    text = models.TextField()

    history = HistoricalRecords()

    class Meta:
        ordering = ["domain__order", "level__number"]
        constraints = [
            models.UniqueConstraint(fields=["domain", "level"], name="one_maturity_descriptor_per_cell")
        ]

    def __str__(self):
        return f"{self.domain.code} at {self.level.number}"


class RoundState(models.TextChoices):
    IN_PROGRESS = "in_progress", "In progress"
    SUBMITTED = "submitted", "Submitted"


class MaturityRoundQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A provider's rounds: the provider and its LMNS. The LMNS's own rounds: its staff. Either
        only where the user sees the model scored (a draft's round is its checkers')."""
        from lmns.access import lmnss_staffed_by, providers_for

        return self.filter(
            Q(provider__in=providers_for(user)) | Q(provider__isnull=True, lmns__in=lmnss_staffed_by(user)),
            model__in=MaturityModel.objects.visible_to(user),
        )


class MaturityRound(models.Model):
    """One self-assessment against a maturity model on a day: of a provider, or of the LMNS itself
    (provider empty)."""

    model = models.ForeignKey(MaturityModel, on_delete=models.PROTECT, related_name="rounds")
    lmns = models.ForeignKey("lmns.Lmns", on_delete=models.PROTECT, related_name="maturity_rounds")
    provider = models.ForeignKey(
        "lmns.Provider", on_delete=models.PROTECT, null=True, blank=True, related_name="maturity_rounds"
    )
    assessed_on = models.DateField(help_text="The day the round describes, for example the review meeting.")
    state = models.CharField(max_length=20, choices=RoundState.choices, default=RoundState.IN_PROGRESS)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)

    objects = MaturityRoundQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-assessed_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["model", "provider", "assessed_on"],
                condition=Q(provider__isnull=False),
                name="one_provider_maturity_round_per_day",
            ),
            # A NULL provider is distinct from every other in a unique index: the LMNS's own rounds
            # need their own constraint.
            models.UniqueConstraint(
                fields=["model", "lmns", "assessed_on"],
                condition=Q(provider__isnull=True),
                name="one_lmns_maturity_round_per_day",
            ),
        ]

    def __str__(self):
        return f"{self.model.name}, {self.assessed_on:%-d %B %Y}: {self.organisation_name}"

    def get_absolute_url(self):
        return reverse("assurance:maturity-round", kwargs={"pk": self.pk})

    @property
    def organisation(self):
        return self.provider or self.lmns

    @property
    def organisation_name(self) -> str:
        return self.organisation.name

    @property
    def is_editable(self) -> bool:
        return self.state == RoundState.IN_PROGRESS

    def clean(self):
        if self.provider_id and self.provider.lmns_id != self.lmns_id:
            raise ValidationError({"provider": "Select a provider of the model's LMNS."})


class MaturityScore(models.Model):
    round = models.ForeignKey(MaturityRound, on_delete=models.CASCADE, related_name="scores")
    domain = models.ForeignKey(MaturityDomain, on_delete=models.PROTECT, related_name="scores")
    level = models.ForeignKey(
        MaturityLevel, on_delete=models.PROTECT, null=True, blank=True, related_name="scores"
    )
    note = models.TextField("Note and evidence", blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["domain__order"]
        constraints = [
            models.UniqueConstraint(fields=["round", "domain"], name="one_maturity_score_per_domain")
        ]

    def __str__(self):
        return f"{self.domain.code}: {self.level or 'not scored'}"
