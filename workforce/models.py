"""Monthly workforce returns, and Freedom to Speak Up (FTSU) concerns.

Workforce returns are provider-owned figures that everyone who can see the provider
may read. FTSU concerns are the opposite: only the provider's FTSU guardians and the
LMNS's FTSU lead may read one (lmns.access.ftsu_concern_scope); everyone else sees
counts, with small numbers suppressed (workforce.selectors).
"""

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from lmns.historical_records import HistoricalRecords
from lmns.models import Lmns, Provider, ProviderScopedQuerySet
from lmns.months import add_months, first_of_month
from lmns.reference_data import CodedReferenceEntry
from lmns.spc import Direction

# A month's return is due by this day of the following month; after it, the return is late.
RETURN_DUE_DAY = 15
MAX_TEXT = 5000  # characters in any free-text answer: a concern, a reply, a note

NO_STAFF_ID_HINT = (
    "Figures only. Do not enter names or anything else that could identify a patient or member of staff."
)


def return_due_on(month: date) -> date:
    return add_months(month, 1).replace(day=RETURN_DUE_DAY)


# --- Workforce returns ---------------------------------------------------------------------


def _wte(label, help_text="", **extra):
    return models.DecimalField(
        label,
        max_digits=7,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0), "WTE cannot be negative."), MaxValueValidator(9999)],
        help_text=help_text or "Whole-time equivalent, for example 112.40.",
        **extra,
    )


def count_field(label, help_text=""):
    return models.PositiveIntegerField(label, validators=[MaxValueValidator(100_000)], help_text=help_text)


def _percentage(label, help_text=""):
    return models.DecimalField(
        label,
        max_digits=4,
        decimal_places=1,
        validators=[
            MinValueValidator(Decimal(0), "Enter a percentage of 0 or more."),
            MaxValueValidator(Decimal(100), "Enter a percentage of 100 or less."),
        ],
        help_text=help_text,
    )


class TrainingModule(models.TextChoices):
    # Core Competency Framework version 2 (in force January 2024): the modules the MIS
    # expects 90% of each staff group to have completed in the last 12 months.
    FETAL_MONITORING = "fetal_monitoring", "Fetal monitoring and surveillance"
    EMERGENCIES = "emergencies", "Maternity emergencies and multi-professional training (PROMPT)"
    NEWBORN_LIFE_SUPPORT = "newborn_life_support", "Newborn life support"


class WorkforceReturnQuerySet(ProviderScopedQuerySet):
    def with_training(self):
        """Fetch each return's training figures and their staff groups in one more query."""
        return self.prefetch_related(
            models.Prefetch("training_figures", queryset=TrainingFigure.objects.select_related("staff_group"))
        )


