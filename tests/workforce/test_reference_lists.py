"""Freedom to Speak Up categories and professional groups as reference data (issue 20): rows
with a code that concerns store, a label, a source note, an order, and whether they can still be
chosen; kept like incident types, the deployment-wide rows by the deployment administrator and
an LMNS's own rows by its safety leads."""

import importlib
import io

import openpyxl
import pytest
import yaml
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from lmns import history as lmns_history
from lmns.models import Role
from tests.factories import make_concern, make_provider, make_user
from workforce import selectors, services
from workforce.forms import ConcernForm, SpeakUpForm
from workforce.models import FtsuCategory, FtsuConcern, ProfessionalGroup
from workforce.selectors import Quarter

pytestmark = pytest.mark.django_db

GUARDIAN = f"provider:{Role.PROVIDER_FTSU_GUARDIAN}"
FTSU_LEAD = f"lmns:{Role.LMNS_FTSU_LEAD}"
SAFETY_LEAD = f"lmns:{Role.LMNS_SAFETY_LEAD}"
MIGRATION = importlib.import_module("workforce.migrations.0006_ftsu_reference_lists")


def _record(guardian, provider, **overrides):
    fields = {
        "by": guardian,
        "provider": provider,
        "route": "in_person",
        "received_on": timezone.localdate(),
        "raised_as": "anonymous",
        "professional_group": "nurses_midwives",
        "categories": ["patient_safety"],
        "detriment_reported": False,
        "summary": "Staffing on the labour ward.",
    }
    return services.concern_record(**{**fields, **overrides})


# --- The starting rows ---------------------------------------------------------------------------


def test_the_lists_start_as_the_code_had_them_each_with_its_source():
    categories = list(FtsuCategory.objects.filter(lmns=None))
    assert [c.code for c in categories] == [code for code, _ in MIGRATION.FTSU_CATEGORIES]
    assert [c.label for c in categories] == [label for _, label in MIGRATION.FTSU_CATEGORIES]
    groups = list(ProfessionalGroup.objects.filter(lmns=None))
    assert [g.code for g in groups] == [code for code, _ in MIGRATION.PROFESSIONAL_GROUPS]
    assert all(c.is_active and "[V]" in c.source for c in categories)
    # Recalled, so marked as such until someone reads NHS England's specification.
    assert all(g.is_active and "[M]" in g.source and "not checked" in g.source for g in groups)


def test_loading_the_starting_rows_again_changes_nothing():
    FtsuCategory.objects.filter(code="bullying").update(label="Bullying, harassment")
    MIGRATION.add_starting_rows(apps, None)
    assert FtsuCategory.objects.count() == len(MIGRATION.FTSU_CATEGORIES)
    assert FtsuCategory.objects.get(code="bullying").label == "Bullying, harassment"


def test_every_category_the_return_layout_names_is_a_row():
    layout = yaml.safe_load(selectors.RETURN_LAYOUT_FILE.read_text(encoding="utf-8"))
    named = {
        c["count"].removeprefix("category:") for c in layout["columns"] if c["count"].startswith("category:")
    }
    assert named == set(FtsuCategory.objects.filter(lmns=None).values_list("code", flat=True))


# --- The model -----------------------------------------------------------------------------------


def test_a_local_row_cannot_take_the_label_of_one_every_lmns_uses(world):
    with pytest.raises(ValidationError, match="already in use"):
        FtsuCategory(code="local", label="bullying or harassment", lmns=world.lmns_a).full_clean()
    FtsuCategory(code="local", label="Rota fairness", lmns=world.lmns_a).full_clean()


def test_a_concern_keeps_its_professional_group_in_the_same_column_by_code(world):
    concern = make_concern(world.a1, professional_group="medical")
    with connection.cursor() as cursor:
        cursor.execute("SELECT professional_group FROM workforce_ftsuconcern WHERE id = %s", [concern.pk])
        assert cursor.fetchone() == ("medical",)
    assert str(FtsuConcern.objects.get(pk=concern.pk).professional_group) == "Medical and dental"


# --- Choosing: only rows that can still be chosen, of the concern's LMNS -------------------------


def test_a_retired_row_cannot_be_chosen_but_stays_on_the_concerns_that_hold_it(client, world):
    guardian = world.personas[GUARDIAN]
    concern = make_concern(world.a1, handler=guardian, professional_group="students", cat_bullying=True)
    FtsuCategory.objects.filter(code="bullying").update(is_active=False)
    ProfessionalGroup.objects.filter(code="students").update(is_active=False)

    new = ConcernForm(user=guardian)
    assert "bullying" not in dict(new.fields["categories"].choices)
    assert "students" not in dict(new.fields["professional_group"].choices)
    assert "bullying" not in dict(SpeakUpForm().fields["categories"].choices)
    with pytest.raises(ValidationError, match="Bullying or harassment can no longer be chosen"):
        _record(guardian, world.a1, categories=["bullying"])
    with pytest.raises(ValidationError, match="Students can no longer be chosen"):
        _record(guardian, world.a1, professional_group="students")

    # The concern that holds them offers them still, and saving it keeps them.
    edit = ConcernForm(user=guardian, concern=concern)
    assert "bullying" in dict(edit.fields["categories"].choices)
    assert "students" in dict(edit.fields["professional_group"].choices)
    services.concern_update(
        concern=concern, by=guardian, categories=["bullying", "worker_safety"], professional_group="students"
    )
    concern.refresh_from_db()
    assert sorted(c.code for c in concern.categories.all()) == ["bullying", "worker_safety"]
    assert concern.professional_group_id == "students"
    client.force_login(guardian)
    page = client.get(reverse("workforce:concern-detail", kwargs={"pk": concern.pk})).content.decode()
    assert "Worker safety or wellbeing, Bullying or harassment" in page and "Students" in page


