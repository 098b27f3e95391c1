"""The training grid of the monthly workforce return: for each module, the staff who need it
and those up to date, in each staff group it applies to.

A mixin so that the return's form keeps its own fields as they are; the grid's values reach
the services as one ``training`` list of ``FigureInput``.
"""

from django import forms
from django.db.models import Q

from workforce.models import TrainingModule
from workforce.training.models import MODULE_SHORT, StaffGroup
from workforce.training.services import FigureInput

MAX_STAFF = 100_000
PARTS = ("in_scope", "compliant")
# Each label names the group and the module, so that it makes sense read on its own.
PART_LABELS = {
    "in_scope": "{group}: staff who need {module} training",
    "compliant": "{group}: of whom up to date with {module}",
}


def grid_field_name(module: str, group: StaffGroup, part: str) -> str:
    return f"training-{module}-{group.code}-{part}"


def _field(group: StaffGroup, module: str, part: str, initial) -> forms.IntegerField:
    whom = group.name if group.name[:2].isupper() else group.name[0].lower() + group.name[1:]
    number = (
        f"the number of {whom} who need {MODULE_SHORT[module]} training"
        if part == "in_scope"
        else f"the number of {whom} up to date with {MODULE_SHORT[module]} training"
    )
    field = forms.IntegerField(
        label=PART_LABELS[part].format(group=group.name, module=MODULE_SHORT[module]),
        min_value=0,
        max_value=MAX_STAFF,
        initial=initial,
        widget=forms.NumberInput(attrs={"class": "nhsuk-input--width-5", "inputmode": "numeric"}),
    )
    field.error_messages.update(
        required=f"Enter {number}",
        invalid=f"Enter {number} as a whole number, for example 24",
        min_value=f"{number[0].upper()}{number[1:]} cannot be negative",
        max_value=f"{number[0].upper()}{number[1:]} must be {MAX_STAFF:,} or fewer",
    )
    return field


class TrainingGridMixin:
    """Adds the grid to a return's form. A new return asks for every active staff group of the
    provider's LMNS that each module applies to; a correction keeps the groups the return was
    submitted with, so that a return from before staff groups is corrected in its own shape."""

    def add_training_grid(self, *, groups, figures=(), targets=None):
        """``targets``: each module's rate its groups are rated against, where the provider and
        month are known (``module_targets``)."""
        self.training_groups = list(groups)
        self.training_targets = targets or {}
        held = {(figure.module, figure.staff_group_id): figure for figure in figures}
        self.training_cells = []  # (module, group) in the order shown
        for module in TrainingModule.values:
            for group in self.training_groups:
                figure = held.get((module, group.pk))
                if figure is None and (held or not group.needs(module)):
                    continue
                self.training_cells.append((module, group))
                for part in PARTS:
                    self.fields[grid_field_name(module, group, part)] = _field(
                        group, module, part, getattr(figure, part, None)
                    )

    def clean_training_grid(self, cleaned_data):
        """Check each cell pair, then replace the cells by one ``training`` list."""
        training = []
        for module, group in self.training_cells:
            names = [grid_field_name(module, group, part) for part in PARTS]
            in_scope, compliant = (cleaned_data.pop(name, None) for name in names)
            if in_scope is None or compliant is None:
                continue  # the empty or invalid cell has its own error
            if compliant > in_scope:
                self.add_error(
                    names[1],
                    f"{group.name}, {MODULE_SHORT[module]}: the number up to date ({compliant}) cannot be "
                    f"more than the number who need the training ({in_scope})",
                )
                continue
            training.append(
                FigureInput(module=module, staff_group=group, in_scope=in_scope, compliant=compliant)
            )
        cleaned_data["training"] = training
        return cleaned_data

    def training_grid(self):
        """For the template: each module with its target (None where not known yet) and its
        groups' two fields."""
        modules = []
        for module, label in TrainingModule.choices:
            rows = [
                (group, [self[grid_field_name(module, group, part)] for part in PARTS])
                for cell_module, group in self.training_cells
                if cell_module == module
            ]
            if rows:
                modules.append((label, self.training_targets.get(module), rows))
        return modules


def grid_groups(*, lmns_ids):
    """The staff groups a new return asks for: active, deployment-wide or of one of ``lmns_ids``."""
    return StaffGroup.objects.active().filter(Q(lmns__isnull=True) | Q(lmns__in=lmns_ids))
