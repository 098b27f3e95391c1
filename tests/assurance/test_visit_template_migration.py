"""The migration that adds visit templates and leaves every existing visit as it was: no template (its
pages read it by the CQC's five key questions), its lines, findings and staff feedback under the
CQC codes they had."""

from django.db import connection
from django.db.migrations.loader import MigrationLoader

from assurance.visits.models import Visit


def _targets():
    """(before, after) the templates migration, found by name so that renumbering it changes nothing."""
    graph = MigrationLoader(connection).graph
    (adding,) = [key for key in graph.nodes if key[0] == "assurance" and key[1].endswith("_visit_templates")]
    before = [node.key for node in graph.node_map[adding].parents if node.key[0] == "assurance"]
    return before, graph.leaf_nodes("assurance")


def test_existing_visits_keep_their_records_and_have_no_template(migrator):
    before, after = _targets()
    old = migrator.reach(before)
    user = old.get_model("auth", "User").objects.create(username="before-templates")
    lmns = old.get_model("lmns", "Lmns").objects.create(name="Migrated LMNS", code="migrated")
    provider = old.get_model("lmns", "Provider").objects.create(lmns=lmns, name="Old Trust", ods_code="OLD")
    visit = old.get_model("assurance", "Visit").objects.create(
        provider=provider, visit_on="2025-05-01", visit_type="routine", created_by=user
    )
    old.get_model("assurance", "KeyLineOfEnquiry").objects.create(
        visit=visit, domain="well_led", text="Is leadership visible?", position=0
    )
    old.get_model("assurance", "Finding").objects.create(
        visit=visit, domain="safe", kind="concern", description="Triage times not kept.", recorded_by=user
    )
    new = migrator.migrate(after)
    migrated = new.get_model("assurance", "Visit").objects.get(pk=visit.pk)
    assert migrated.template_id is None
    line = new.get_model("assurance", "KeyLineOfEnquiry").objects.get(visit_id=visit.pk)
    assert (line.domain, line.text, line.code, line.guidance) == (
        "well_led",
        "Is leadership visible?",
        "",
        "",
    )
    finding = new.get_model("assurance", "Finding").objects.get(visit_id=visit.pk)
    assert (finding.domain, finding.description) == ("safe", "Triage times not kept.")

    # And the live model reads it by the CQC's questions, as before.
    assert Visit.objects.get(pk=visit.pk).section_label("well_led") == "Well-led"