def test_another_lmnss_own_rows_are_neither_offered_nor_accepted(world):
    guardian = world.personas[GUARDIAN]
    FtsuCategory.objects.create(code="beta_only", label="Beta's own", lmns=world.lmns_b, order=99)
    ProfessionalGroup.objects.create(
        code="alpha_only", label="Alpha's own group", lmns=world.lmns_a, order=99
    )
    form = ConcernForm(user=guardian)
    assert "beta_only" not in dict(form.fields["categories"].choices)
    assert "alpha_only" in dict(form.fields["professional_group"].choices)
    # The public form serves every LMNS: it offers the rows every LMNS uses, and no LMNS's own.
    assert "alpha_only" not in dict(SpeakUpForm().fields["professional_group"].choices)
    with pytest.raises(ValidationError, match="Choose from the list"):
        _record(guardian, world.a1, categories=["beta_only"])
    concern = _record(guardian, world.a1, professional_group="alpha_only")
    assert concern.professional_group.label == "Alpha's own group"


def test_a_concern_needs_a_category(world):
    with pytest.raises(ValidationError, match="Select at least one thing"):
        _record(world.personas[GUARDIAN], world.a1, categories=[])
    assert not FtsuConcern.objects.filter(summary="Staffing on the labour ward.").exists()


def test_the_history_page_shows_when_the_categories_changed(client, world):
    guardian = world.personas[GUARDIAN]
    concern = _record(guardian, world.a1, categories=["patient_safety"])
    services.concern_update(concern=concern, by=guardian, categories=["bullying", "patient_safety"])
    assert concern.history.count() == 2  # one row a change, links and all
    client.force_login(guardian)
    page = client.get(reverse("workforce:concern-history", kwargs={"pk": concern.pk})).content.decode()
    assert "Bullying or harassment, Patient safety or quality" in page
    # Created with it; then changed from it to both.
    assert page.count("Patient safety or quality") == 3


# --- Editing the lists: the admin ----------------------------------------------------------------


def test_a_safety_lead_reads_but_cannot_change_a_row_every_lmns_uses(client, world):
    client.force_login(world.personas[SAFETY_LEAD])
    category = FtsuCategory.objects.get(code="bullying")
    url = reverse("admin:workforce_ftsucategory_change", args=[category.pk])
    assert client.get(url).status_code == 200
    post = {"label": "Renamed", "code": "renamed", "order": 1, "source": "", "lmns": ""}
    assert client.post(url, post).status_code == 403
    category.refresh_from_db()
    assert (category.label, category.code, category.is_active) == ("Bullying or harassment", "bullying", True)


def test_a_safety_lead_adds_a_row_for_their_own_lmns_only(client, world):
    client.force_login(world.personas[SAFETY_LEAD])
    add = reverse("admin:workforce_professionalgroup_add")
    row = {"code": "doulas", "label": "Doulas", "order": 200, "source": "Local", "is_active": "on"}
    assert client.post(add, {**row, "lmns": world.lmns_b.pk}).status_code == 200  # refused
    assert client.post(add, {**row, "lmns": ""}).status_code == 200  # refused: deployment-wide
    assert client.post(add, {**row, "lmns": world.lmns_a.pk}).status_code == 302
    group = ProfessionalGroup.objects.get(code="doulas")
    assert group.lmns == world.lmns_a and group.history.count() == 1
    other_lead = make_user("lmnsb-safety", role=Role.LMNS_SAFETY_LEAD, lmns=world.lmns_b)
    client.force_login(other_lead)
    change = reverse("admin:workforce_professionalgroup_change", args=[group.pk])
    assert client.get(change).status_code in {302, 403, 404}