class WorkforceReturn(models.Model):
    """One provider's workforce figures for one calendar month."""

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="workforce_returns")
    month = models.DateField(help_text="The first day of the month the figures are for.")

    # Midwifery establishment (Birthrate Plus establishment vs funded vs in post).
    funded_midwife_wte = _wte("Funded midwifery establishment (WTE)")
    in_post_midwife_wte = _wte("Midwives in post (WTE)")
    birthrate_plus_wte = _wte(
        "Birthrate Plus recommended establishment (WTE)",
        "From the most recent Birthrate Plus assessment.",
        null=True,
        blank=True,
    )
    birthrate_plus_on = models.DateField("Date of the Birthrate Plus assessment", null=True, blank=True)
    turnover_rate = _percentage(
        "Midwife turnover, rolling 12 months (%)", "As your workforce team reports it, from 0 to 100."
    )
    # Maternity support workers (MSW framework 2024).
    funded_msw_wte = _wte("Funded maternity support worker establishment (WTE)")
    in_post_msw_wte = _wte("Maternity support workers in post (WTE)")
    # Care in labour (MIS safety actions 4 and 5).
    women_in_labour = count_field("Women in established labour this month")
    one_to_one_care = count_field("Of whom received 1:1 care throughout established labour")
    coordinator_shifts = count_field("Labour ward shifts this month")
    supernumerary_shifts = count_field("Of which the coordinator was supernumerary throughout")
    consultant_hours = models.DecimalField(
        "Obstetric consultant presence on the labour ward (hours a week)",
        max_digits=4,
        decimal_places=1,
        validators=[
            MinValueValidator(Decimal(0), "Hours cannot be negative."),
            MaxValueValidator(Decimal(168), "A week has 168 hours; enter 168 or fewer."),
        ],
        help_text="Average hours a week with a consultant physically present, from 0 to 168.",
    )
    # Retention (national preceptorship framework; retention and pastoral midwives).
    preceptees = count_field("Newly qualified midwives on preceptorship")
    retention_midwife = models.BooleanField(
        "A retention or pastoral support midwife is in post", default=False
    )
    # Training compliance is counted per module and staff group in TrainingFigure
    # (workforce.training), so that each group is rated on its own.

    notes = models.TextField(blank=True, max_length=2000, help_text=NO_STAFF_ID_HINT)
    # The flagged month-on-month changes the submitter confirmed were right, in words.
    confirmed_changes = models.TextField(blank=True, editable=False)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    submitted_at = models.DateTimeField(default=timezone.now)

    objects = WorkforceReturnQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["provider__name", "-month"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "month"], name="workforce_return_one_per_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="workforce_return_month_is_first_day"),
        ]

    def __str__(self):
        return f"{self.provider} workforce return, {self.month:%B %Y}"

    def get_absolute_url(self):
        return reverse("workforce:return-detail", kwargs={"pk": self.pk})

    def unique_error_message(self, model_class, unique_check):
        if set(unique_check) == {"provider", "month"}:
            return ValidationError(
                f"{self.provider.name} has already submitted a return for {self.month:%B %Y}. "
                "Open it from the provider's workforce page to correct it.",
                code="unique_together",
            )
        return super().unique_error_message(model_class, unique_check)

    def clean(self):
        errors = {}
        pairs = [
            ("one_to_one_care", "women_in_labour", "women in established labour"),
            ("supernumerary_shifts", "coordinator_shifts", "labour ward shifts"),
        ]
        for part, whole, words in pairs:
            part_value, whole_value = getattr(self, part), getattr(self, whole)
            if part_value is not None and whole_value is not None and part_value > whole_value:
                errors[part] = f"This cannot be more than the number of {words} ({whole_value})."
        if self.birthrate_plus_on and self.birthrate_plus_on > timezone.localdate():
            errors["birthrate_plus_on"] = "The Birthrate Plus assessment date cannot be in the future."
        if self.birthrate_plus_wte is not None and not self.birthrate_plus_on:
            errors["birthrate_plus_on"] = "Enter the date of the Birthrate Plus assessment."
        # A month's figures (shifts, women in labour) are not known until it is over. Checked
        # on submission only: a return's month never changes, and one submitted before this
        # rule may still be corrected.
        if self._state.adding and self.month and self.month >= first_of_month(timezone.localdate()):
            errors["month"] = "A return can be submitted once its month has ended."
        if errors:
            raise ValidationError(errors)

    # Derived rates: worked out from the counts, so they are always 0 to 100.
    @property
    def due_on(self) -> date:
        return return_due_on(self.month)

    @property
    def is_late(self) -> bool:
        return timezone.localdate(self.submitted_at) > self.due_on

    @property
    def vacancy_rate(self):
        return _vacancy(self.funded_midwife_wte, self.in_post_midwife_wte)

    @property
    def msw_vacancy_rate(self):
        return _vacancy(self.funded_msw_wte, self.in_post_msw_wte)

    @property
    def one_to_one_rate(self):
        return rate_of(self.one_to_one_care, self.women_in_labour)

    @property
    def supernumerary_rate(self):
        return rate_of(self.supernumerary_shifts, self.coordinator_shifts)

    @property
    def training(self) -> list["ModuleCompliance"]:
        """Each module's figures by staff group. Fetch returns with ``with_training()`` first, or
        this costs a query per return."""
        figures = list(self.training_figures.all()) if self.pk else []
        return [module_compliance(figures, module) for module in TrainingModule.values]

    def training_module(self, module: str) -> "ModuleCompliance":
        return next(item for item in self.training if item.module == module)

    def training_rate(self, module: str) -> Decimal | None:
        """The module's rate in its lowest staff group: never a blend of groups."""
        return self.training_module(module).rate

    def training_lowest_group(self, module: str) -> str:
        return self.training_module(module).lowest_name


