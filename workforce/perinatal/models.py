"""The monthly perinatal return, and outcome signals with their critical safety checks.

A PerinatalReturn is one birth site's figures for the month of its provider's WorkforceReturn:
one form, one month, one deadline for the provider, a set of counts for each of its sites.
A provider's figures are the sum over its sites (PerinatalFigures). Counts are typed; every
rate is worked out from its count and denominator, never typed.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from lmns.historical_records import HistoricalRecords
from lmns.models import Provider, ProviderScopedQuerySet, Unit
from lmns.months import add_months, first_of_month
from lmns.spc import Direction


def _count(label, help_text=""):
    return models.PositiveIntegerField(label, validators=[MaxValueValidator(100_000)], help_text=help_text)


class PerinatalReturnQuerySet(models.QuerySet):
    def visible_to(self, user):
        from lmns.access import providers_for

        return self.filter(workforce_return__provider__in=providers_for(user))


class BirthsMixin:
    """The two denominators worked out from typed counts, for one site's return and for any sum
    of them alike."""

    @property
    def total_births(self) -> int:
        return (self.live_births or 0) + (self.stillbirths or 0)

    @property
    def term_live_births(self) -> int:
        return max(0, (self.term_births or 0) - (self.term_stillbirths or 0))


class PerinatalReturn(BirthsMixin, models.Model):
    """A birth site's perinatal figures for the month of its provider's workforce return."""

    workforce_return = models.ForeignKey(
        "workforce.WorkforceReturn", on_delete=models.CASCADE, related_name="perinatal_sites"
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="perinatal_returns", verbose_name="Site"
    )
    # Births (from 24+0 weeks). Term: 37+0 weeks or more.
    live_births = _count("Live births")
    stillbirths = _count("Stillbirths", "Babies born with no signs of life at 24+0 weeks or more.")
    term_births = _count("Term births", "Live births and stillbirths at 37+0 weeks or more.")
    term_stillbirths = _count("Of the stillbirths, at term")
    neonatal_deaths = _count("Neonatal deaths", "Deaths of live-born babies within 28 days of birth.")
    term_neonatal_deaths = _count("Of the neonatal deaths, babies born at term")
    late_fetal_losses = _count(
        "Late fetal losses", "Babies born with no signs of life at 22+0 to 23+6 weeks."
    )
    pmrt_reviews = _count(
        "Perinatal deaths reviewed with PMRT",
        "Reviews with the Perinatal Mortality Review Tool started this month.",
    )
    # Harm to babies and mothers.
    hie_cooled = _count("Babies cooled for hypoxic-ischaemic encephalopathy (HIE)")
    term_nnu_admissions = _count("Term admissions to the neonatal unit")
    pph_1500 = _count("Postpartum haemorrhages of 1.5 litres or more")
    third_fourth_degree_tears = _count("Third and fourth degree tears")
    # Staffing beyond the workforce return's consultant hours.
    obstetric_rota_gaps = _count(
        "Obstetric rota gaps", "Shifts on the obstetric medical rota not filled this month."
    )
    midwifery_shifts_planned = _count("Midwifery shifts planned")
    midwifery_shifts_filled = _count("Of which filled")
    # Service users.
    complaints = _count("Complaints received")
    compliments = _count("Compliments received")
    fft_responses = _count("Friends and Family Test responses")
    fft_positive = _count("Of which positive", "Responses answering 'very good' or 'good'.")

    confirmed_changes = models.TextField(blank=True, editable=False)

    objects = PerinatalReturnQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workforce_return", "unit"], name="perinatal_return_one_per_site")
        ]

    def __str__(self):
        return f"Perinatal return, {self.unit}, {self.workforce_return}"

    def get_absolute_url(self):
        return self.workforce_return.get_absolute_url()

    def clean(self):
        if self.unit_id is not None and self.workforce_return_id is not None:
            check_birth_site(self.unit, self.workforce_return.provider_id, "unit")
        # Each part is checked against its whole; a refused figure says what its whole is.
        pairs = [
            ("term_stillbirths", self.stillbirths, "stillbirths"),
            ("term_stillbirths", self.term_births, "term births"),
            ("term_births", self.total_births, "births (live births and stillbirths)"),
            ("neonatal_deaths", self.live_births, "live births"),
            ("term_neonatal_deaths", self.neonatal_deaths, "neonatal deaths"),
            ("term_neonatal_deaths", self.term_live_births, "term live births"),
            ("hie_cooled", self.live_births, "live births"),
            ("term_nnu_admissions", self.term_live_births, "term live births"),
            ("pph_1500", self.total_births, "births"),
            ("third_fourth_degree_tears", self.total_births, "births"),
            ("midwifery_shifts_filled", self.midwifery_shifts_planned, "midwifery shifts planned"),
            ("fft_positive", self.fft_responses, "Friends and Family Test responses"),
        ]
        errors = {}
        for part, whole, words in pairs:
            value = getattr(self, part)
            if part not in errors and value is not None and whole is not None and value > whole:
                errors[part] = f"This cannot be more than the number of {words} ({whole})."
        if errors:
            raise ValidationError(errors)


def check_birth_site(unit: Unit, provider_id: int, field: str) -> None:
    """Refuse a site of another provider, or a neonatal unit (no births of its own)."""
    if unit.provider_id != provider_id:
        raise ValidationError({field: f"{unit.name} is not a site of this provider."})
    if not unit.is_birth_site:
        raise ValidationError({field: f"{unit.name} is a neonatal unit: babies are not born there."})


COUNT_FIELDS = [
    field.name
    for field in PerinatalReturn._meta.concrete_fields
    if isinstance(field, models.PositiveIntegerField)
]


class PerinatalFigures(BirthsMixin):
    """Counts summed over sites (and months): a provider's figures, with the attribute names of
    one site's return, so that a rate reads either alike."""

    def __init__(self, sums: dict):
        for name in COUNT_FIELDS:
            setattr(self, name, sums.get(name) or 0)


