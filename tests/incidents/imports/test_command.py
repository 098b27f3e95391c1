"""python manage.py import_incidents"""

import io

import pytest
from django.core.management import CommandError, call_command

from incidents.imports.models import ImportStatus, IncidentImport
from incidents.models import Incident
from tests.incidents.imports.helpers import csv_bytes, row, xlsx_bytes

pytestmark = pytest.mark.django_db


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_incidents", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_without_apply_it_previews_and_saves_nothing(world, tmp_path):
    path = tmp_path / "datix.xlsx"
    path.write_bytes(xlsx_bytes([row("W1"), row("W2")]))
    out, _ = run(str(path), "--provider", "aa1")
    assert "2 created, 0 updated, 0 unchanged" in out
    assert "run again with --apply" in out
    assert not Incident.objects.filter(local_reference="W1").exists()


def test_with_apply_it_imports_and_records_who(world, alice, tmp_path):
    path = tmp_path / "datix.csv"
    path.write_bytes(csv_bytes([row("W1")]))
    out, _ = run(str(path), "--provider", "AA1", "--apply", "--user", alice.username)
    assert "Imported" in out
    incident = Incident.objects.get(local_reference="W1")
    assert incident.created_by == alice
    assert incident.source_import.original_name == "datix.csv"
    assert incident.source_import.status == ImportStatus.APPLIED
    out, _ = run(str(path), "--provider", "AA1", "--apply")
    assert "0 created, 0 updated, 1 unchanged" in out and "Nothing to import." in out


def test_problems_are_listed_and_nothing_is_applied(world, tmp_path):
    path = tmp_path / "datix.csv"
    path.write_bytes(csv_bytes([row("W1"), row("W2", Result="Dreadful")]))
    with pytest.raises(CommandError, match="1 problem"):
        run(str(path), "--provider", "AA1", "--apply")
    assert not Incident.objects.filter(local_reference="W1").exists()


def test_problems_go_to_stderr_with_row_and_column(world, tmp_path):
    path = tmp_path / "datix.csv"
    path.write_bytes(csv_bytes([row("W1", Type="Nonsense")]))
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_incidents", str(path), "--provider", "AA1", stdout=io.StringIO(), stderr=err)
    assert "row 2, Type: “Nonsense” is not an incident type in use" in err.getvalue()


def test_unknown_provider_file_or_mapping_are_refused(world, tmp_path):
    path = tmp_path / "datix.csv"
    path.write_bytes(csv_bytes([row("W1")]))
    with pytest.raises(CommandError, match="no provider"):
        run(str(path), "--provider", "ZZZ")
    with pytest.raises(CommandError, match="cannot be read"):
        run(str(tmp_path / "missing.csv"), "--provider", "AA1")
    with pytest.raises(CommandError, match="no import mapping called “ours”"):
        run(str(path), "--provider", "AA1", "--mapping", "ours")
    assert not IncidentImport.objects.exists()


def test_a_run_that_imports_nothing_leaves_no_import_behind(world, tmp_path):
    """Issue #22: each preview left a "Checked" import in the provider's list for ever."""
    path = tmp_path / "datix.csv"
    path.write_bytes(csv_bytes([row("W1")]))
    run(str(path), "--provider", "AA1")
    path.write_bytes(csv_bytes([row("W2", Result="Dreadful")]))
    with pytest.raises(CommandError):
        run(str(path), "--provider", "AA1", "--apply")
    assert not IncidentImport.objects.exists()