def rate_of(part, whole) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))


def _vacancy(funded, in_post) -> Decimal | None:
    """Vacant funded posts as a share of the funded establishment; 0 when over-established."""
    if not funded:
        return None
    return max(Decimal(0), (funded - in_post) * 100 / funded).quantize(Decimal("0.1"))


@dataclass(frozen=True)
class Measure:
    key: str
    label: str
    unit: str  # "%", "WTE", "hours", or "" for a count
    value: object  # WorkforceReturn -> number or None
    # WorkforceReturn -> whose figure the value is, where it is one group's of several: a
    # training module is rated by its lowest staff group, and says which.
    named: object = None
    # Whether the chart draws a target line: the measure's threshold (``target_in``).
    targeted: bool = False
    # Largest month-on-month change taken as plausible without confirmation: percentage
    # points for rates, a share of last month's figure for WTE, None for no check.
    jump: Decimal | None = None
    # Which way is better, so that SPC charts call a special cause improvement or concern.
    direction: Direction = Direction.NEUTRAL
    # The training module a measure rates by its lowest staff group, "" for any other: a summary
    # of many returns reads those from their figures fetched at once (workforce.quality).
    module: str = ""

    def of(self, workforce_return):
        return self.value(workforce_return)

    def target_in(self, thresholds: dict) -> float | None:
        """The line the chart rates this measure against: the amber line of its threshold in
        ``thresholds`` (one LMNS's, from lmns.thresholds.thresholds_for), as the quality view's
        rating and the training tables' "Below" tags read it."""
        return float(thresholds[self.key].amber) if self.targeted else None

    def name_of(self, workforce_return) -> str:
        return self.named(workforce_return) if self.named else ""


HIGHER, LOWER = Direction.HIGHER_IS_BETTER, Direction.LOWER_IS_BETTER
MEASURES = [
    Measure("funded_midwife_wte", "Funded midwifery establishment", "WTE",
            lambda r: r.funded_midwife_wte, jump=Decimal("0.10")),
    Measure("in_post_midwife_wte", "Midwives in post", "WTE",
            lambda r: r.in_post_midwife_wte, jump=Decimal("0.10"), direction=HIGHER),
    Measure("birthrate_plus_wte", "Birthrate Plus recommended establishment", "WTE",
            lambda r: r.birthrate_plus_wte),
    Measure("vacancy_rate", "Midwifery vacancy rate", "%", lambda r: r.vacancy_rate,
            jump=Decimal(10), direction=LOWER),
    Measure("turnover_rate", "Midwife turnover (rolling 12 months)", "%",
            lambda r: r.turnover_rate, jump=Decimal(10), direction=LOWER),
    Measure("in_post_msw_wte", "Maternity support workers in post", "WTE",
            lambda r: r.in_post_msw_wte, jump=Decimal("0.20"), direction=HIGHER),
    Measure("msw_vacancy_rate", "Maternity support worker vacancy rate", "%",
            lambda r: r.msw_vacancy_rate, jump=Decimal(15), direction=LOWER),
    Measure("one_to_one_rate", "1:1 care in established labour", "%",
            lambda r: r.one_to_one_rate, targeted=True, jump=Decimal(15), direction=HIGHER),
    Measure("supernumerary_rate", "Labour ward coordinator supernumerary", "%",
            lambda r: r.supernumerary_rate, targeted=True, jump=Decimal(20), direction=HIGHER),
    Measure("consultant_hours", "Obstetric consultant presence on the labour ward", "hours",
            lambda r: r.consultant_hours, jump=Decimal("0.25"), direction=HIGHER),
    Measure("preceptees", "Midwives on preceptorship", "", lambda r: r.preceptees),
    *(
        # The month-on-month check is made per staff group (workforce.training.selectors).
        Measure(f"{module}_rate", f"Training: {label}, lowest staff group", "%",
                lambda r, module=module: r.training_rate(module), targeted=True,
                direction=HIGHER, named=lambda r, module=module: r.training_lowest_group(module),
                module=module)
        for module, label in TrainingModule.choices
    ),
]  # fmt: skip
MEASURES_BY_KEY = {measure.key: measure for measure in MEASURES}