@dataclass(frozen=True)
class Rate:
    """A rate worked out from a count and its denominator, shown with both."""

    key: str
    label: str
    numerator: str  # attribute of PerinatalReturn and PerinatalFigures
    denominator: str  # attribute or property of both
    denominator_words: str
    per: int = 1000  # 1000: per 1,000; 100: a percentage
    direction: Direction = Direction.LOWER_IS_BETTER
    # Largest month-on-month change taken as plausible without confirmation, in the rate's
    # own units; None where a rare event makes any jump plausible.
    jump: Decimal | None = None

    @property
    def unit(self) -> str:
        return "per 1,000" if self.per == 1000 else "%"

    def counts(self, perinatal: BirthsMixin) -> tuple[int, int]:
        return getattr(perinatal, self.numerator), getattr(perinatal, self.denominator)

    def of(self, perinatal: BirthsMixin) -> Decimal | None:
        part, whole = self.counts(perinatal)
        if not whole:
            return None
        return (Decimal(part) * self.per / Decimal(whole)).quantize(Decimal("0.01"))

    def describe(self, perinatal: BirthsMixin) -> str:
        part, whole = self.counts(perinatal)
        value = self.of(perinatal)
        if value is None:
            return f"No {self.denominator_words}"
        return f"{format_rate(value, self.unit)} ({part:,} of {whole:,} {self.denominator_words})"


def format_rate(value: Decimal, unit: str) -> str:
    return f"{value:.2f} per 1,000" if unit == "per 1,000" else f"{value:.1f}%"


HIGHER = Direction.HIGHER_IS_BETTER
RATES = [
    Rate("stillbirth_rate", "Stillbirths", "stillbirths", "total_births", "births"),
    Rate("neonatal_death_rate", "Neonatal deaths", "neonatal_deaths", "live_births", "live births"),
    Rate("term_stillbirth_rate", "Term stillbirths", "term_stillbirths", "term_births", "term births"),
    Rate("term_neonatal_death_rate", "Term neonatal deaths", "term_neonatal_deaths", "term_live_births",
         "term live births"),
    Rate("late_fetal_loss_rate", "Late fetal losses (22+0 to 23+6)", "late_fetal_losses", "total_births",
         "births"),
    Rate("hie_cooling_rate", "Babies cooled for HIE", "hie_cooled", "live_births", "live births"),
    Rate("term_nnu_rate", "Term admissions to the neonatal unit", "term_nnu_admissions", "term_live_births",
         "term live births", per=100, jump=Decimal(5)),
    Rate("pph_rate", "Postpartum haemorrhage of 1.5 litres or more", "pph_1500", "total_births", "births",
         per=100, jump=Decimal(5)),
    Rate("tears_rate", "Third and fourth degree tears", "third_fourth_degree_tears", "total_births", "births",
         per=100, jump=Decimal(5)),
    Rate("midwifery_fill_rate", "Midwifery shifts filled", "midwifery_shifts_filled",
         "midwifery_shifts_planned", "shifts planned", per=100, direction=HIGHER, jump=Decimal(15)),
    Rate("fft_positive_rate", "Friends and Family Test positive", "fft_positive", "fft_responses",
         "responses", per=100, direction=HIGHER, jump=Decimal(20)),
]  # fmt: skip
RATES_BY_KEY = {rate.key: rate for rate in RATES}
# Figures whose month-on-month change beyond this share of last month's must be confirmed:
# births and shifts change with the seasons, not by a quarter in a month.
COUNT_JUMPS = {
    "live_births": ("Live births", Decimal("0.25")),
    "term_births": ("Term births", Decimal("0.25")),
    "midwifery_shifts_planned": ("Midwifery shifts planned", Decimal("0.25")),
}


# --- Outcome signals and critical safety checks --------------------------------------------


class SignalKind(models.TextChoices):
    LMNS = "lmns", "LMNS outcome signal"
    NATIONAL = "national", "National MOSS signal (received by the trust)"


