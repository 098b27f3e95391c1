"""Organisations (LMNS, provider trusts, maternity units) and who belongs to them."""

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from simple_history import register

from lmns import sealing
from lmns.historical_records import HistoricalRecords

# ODS codes: organisations have 3 (trusts) or 5 (sites) upper-case alphanumerics.
ods_code_validator = RegexValidator(
    r"^[A-Z0-9]{3,5}$", "Enter an ODS code of 3 to 5 capital letters and digits, for example RXX or RXX01."
)


class Lmns(models.Model):
    """A Local Maternity and Neonatal System. One deployment may host several."""

    name = models.CharField(max_length=200, unique=True)
    code = models.SlugField(
        max_length=40, unique=True, help_text="Short identifier used in addresses and exports."
    )
    two_factor_required = models.BooleanField(
        "Require two-factor sign-in for LMNS staff",
        default=False,
        help_text=(
            "Everyone who holds a role at this LMNS must sign in with a code from an authenticator "
            "app as well as their password. Provider staff are not affected."
        ),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = "LMNS"
        verbose_name_plural = "LMNSs"

    def __str__(self):
        return self.name


class ProviderQuerySet(models.QuerySet):
    def visible_to(self, user):
        from lmns.access import providers_for

        return self.filter(pk__in=providers_for(user).values("pk"))


class Provider(models.Model):
    """An NHS trust providing maternity and neonatal care within an LMNS."""

    lmns = models.ForeignKey(Lmns, on_delete=models.PROTECT, related_name="providers", verbose_name="LMNS")
    name = models.CharField(max_length=200)
    ods_code = models.CharField("ODS code", max_length=5, unique=True, validators=[ods_code_validator])

    objects = ProviderQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["lmns", "name"], name="provider_name_unique_in_lmns")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("lmns:provider-detail", kwargs={"ods_code": self.ods_code})


class UnitType(models.TextChoices):
    OBSTETRIC_UNIT = "obstetric_unit", "Obstetric unit"
    ALONGSIDE_MLU = "alongside_mlu", "Alongside midwife-led unit"
    FREESTANDING_MLU = "freestanding_mlu", "Freestanding midwife-led unit"
    NEONATAL_SCU = "neonatal_scu", "Neonatal special care unit (level 1)"
    NEONATAL_LNU = "neonatal_lnu", "Local neonatal unit (level 2)"
    NEONATAL_NICU = "neonatal_nicu", "Neonatal intensive care unit (level 3)"


# Where babies are born: the sites a monthly perinatal return and the outcome signal are per
# (MOSS signals a site). A neonatal unit cares for babies born elsewhere, so has no births.
# Listed in the order a provider's sites are shown: the obstetric unit, where most babies are
# born and the unit a provider's figures were first given for, comes first.
BIRTH_SITE_ORDER = (UnitType.OBSTETRIC_UNIT, UnitType.ALONGSIDE_MLU, UnitType.FREESTANDING_MLU)
BIRTH_SITE_TYPES = frozenset(BIRTH_SITE_ORDER)


class ProviderScopedQuerySet(models.QuerySet):
    """Records owned by one provider; every read for a user goes through ``visible_to``."""

    def visible_to(self, user):
        from lmns.access import providers_for

        return self.filter(provider__in=providers_for(user))


class LmnsScopedQuerySet(models.QuerySet):
    """Records owned by an LMNS, visible to its staff and to its providers' users."""

    def visible_to(self, user):
        from lmns.access import lmnss_for

        return self.filter(lmns__in=lmnss_for(user))


def birth_site_ordering(prefix: str = "") -> list:
    """The ``order_by`` of birth sites (BIRTH_SITE_ORDER, then by name), of a relation's
    through ``prefix`` (e.g. "unit__")."""
    rank = models.Case(
        *(models.When(**{f"{prefix}unit_type": kind}, then=i) for i, kind in enumerate(BIRTH_SITE_ORDER)),
        default=len(BIRTH_SITE_ORDER),
    )
    return [rank, f"{prefix}name"]


class UnitQuerySet(ProviderScopedQuerySet):
    def birth_sites(self):
        """Where babies are born, in the order they are shown (birth_site_ordering)."""
        return self.filter(unit_type__in=BIRTH_SITE_TYPES).order_by(*birth_site_ordering())


