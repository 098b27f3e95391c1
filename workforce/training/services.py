"""Writing a return's training figures: called by the return's own services
(``workforce.services``), inside their transaction, never on their own."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError

from workforce.training.models import StaffGroup, TrainingFigure


@dataclass(frozen=True)
class FigureInput:
    module: str
    staff_group: StaffGroup
    in_scope: int
    compliant: int


def training_figures_check(*, workforce_return, training: list[FigureInput]) -> list[TrainingFigure]:
    """The figures ``training`` gives for ``workforce_return``, checked but not saved.

    Refuses a group of another LMNS, a module the group does not need (unless the return
    already holds it: a correction keeps its shape), the same cell twice, and more staff up to
    date than need the training, each error naming the group and the module."""
    held = set()
    if workforce_return.pk:
        held = set(workforce_return.training_figures.values_list("module", "staff_group_id"))
    lmns_id = workforce_return.provider.lmns_id
    figures, seen, errors = [], set(), []
    for item in training:
        group, key = item.staff_group, (item.module, item.staff_group.pk)
        figure = TrainingFigure(
            workforce_return=workforce_return,
            module=item.module,
            staff_group=group,
            in_scope=item.in_scope,
            compliant=item.compliant,
        )
        if not group.available_in(lmns_id):
            errors.append(f"{figure.described}: choose staff groups used in this LMNS.")
        elif not group.needs(item.module) and key not in held:
            errors.append(f"{figure.described}: this group does not need this training.")
        elif key in seen:
            errors.append(f"{figure.described}: given twice; give each group's figures once.")
        else:
            try:
                figure.clean_fields(exclude=["workforce_return"])
                figure.clean()
            except ValidationError as error:
                errors.extend(
                    message if message.startswith(group.name) else f"{figure.described}: {message}"
                    for message in error.messages
                )
        seen.add(key)
        figures.append(figure)
    if errors:
        raise ValidationError(errors)
    return figures


def training_figures_save(*, workforce_return, figures: list[TrainingFigure]) -> None:
    """Save checked ``figures`` for a saved ``workforce_return``, correcting those it holds."""
    existing = {
        (figure.module, figure.staff_group_id): figure for figure in workforce_return.training_figures.all()
    }
    for figure in figures:
        current = existing.get((figure.module, figure.staff_group.pk))
        if current is None:
            figure.workforce_return = workforce_return
            figure.save()
        elif (current.in_scope, current.compliant) != (figure.in_scope, figure.compliant):
            current.in_scope, current.compliant = figure.in_scope, figure.compliant
            current.save(update_fields=["in_scope", "compliant"])