from workforce.training.models import (  # noqa: E402
    ModuleCompliance,
    StaffGroup,  # noqa: F401
    TrainingFigure,
    module_compliance,
)

# --- Freedom to Speak Up -------------------------------------------------------------------


class ReceivedBy(models.TextChoices):
    PROVIDER = "provider", "The provider's Freedom to Speak Up guardian"
    LMNS = "lmns", "The LMNS"


class Route(models.TextChoices):
    IN_PERSON = "in_person", "In person"
    PHONE = "phone", "Phone"
    EMAIL = "email", "Email"
    ONLINE = "online", "Online speak-up form"
    LETTER = "letter", "Letter"
    OTHER = "other", "Other"


class RaisedAs(models.TextChoices):
    # The National Guardian's Office's definitions, which NHS England's FTSU data collection
    # kept when the Office closed: open (the name may be shared), confidential
    # (the guardian knows who, and shares it with no one without consent unless the law
    # requires), anonymous (nobody knows who).
    OPEN = "open", "Openly"
    CONFIDENTIAL = "confidential", "Confidentially"
    ANONYMOUS = "anonymous", "Anonymously"


class ProfessionalGroup(CodedReferenceEntry):
    """The professional group of the person who spoke up, as the FTSU return counts them."""

    NOT_KNOWN = "not_known"

    history = HistoricalRecords()

    class Meta(CodedReferenceEntry.Meta):
        constraints = [
            models.UniqueConstraint(
                "label",
                condition=Q(lmns__isnull=True),
                name="professional_group_label_unique_deployment_wide",
            ),
            models.UniqueConstraint("lmns", "label", name="professional_group_label_unique_in_lmns"),
        ]


class FtsuCategory(CodedReferenceEntry):
    """An element of a Freedom to Speak Up case (the National Guardian's Office's, kept by NHS
    England's FTSU data collection when the Office closed in June 2026); a case may have several.
    Detriment for speaking up, the fifth element, is a yes-or-no question of its own
    (``FtsuConcern.detriment_reported``)."""

    history = HistoricalRecords()

    class Meta(CodedReferenceEntry.Meta):
        verbose_name = "Freedom to Speak Up category"
        verbose_name_plural = "Freedom to Speak Up categories"
        constraints = [
            models.UniqueConstraint(
                "label", condition=Q(lmns__isnull=True), name="ftsu_category_label_unique_deployment_wide"
            ),
            models.UniqueConstraint("lmns", "label", name="ftsu_category_label_unique_in_lmns"),
        ]


class ConcernStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    IN_PROGRESS = "in_progress", "In progress"
    CLOSED = "closed", "Closed"


class DayOnlyHistoricalRecords(HistoricalRecords):
    """History whose rows keep the day of each change, never its time.

    A concern raised online with the LMNS keeps only its date so that its raiser cannot be
    matched to who was at a keyboard when; a history row stamped to the second would undo
    that, so every change to a concern is stamped at the start of its (local) day.
    """

    def create_historical_record(self, instance, history_type, using=None):
        instance._history_date = start_of_day()
        super().create_historical_record(instance, history_type, using)

    def create_history_model(self, model, inherited):
        history_model = super().create_history_model(model, inherited)
        history_model.day_only = True  # so that the History page shows no time either
        return history_model

    def contribute_to_class(self, cls, name):
        super().contribute_to_class(cls, name)
        cls._history_records = self

    def m2m_changed(self, *args, **kwargs):
        # No row of its own for a change of links: it would show as a change with nothing in
        # it. ``FtsuConcern.save_with_categories`` puts the links in the row of the save.
        return