class Unit(models.Model):
    """A maternity or neonatal unit (site) of a provider."""

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="units")
    name = models.CharField("Site name", max_length=200)
    ods_site_code = models.CharField(
        "ODS site code", max_length=5, unique=True, validators=[ods_code_validator]
    )
    unit_type = models.CharField("Type", max_length=20, choices=UnitType.choices)

    objects = UnitQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["provider__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "name"], name="unit_name_unique_in_provider")
        ]

    def __str__(self):
        return self.name

    @property
    def is_birth_site(self) -> bool:
        return self.unit_type in BIRTH_SITE_TYPES

    @property
    def birth_site_key(self) -> tuple:
        """birth_site_ordering for sites already fetched."""
        rank = BIRTH_SITE_ORDER.index(self.unit_type) if self.is_birth_site else len(BIRTH_SITE_ORDER)
        return (rank, self.name)

    def clean(self):
        # A site's perinatal figures and outcome signals count births there (workforce.perinatal,
        # reached by its related names): as a neonatal unit it would hold births it cannot have.
        if (
            self.pk
            and not self.is_birth_site
            and (self.perinatal_returns.exists() or self.outcome_signals.exists())
        ):
            raise ValidationError(
                {
                    "unit_type": "This site has perinatal figures or outcome signals, so babies are born "
                    "there: it cannot become a neonatal unit. Add the neonatal unit as a site of its own."
                }
            )


class Role(models.TextChoices):
    PROVIDER_CONTRIBUTOR = "provider_contributor", "Provider contributor"
    PROVIDER_LEAD = "provider_lead", "Provider lead"
    PROVIDER_FTSU_GUARDIAN = "provider_ftsu_guardian", "Provider Freedom to Speak Up guardian"
    LMNS_OFFICER = "lmns_officer", "LMNS officer"
    LMNS_SAFETY_LEAD = "lmns_safety_lead", "LMNS safety lead"
    LMNS_FTSU_LEAD = "lmns_ftsu_lead", "LMNS Freedom to Speak Up lead"
    BOARD_VIEWER = "board_viewer", "Board viewer (read-only)"
    SYSTEM_ADMINISTRATOR = "system_administrator", "System administrator"


# Which roles make sense at which level. A board viewer may sit on a trust board
# (provider) or on the ICB/LMNS board (LMNS).
PROVIDER_ROLES = frozenset(
    {Role.PROVIDER_CONTRIBUTOR, Role.PROVIDER_LEAD, Role.PROVIDER_FTSU_GUARDIAN, Role.BOARD_VIEWER}
)
LMNS_ROLES = frozenset(
    {
        Role.LMNS_OFFICER,
        Role.LMNS_SAFETY_LEAD,
        Role.LMNS_FTSU_LEAD,
        Role.BOARD_VIEWER,
        Role.SYSTEM_ADMINISTRATOR,
    }
)


