"""Training compliance by staff group (MIS safety action 8, Core Competency Framework v2).

A workforce return counts, for each training module and each staff group the module applies
to, the staff who need the training and those of them who are up to date. A module is rated
by its lowest group, named, never by a blend of groups: the MIS asks for 90% of each group.

Loaded by ``workforce.models`` so that Django finds these models in the workforce app.
"""

from dataclasses import dataclass, replace
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q

from lmns.historical_records import HistoricalRecords
from lmns.reference_data import ReferenceEntry
from workforce.models import TrainingModule, count_field, rate_of


class StaffGroup(ReferenceEntry):
    """A staff group whose training compliance is counted, and the modules it needs."""

    code = models.SlugField(
        max_length=40, unique=True, help_text="A short fixed name for the group, used by the API and exports."
    )
    name = models.CharField(max_length=120)
    position = models.PositiveSmallIntegerField(
        default=0, help_text="Where the group comes in forms and tables."
    )
    needs_fetal_monitoring = models.BooleanField("Needs fetal monitoring training", default=False)
    needs_emergencies = models.BooleanField("Needs maternity emergencies (PROMPT) training", default=False)
    needs_newborn_life_support = models.BooleanField("Needs newborn life support training", default=False)
    is_active = models.BooleanField(
        default=True, help_text="Inactive groups are not asked for in new returns; old returns keep theirs."
    )
    source = models.CharField(max_length=300, blank=True, help_text="Where this entry comes from.")
    wording_checked = models.BooleanField(
        "Checked against the current MIS guidance",
        default=False,
        help_text="Tick once the group and its modules have been checked against the published guidance.",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(
                "name", condition=Q(lmns__isnull=True), name="staff_group_name_unique_deployment_wide"
            ),
            models.UniqueConstraint("lmns", "name", name="staff_group_name_unique_in_lmns"),
        ]

    def __str__(self):
        return self.name

    def needs(self, module: str) -> bool:
        return getattr(self, f"needs_{module}")


class TrainingFigure(models.Model):
    """One module's compliance for one staff group in one monthly return."""

    workforce_return = models.ForeignKey(
        "workforce.WorkforceReturn", on_delete=models.CASCADE, related_name="training_figures"
    )
    module = models.CharField(max_length=30, choices=TrainingModule.choices)
    staff_group = models.ForeignKey(StaffGroup, on_delete=models.PROTECT, related_name="+")
    in_scope = count_field("Staff who need the training")
    compliant = count_field("Of whom are up to date")

    history = HistoricalRecords()

    class Meta:
        ordering = ["module", "staff_group__position", "staff_group__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["workforce_return", "module", "staff_group"], name="training_figure_one_per_group"
            ),
            models.CheckConstraint(
                condition=Q(compliant__lte=F("in_scope")), name="training_compliant_of_in_scope"
            ),
        ]

    def __str__(self):
        return f"{self.staff_group}: {self.get_module_display()}"

    @property
    def rate(self) -> Decimal | None:
        return rate_of(self.compliant, self.in_scope)

    @property
    def described(self) -> str:
        """Whose figure, for messages: "Midwives, newborn life support"."""
        return f"{self.staff_group.name}, {MODULE_SHORT[self.module]}"

    def clean(self):
        if self.compliant is not None and self.in_scope is not None and self.compliant > self.in_scope:
            raise ValidationError(
                {
                    "compliant": f"{self.described}: the number up to date cannot be more than the number "
                    f"who need the training ({self.in_scope})."
                }
            )


# Module names inside a sentence, after a staff group's name.
MODULE_SHORT = {
    TrainingModule.FETAL_MONITORING: "fetal monitoring",
    TrainingModule.EMERGENCIES: "maternity emergencies (PROMPT)",
    TrainingModule.NEWBORN_LIFE_SUPPORT: "newborn life support",
}


@dataclass(frozen=True)
class ModuleCompliance:
    """One module of a return: every group's figure, and the lowest group that has staff in scope."""

    module: str
    label: str
    figures: list[TrainingFigure]
    # The rate below which the module is flagged: its LMNS's threshold data (``with_target``).
    target: Decimal | None = None

    def with_target(self, thresholds: dict) -> "ModuleCompliance":
        """This module, flagged against its measure's threshold in ``thresholds`` (one LMNS's,
        from lmns.thresholds.thresholds_for): below the amber line is short of what is asked."""
        return replace(self, target=thresholds[f"{self.module}_rate"].amber)

    def below_target(self, rate: Decimal | None) -> bool:
        return self.target is not None and rate is not None and rate < self.target

    @property
    def lowest_below_target(self) -> bool:
        return self.below_target(self.rate)

    @property
    def rated_figures(self) -> list[tuple[TrainingFigure, bool]]:
        """Each group's figure, and whether it is below the target."""
        return [(figure, self.below_target(figure.rate)) for figure in self.figures]

    @property
    def lowest(self) -> TrainingFigure | None:
        rated = [figure for figure in self.figures if figure.rate is not None]
        # Ties go to the group that comes first, so the name shown does not change from load to load.
        return min(rated, key=lambda figure: figure.rate, default=None)

    @property
    def rate(self) -> Decimal | None:
        lowest = self.lowest
        return lowest.rate if lowest else None

    @property
    def lowest_name(self) -> str:
        lowest = self.lowest
        return lowest.staff_group.name if lowest else ""


def module_compliance(figures, module: str) -> ModuleCompliance:
    """``figures`` (a return's, already fetched) for ``module``, in group order."""
    chosen = [figure for figure in figures if figure.module == module]
    chosen.sort(key=lambda figure: (figure.staff_group.position, figure.staff_group.name))
    return ModuleCompliance(module, TrainingModule(module).label, chosen)