def test_the_code_is_fixed_once_saved_and_a_row_is_retired_not_deleted(client, world):
    client.force_login(world.personas["superuser"])
    admin_client = client
    group = ProfessionalGroup.objects.get(code="corporate")
    url = reverse("admin:workforce_professionalgroup_change", args=[group.pk])
    response = admin_client.post(
        url, {"code": "changed", "label": "Corporate services", "order": 5, "source": "Read", "lmns": ""}
    )
    assert response.status_code == 302
    group.refresh_from_db()
    assert (group.code, group.label, group.is_active) == ("corporate", "Corporate services", False)
    delete = reverse("admin:workforce_professionalgroup_delete", args=[group.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403


# --- The quarterly return ------------------------------------------------------------------------


def test_the_return_counts_each_category_and_group_as_the_flags_did(client, world):
    """The counts per category are those the four flags gave: three cases, one with two."""
    FtsuConcern.objects.all().delete()  # the shared world's own, so the counts are these alone
    make_concern(world.a1, cat_bullying=True, professional_group="medical")
    make_concern(world.a1, cat_patient_safety=False, cat_behaviour=True)
    make_concern(world.a1, cat_worker_safety=True, professional_group="medical")
    ProfessionalGroup.objects.filter(code="medical").update(is_active=False, label="Medical (retired)")
    client.force_login(world.personas[FTSU_LEAD])
    quarter = Quarter.of(timezone.localdate())
    response = client.get(reverse("workforce:ftsu-return-xlsx"), {"quarter": quarter.slug})
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    rows = list(book["Cases"].iter_rows(values_only=True))
    header = next(i for i, row in enumerate(rows) if row and row[0] == "Organisation")
    a1 = dict(zip(rows[header], rows[header + 1], strict=True))
    assert a1["Cases raised"] == 3
    assert a1["Element: Patient safety or quality"] == 2
    assert a1["Element: Worker safety or wellbeing"] == 1
    assert a1["Element: Bullying or harassment"] == 1
    assert a1["Element: Inappropriate attitudes or behaviours"] == 1
    groups = list(book["Professional groups"].iter_rows(values_only=True))
    header = next(i for i, row in enumerate(groups) if row and row[0] == "Organisation")
    assert groups[header] == ("Organisation", "Received by", "Professional group", "Cases")
    by_group = {group: cases for _organisation, _route, group, cases in groups[header + 1 :]}
    # A retired group still counts the cases that hold it, so the groups add up to the total.
    assert by_group["Medical (retired)"] == 2 and by_group["Registered nurses and midwives"] == 1
    assert sum(by_group.values()) == 3


def test_the_return_page_reads_the_lists_in_a_fixed_number_of_queries(
    client, world, django_assert_max_num_queries
):
    for _ in range(6):
        make_concern(world.a1, cat_bullying=True)
    client.force_login(world.personas[FTSU_LEAD])
    with django_assert_max_num_queries(20):
        page = client.get(reverse("workforce:ftsu-return"))
    assert page.status_code == 200
    assert "Registered nurses and midwives" in page.content.decode()


# --- The migration -------------------------------------------------------------------------------

BEFORE = ("workforce", "0005_perinatal_return_and_outcome_signals")
AFTER = ("workforce", "0008_remove_ftsu_category_flags")


def test_the_migrations_turn_each_flag_into_a_link_and_keep_the_group_codes(migrator):
    old_apps = migrator.reach([BEFORE])
    old = old_apps.get_model("workforce", "FtsuConcern")
    provider = make_provider()
    flags = {
        "A": {"cat_patient_safety": True},
        "B": {"cat_bullying": True, "cat_behaviour": True},
        "C": {"cat_worker_safety": True, "cat_patient_safety": True},
    }
    old_history = old_apps.get_model("workforce", "HistoricalFtsuConcern")
    for reference, set_flags in flags.items():
        made = old.objects.create(
            reference=reference,
            lmns_id=provider.lmns_id,
            provider_id=provider.pk,
            received_by="provider",
            route="in_person",
            received_on=timezone.localdate(),
            raised_as="anonymous",
            professional_group="estates" if reference == "B" else "not_known",
            summary="Before the lists were data.",
            **set_flags,
        )
        # The old models send no history signals: write the row history would have kept.
        values = {
            f.attname: getattr(made, f.attname)
            for f in old._meta.concrete_fields
            if f.name != "passphrase_hash"
        }
        old_history.objects.create(history_date=timezone.now(), history_type="+", **values)

    migrator.migrate([AFTER])

    for reference, set_flags in flags.items():
        concern = FtsuConcern.objects.get(reference=reference)
        assert {c.code for c in concern.categories.all()} == {f.removeprefix("cat_") for f in set_flags}
    assert FtsuConcern.objects.get(reference="B").professional_group.label == "Estates and ancillary"
    # The flags kept in each concern's history became links there too.
    history = FtsuConcern.objects.get(reference="B").history.get()
    links = FtsuConcern.history.model._history_m2m_fields[0]
    kept = lmns_history._linked_names(FtsuConcern.history.model, [history])[history.history_id, links]
    assert kept == "Bullying or harassment, Inappropriate attitudes or behaviours"

    # And back: the flags return as they were.
    old = migrator.migrate([BEFORE]).get_model("workforce", "FtsuConcern")
    assert (
        old.objects.get(reference="B").cat_behaviour and not old.objects.get(reference="B").cat_patient_safety
    )