class SignalMeasure(models.TextChoices):
    TERM_STILLBIRTHS = "term_stillbirths", "Term stillbirths"
    TERM_NEONATAL_DEATHS = "term_neonatal_deaths", "Term neonatal deaths (to 28 days)"


class SignalLevel(models.TextChoices):
    AMBER = "amber", "Amber"
    RED = "red", "Red"


# A critical safety check is due this many working days after the signal.
CHECK_WORKING_DAYS = 8

# Importing months of figures at once opens a signal, and a check due in eight working days,
# only for a crossing in one of the last this many months before the current month (or in the
# current month): returns arrive the month after and are corrected for weeks as PMRT reviews
# and deaths up to 28 days come in, so a quarter covers a late return and its correction.
# Years of past returns loaded at once would otherwise open a check for every crossing in them,
# and the live signal would be lost among old ones. A crossing that a return or correction
# brings about through the form or the API opens its signal whatever its month, since it is
# new information. An older crossing that opened none stays on the CUSUM and is listed on the
# provider's perinatal page. The window is this system's choice for the LMNS to review, not a
# national rule.
SIGNAL_WINDOW_MONTHS = 3


def signal_window_start(today: date) -> date:
    """The first month whose crossing still opens a signal with its check, as of ``today``."""
    return add_months(first_of_month(today), -SIGNAL_WINDOW_MONTHS)


class OutcomeSignalQuerySet(ProviderScopedQuerySet):
    def open_checks(self):
        return self.filter(check_completed_on__isnull=True)

    def overdue(self, today: date | None = None):
        return self.open_checks().filter(check_due_on__lt=today or timezone.localdate())

    def filter_open_or_raised(self, start: date, end: date):
        """Signals whose check is still open, or that were raised from ``start`` to before ``end``."""
        return self.filter(Q(check_completed_on__isnull=True) | Q(raised_on__gte=start, raised_on__lt=end))


class OutcomeSignal(models.Model):
    """A signal that a site's term stillbirth or neonatal death rate may have doubled, and the
    critical safety check it opens: findings, actions with owners, shared with the LMNS."""

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="outcome_signals")
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="outcome_signals", verbose_name="Site"
    )
    kind = models.CharField(max_length=10, choices=SignalKind.choices)
    measure = models.CharField(max_length=30, choices=SignalMeasure.choices)
    level = models.CharField(max_length=10, choices=SignalLevel.choices)
    month = models.DateField(help_text="The month of the figures that raised the signal.")
    statistic = models.DecimalField(max_digits=8, decimal_places=3, null=True, blank=True)
    threshold = models.DecimalField(max_digits=8, decimal_places=3, null=True, blank=True)
    raised_on = models.DateField("Date the signal was raised or received")
    check_due_on = models.DateField(editable=False)
    findings = models.TextField("Findings of the critical safety check", blank=True, max_length=5000)
    check_completed_on = models.DateField("Date the check was completed", null=True, blank=True)
    shared_with_lmns_at = models.DateTimeField(null=True, blank=True, editable=False)
    notes = models.TextField(blank=True, max_length=2000)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = OutcomeSignalQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-raised_on", "provider__name", "measure"]
        constraints = [
            # The LMNS's own CUSUM opens one signal per site, measure and month, however often
            # the return is corrected.
            models.UniqueConstraint(
                fields=["unit", "measure", "month"],
                condition=Q(kind="lmns"),
                name="outcome_signal_lmns_one_per_month",
            ),
            models.CheckConstraint(condition=Q(month__day=1), name="outcome_signal_month_is_first_day"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.get_measure_display()}, {self.unit}, {self.month:%B %Y}"

    def get_absolute_url(self):
        return reverse("workforce:signal-detail", kwargs={"pk": self.pk})

    def clean(self):
        if self.unit_id is not None and self.provider_id is not None:
            check_birth_site(self.unit, self.provider_id, "unit")

    @property
    def is_complete(self) -> bool:
        return self.check_completed_on is not None

    @property
    def is_overdue(self) -> bool:
        return not self.is_complete and timezone.localdate() > self.check_due_on


class SafetyCheckActionQuerySet(models.QuerySet):
    def visible_to(self, user):
        from lmns.access import providers_for

        return self.filter(signal__provider__in=providers_for(user))


class SafetyCheckAction(models.Model):
    """An action agreed in a critical safety check, with its owner."""

    signal = models.ForeignKey(OutcomeSignal, on_delete=models.CASCADE, related_name="actions")
    description = models.TextField(max_length=2000)
    owner = models.CharField("Owner", max_length=200, help_text="A role, or a member of staff's name.")
    due_on = models.DateField("Due date")
    completed_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = SafetyCheckActionQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_on", "pk"]

    def __str__(self):
        return f"Action for {self.signal}: {self.description[:60]}"

    def get_absolute_url(self):
        return self.signal.get_absolute_url()

    @property
    def provider(self) -> Provider:
        """The provider that owns the action (lmns.access.organisation_of)."""
        return self.signal.provider

    @property
    def is_overdue(self) -> bool:
        return self.completed_on is None and timezone.localdate() > self.due_on
