"""The migration that counts training by staff group keeps every return's old per-module figures,
under a group whose name says they are every group together, and gives them back if reversed."""

from django.db import connection
from django.db.migrations.loader import MigrationLoader

from workforce.models import TrainingModule


def _targets():
    """(before, after) the staff-groups migration, found by name so that renumbering changes nothing."""
    graph = MigrationLoader(connection).graph
    (adding,) = [
        key for key in graph.nodes if key[0] == "workforce" and key[1].endswith("_training_by_staff_group")
    ]
    before = [node.key for node in graph.node_map[adding].parents if node.key[0] == "workforce"]
    return before, [adding]


OLD_FIGURES = {
    "fetal_monitoring_in_scope": 220,
    "fetal_monitoring_compliant": 200,
    "emergencies_in_scope": 260,
    "emergencies_compliant": 247,
    "newborn_life_support_in_scope": 240,
    "newborn_life_support_compliant": 230,
}


def test_old_totals_become_the_before_staff_groups_figures_and_come_back_when_reversed(migrator):
    before, adding = _targets()
    old = migrator.reach(before)
    lmns = old.get_model("lmns", "Lmns").objects.create(name="Migrated LMNS", code="migrated")
    provider = old.get_model("lmns", "Provider").objects.create(lmns=lmns, name="Old Trust", ods_code="OLD")
    kept = old.get_model("workforce", "WorkforceReturn").objects.create(
        provider=provider,
        month="2025-05-01",
        funded_midwife_wte=200,
        in_post_midwife_wte=185,
        turnover_rate="11.5",
        funded_msw_wte=60,
        in_post_msw_wte=55,
        women_in_labour=300,
        one_to_one_care=294,
        coordinator_shifts=62,
        supernumerary_shifts=60,
        consultant_hours="60.0",
        preceptees=8,
        **OLD_FIGURES,
    )
    new = migrator.migrate(adding)
    figures = new.get_model("workforce", "TrainingFigure").objects.filter(workforce_return_id=kept.pk)
    assert {(f.module, f.staff_group.code, f.in_scope, f.compliant) for f in figures} == {
        (
            module,
            "before_staff_groups",
            OLD_FIGURES[f"{module}_in_scope"],
            OLD_FIGURES[f"{module}_compliant"],
        )
        for module in TrainingModule.values
    }
    group = new.get_model("workforce", "StaffGroup").objects.get(code="before_staff_groups")
    assert not group.is_active and "recorded before staff groups" in group.name

    reversed_ = migrator.migrate(before)
    back = reversed_.get_model("workforce", "WorkforceReturn").objects.get(pk=kept.pk)
    assert {name: getattr(back, name) for name in OLD_FIGURES} == OLD_FIGURES

    # Applied again, the migration keeps the return and moves its figures once more.
    again = migrator.migrate(adding)
    assert again.get_model("workforce", "WorkforceReturn").objects.filter(pk=kept.pk).exists()
    assert again.get_model("workforce", "TrainingFigure").objects.filter(
        workforce_return_id=kept.pk
    ).count() == len(TrainingModule.values)