def start_of_day() -> datetime:
    return timezone.make_aware(datetime.combine(timezone.localdate(), time.min))


class FtsuConcernQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Concerns ``user`` may read: stricter than any other record (lmns.access.ftsu_concern_scope)."""
        from lmns.access import ftsu_concern_scope

        return self.filter(ftsu_concern_scope(user))


class FtsuConcern(models.Model):
    """A concern raised through Freedom to Speak Up.

    An anonymous concern holds nothing that identifies the person who raised it; the
    contact details of anyone else are encrypted at rest (workforce.crypto) and shown only
    to the guardian handling the concern. A concern raised online with the LMNS keeps no
    address, time of day or account: only the date, and a hash of the raiser's passphrase.
    """

    reference = models.CharField(max_length=20, unique=True, editable=False)
    lmns = models.ForeignKey(Lmns, on_delete=models.PROTECT, related_name="+", verbose_name="LMNS")
    provider = models.ForeignKey(
        Provider,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text="The provider the concern is about, if the person said.",
    )
    received_by = models.CharField(max_length=10, choices=ReceivedBy.choices)
    route = models.CharField("How it was raised", max_length=10, choices=Route.choices)
    received_on = models.DateField("Date received")
    raised_as = models.CharField("Raised", max_length=12, choices=RaisedAs.choices)
    # Keyed by code in the same column as when the groups were fixed choices, so stored values
    # and exports read as before.
    professional_group = models.ForeignKey(
        ProfessionalGroup,
        on_delete=models.PROTECT,
        to_field="code",
        db_column="professional_group",
        related_name="+",
        default=ProfessionalGroup.NOT_KNOWN,
    )
    categories = models.ManyToManyField(FtsuCategory, related_name="concerns", verbose_name="About")
    detriment_reported = models.BooleanField(
        "Detriment for speaking up reported",
        default=False,
        help_text="The person says they have been treated badly because they spoke up.",
    )
    summary = models.TextField(max_length=MAX_TEXT)
    actions_taken = models.TextField("Actions taken", blank=True, max_length=MAX_TEXT)
    feedback_given = models.TextField("Feedback given to the person", blank=True, max_length=MAX_TEXT)
    status = models.CharField(max_length=12, choices=ConcernStatus.choices, default=ConcernStatus.RECEIVED)
    closed_on = models.DateField("Date closed", null=True, blank=True)
    outcome = models.TextField("Outcome at closure", blank=True, max_length=MAX_TEXT)
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text="The guardian handling the concern: the only person shown a raiser's contact details.",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    # Fernet token of the raiser's contact details; empty for anonymous concerns.
    contact_encrypted = models.TextField(blank=True, editable=False)
    # Hash of the passphrase with which someone who spoke up online reads replies.
    passphrase_hash = models.CharField(max_length=200, blank=True, editable=False)

    objects = FtsuConcernQuerySet.as_manager()
    # The passphrase hash stays out of history: a past hash would still open the case's
    # replies for whoever learnt the old passphrase.
    history = DayOnlyHistoricalRecords(excluded_fields=["passphrase_hash"], m2m_fields=["categories"])
    # Kept in history as it is kept here, encrypted; the History page says only that it changed.
    history_withheld_fields = {"contact_encrypted": "Contact details"}

    class Meta:
        ordering = ["-received_on", "-pk"]
        verbose_name = "Freedom to Speak Up concern"
        constraints = [
            models.CheckConstraint(
                condition=~Q(raised_as=RaisedAs.ANONYMOUS) | Q(contact_encrypted=""),
                name="ftsu_anonymous_has_no_contact",
            ),
            models.CheckConstraint(
                condition=~Q(received_by=ReceivedBy.PROVIDER) | Q(provider__isnull=False),
                name="ftsu_provider_received_has_provider",
            ),
            models.CheckConstraint(
                condition=Q(status=ConcernStatus.CLOSED, closed_on__isnull=False)
                | (~Q(status=ConcernStatus.CLOSED) & Q(closed_on__isnull=True)),
                name="ftsu_closed_has_date",
            ),
        ]

    def __str__(self):
        # Never the summary: this may be printed in places the summary must not reach.
        return f"Freedom to Speak Up concern {self.reference}"

    def get_absolute_url(self):
        return reverse("workforce:concern-detail", kwargs={"pk": self.pk})

    def clean(self):
        errors = {}
        if self.received_by == ReceivedBy.PROVIDER and not self.provider_id:
            errors["provider"] = "Select the provider whose guardian received the concern."
        if self.provider_id and self.lmns_id and self.provider.lmns_id != self.lmns_id:
            errors["provider"] = "Select a provider of this LMNS."
        if self.received_on and self.received_on > timezone.localdate():
            errors["received_on"] = "The date received cannot be in the future."
        if self.status == ConcernStatus.CLOSED:
            if not self.closed_on:
                errors["closed_on"] = "Enter the date the concern was closed."
            elif self.received_on and self.closed_on < self.received_on:
                errors["closed_on"] = "The date closed must be the same as or after the date received."
            if not self.outcome.strip():
                errors["outcome"] = "Enter the outcome at closure."
        elif self.closed_on:
            errors["closed_on"] = "Only a closed concern has a date closed; clear it or close the concern."
        if errors:
            raise ValidationError(errors)

    def save_with_categories(self, categories) -> None:
        """Save the concern and link its categories, so that the one history row this change
        makes holds both (a new concern needs its pk before it can be linked)."""
        if self._state.adding:
            self.save()
            self.categories.set(categories)
            self._history_records.create_historical_record_m2ms(self.history.latest(), self)
        else:
            self.categories.set(categories)
            self.save()

    @property
    def has_contact(self) -> bool:
        return bool(self.contact_encrypted)

    @property
    def raised_online(self) -> bool:
        return bool(self.passphrase_hash)


class FtsuMessage(models.Model):
    """A message between the person who spoke up online and the guardian. The raiser
    reads these with their passphrase; only the date is kept, never the time."""

    concern = models.ForeignKey(FtsuConcern, on_delete=models.CASCADE, related_name="messages")
    from_raiser = models.BooleanField()
    body = models.TextField(max_length=MAX_TEXT)
    sent_on = models.DateField()
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(from_raiser=True, sent_by__isnull=True)
                | Q(from_raiser=False, sent_by__isnull=False),
                name="ftsu_message_raiser_is_never_a_user",
            )
        ]

    def __str__(self):
        return f"Message on {self.concern.reference}"


class FtsuNote(models.Model):
    """A guardian's working note: never shown to the person who raised the concern."""

    concern = models.ForeignKey(FtsuConcern, on_delete=models.CASCADE, related_name="notes")
    body = models.TextField(max_length=MAX_TEXT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return f"Note on {self.concern.reference}"


# The perinatal return and outcome signals live in their own module; imported here so that
# Django finds their models with the app's.
# Safety champions and the MNVP's feedback live in their own package; loading them here registers them.
from workforce.champions.models import (  # noqa: E402, F401
    ChampionAction,
    ChampionsMeeting,
    MnvpFeedback,
    Walkabout,
)
from workforce.perinatal.imports.models import (  # noqa: E402, F401
    MonthlyImportMapping,
    MonthlyReturnImport,
)
from workforce.perinatal.models import (  # noqa: E402, F401
    OutcomeSignal,
    PerinatalReturn,
    SafetyCheckAction,
)

# The SCORE culture survey cycle lives in its own package too.
from workforce.score.models import (  # noqa: E402, F401
    ScoreAction,
    ScoreDebrief,
    ScoreResult,
    ScoreSetting,
    ScoreWave,
)