class Membership(models.Model):
    """Ties a user to one provider or one LMNS with a role; a user may hold several."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    provider = models.ForeignKey(
        Provider, null=True, blank=True, on_delete=models.CASCADE, related_name="memberships"
    )
    lmns = models.ForeignKey(
        Lmns, null=True, blank=True, on_delete=models.CASCADE, related_name="memberships", verbose_name="LMNS"
    )
    role = models.CharField(max_length=30, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["user__username", "role"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(provider__isnull=False, lmns__isnull=True, role__in=sorted(PROVIDER_ROLES))
                    | Q(provider__isnull=True, lmns__isnull=False, role__in=sorted(LMNS_ROLES))
                ),
                name="membership_one_organisation_matching_role",
            ),
            models.UniqueConstraint(
                fields=["user", "provider", "role"],
                condition=Q(provider__isnull=False),
                name="membership_unique_provider_role",
            ),
            models.UniqueConstraint(
                fields=["user", "lmns", "role"],
                condition=Q(lmns__isnull=False),
                name="membership_unique_lmns_role",
            ),
        ]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()} at {self.organisation}"

    @property
    def organisation(self):
        return self.provider or self.lmns

    def clean(self):
        if bool(self.provider_id) == bool(self.lmns_id):
            raise ValidationError("Choose either a provider or an LMNS, not both.")
        if self.provider_id and self.role not in PROVIDER_ROLES:
            raise ValidationError({"role": f"{self.get_role_display()} is an LMNS role; choose an LMNS."})
        if self.lmns_id and self.role not in LMNS_ROLES:
            raise ValidationError(
                {"role": f"{self.get_role_display()} is a provider role; choose a provider."}
            )


# --- Quality view: RAG thresholds ---------------------------------------------------------------


class RagMeasure(models.TextChoices):
    """Measures on the provider quality view that carry a red, amber or green rating."""

    INCIDENTS_MODERATE_OR_WORSE = "incidents_moderate_or_worse", "Incidents with moderate or worse harm"
    PSIIS_OPEN = "psiis_open", "Patient safety incident investigations open"
    SAFETY_ACTIONS_OVERDUE = "safety_actions_overdue", "Safety actions overdue"
    COMPLIANCE_ACTIONS_OUTSTANDING = (
        "compliance_actions_outstanding",
        "Compliance actions not yet met and verified",
    )
    COMPLIANCE_PLANS_OVERDUE = "compliance_plans_overdue", "Compliance action plans overdue"
    RECOMMENDATIONS_OVERDUE = "recommendations_overdue", "Visit recommendations overdue"
    IMMEDIATE_CONCERNS = "immediate_concerns", "Immediate safety concerns from visits still open"
    VACANCY_RATE = "vacancy_rate", "Midwifery vacancy rate (%)"
    TURNOVER_RATE = "turnover_rate", "Midwife turnover (%)"
    MSW_VACANCY_RATE = "msw_vacancy_rate", "Maternity support worker vacancy rate (%)"
    ONE_TO_ONE_RATE = "one_to_one_rate", "1:1 care in established labour (%)"
    SUPERNUMERARY_RATE = "supernumerary_rate", "Labour ward coordinator supernumerary (%)"
    FETAL_MONITORING_RATE = "fetal_monitoring_rate", "Training: fetal monitoring (%)"
    EMERGENCIES_RATE = "emergencies_rate", "Training: maternity emergencies (%)"
    NEWBORN_LIFE_SUPPORT_RATE = "newborn_life_support_rate", "Training: newborn life support (%)"
    PERINATAL_RETURNS_OVERDUE = "perinatal_returns_overdue", "Monthly perinatal returns overdue"
    SAFETY_CHECKS_OVERDUE = "safety_checks_overdue", "Critical safety checks overdue"


class RagDirection(models.TextChoices):
    LOWER_IS_BETTER = "lower", "Lower is better: rate red at or above the red threshold"
    HIGHER_IS_BETTER = "higher", "Higher is better: rate red below the red threshold"


class RagThreshold(models.Model):
    """One LMNS's amber and red thresholds for one measure, from a date.

    A change is a new row, never an edit, so that a past month is rated as it was
    then and the board can see who moved a threshold and why.
    """

    lmns = models.ForeignKey(
        Lmns, on_delete=models.CASCADE, related_name="rag_thresholds", verbose_name="LMNS"
    )
    measure = models.CharField(max_length=40, choices=RagMeasure.choices)
    direction = models.CharField(max_length=10, choices=RagDirection.choices)
    amber = models.DecimalField(max_digits=7, decimal_places=2, help_text="Amber from this value.")
    red = models.DecimalField(max_digits=7, decimal_places=2, help_text="Red from this value.")
    effective_from = models.DateField(help_text="Ratings for periods ending on or after this date use it.")
    note = models.TextField(help_text="Why the threshold is set or changed, for the record.")
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    changed_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["lmns", "measure", "-effective_from", "-pk"]
        verbose_name = "RAG threshold"
        constraints = [
            models.CheckConstraint(
                condition=(Q(direction="lower") & Q(red__gte=models.F("amber")))
                | (Q(direction="higher") & Q(red__lte=models.F("amber"))),
                name="rag_threshold_red_beyond_amber",
                violation_error_message="The red threshold must be at or beyond the amber one.",
            )
        ]

    def __str__(self):
        return f"{self.get_measure_display()} from {self.effective_from:%-d %B %Y}"

    def clean(self):
        # Imported here because lmns.thresholds imports these models.
        from lmns.thresholds import DEFAULT_THRESHOLDS

        # Which way is better belongs to the measure, not to a choice that could invert its ratings.
        if self.measure in DEFAULT_THRESHOLDS:
            self.direction = DEFAULT_THRESHOLDS[self.measure].direction
        # Checked here as well as by the constraint: a form without the direction field skips
        # constraints that name it.
        if self.amber is not None and self.red is not None:
            lower = self.direction == RagDirection.LOWER_IS_BETTER
            if (lower and self.red < self.amber) or (not lower and self.red > self.amber):
                raise ValidationError({"red": "The red threshold must be at or beyond the amber one."})
        this_month = timezone.localdate().replace(day=1)
        if self.pk is None and self.effective_from and self.effective_from < this_month:
            raise ValidationError(
                {
                    "effective_from": "A threshold takes effect from the start of this month or later, "
                    "so that past months keep the ratings the board saw."
                }
            )


# --- Quality view: monthly snapshots and board packs -----------------------------------------


class ExportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Being built"
    DONE = "done", "Ready"
    FAILED = "failed", "Failed"


class QualitySnapshot(models.Model):
    """A provider's quality view for one month, frozen on the 16th of the next month, the day
    after its workforce returns fall due.

    A board pack for a past month is built from this, so that it shows what was known then,
    not what was edited later. Never changed once taken (quality.board_packs.snapshots_take).
    """

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="quality_snapshots")
    month = models.DateField(help_text="The first day of the month the figures are for.")
    taken_at = models.DateTimeField(default=timezone.now)
    # quality.quality.quality_as_data: every figure, rating and reason, and each chart's series.
    content = models.JSONField()

    objects = ProviderScopedQuerySet.as_manager()

    class Meta:
        ordering = ["provider__name", "-month"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "month"], name="quality_snapshot_one_per_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="quality_snapshot_month_is_first_day"),
        ]

    def __str__(self):
        return f"{self.provider} quality snapshot, {self.month:%B %Y}"


class ExportJobQuerySet(models.QuerySet):
    def visible_to(self, user):
        # An LMNS-wide workbook holds every provider's position: the LMNS's own members only.
        from lmns.access import lmnss_staffed_by

        return self.filter(lmns__in=lmnss_staffed_by(user))


class ExportJob(models.Model):
    """An LMNS-wide workbook built by a Celery task while the user waits (lmns.jobs)."""

    lmns = models.ForeignKey(Lmns, on_delete=models.CASCADE, related_name="+", verbose_name="LMNS")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=20, choices=ExportStatus.choices, default=ExportStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent done.")
    error = models.TextField(blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Empty while the broker could not be reached: lmns.outbox sends the job again later.
    sent_at = models.DateTimeField(null=True, blank=True, help_text="When the job was handed to a worker.")
    attempts = models.PositiveSmallIntegerField(default=0, help_text="Runs started (lmns.jobs).")
    # The last sign of life (sent, started, progressed): a job whose worker died stops moving,
    # and lmns.jobs.stale_jobs_requeue puts it back on the queue once, then fails it.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    requeues = models.PositiveSmallIntegerField(
        default=0, help_text="Times put back on the queue when stuck."
    )

    objects = ExportJobQuerySet.as_manager()

    # The Celery task that builds a job of this kind, given its pk.
    build_task: str

    class Meta:
        abstract = True
        ordering = ["-requested_at"]


class BoardPackJob(ExportJob):
    """An LMNS-wide quality board pack for one month. The quality app builds it; the model
    stays here, with its table and migrations, as it imports nothing from above."""

    build_task = "quality.tasks.build_board_pack"

    month = models.DateField()
    file = models.FileField(upload_to="board-packs/", blank=True)

    def __str__(self):
        return f"Board pack for {self.lmns}, {self.month:%B %Y}"

    def get_absolute_url(self):
        return reverse("lmns:board-pack-job", kwargs={"pk": self.pk})


class UnsentEmail(models.Model):
    """An email the broker could not take when it was queued; lmns.outbox sends it later.

    The body is kept encrypted (lmns.sealing): it may hold a password reset link. Make one
    with ``hold`` and read it with ``message``.
    """

    to = models.JSONField()
    subject = models.TextField()
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return self.subject

    @classmethod
    def hold(cls, *, to: list[str], subject: str, body: str) -> "UnsentEmail":
        return cls.objects.create(to=to, subject=subject, body=sealing.seal(body))

    def message(self) -> str:
        """The body as written; sealing.InvalidToken if the secret key it was sealed with is gone."""
        return sealing.unseal(self.body)


# --- People: the audit trail of accounts ---------------------------------------------------------


class UserHistoricalRecords(HistoricalRecords):
    """A user's history without a row for each sign-in, when Django saves only ``last_login``."""

    def post_save(self, instance, created, using=None, **kwargs):
        update_fields = kwargs.get("update_fields")
        if update_fields and set(update_fields) <= {"last_login"}:
            return
        super().post_save(instance, created, using=using, **kwargs)


# Who invited, deactivated or reactivated whom (lmns.people). The password hash is never kept.
register(User, app="lmns", records_class=UserHistoricalRecords, excluded_fields=["password", "last_login"])


# How people hear of work arriving lives in its own package; loading it here registers it.
from lmns.work_email.models import PendingWorkEmail, WorkEmailPreference  # noqa: E402, F401
