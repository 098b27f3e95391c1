"""python manage.py import_perinatal_returns: the web import's services from the command line."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from lmns.models import Role
from lmns.months import add_months, first_of_month
from tests.factories import make_user
from tests.workforce.perinatal.import_factories import csv_bytes, row, xlsx_bytes
from workforce.models import WorkforceReturn
from workforce.perinatal.imports.models import MonthlyReturnImport
from workforce.perinatal.models import OutcomeSignal, PerinatalReturn, signal_window_start

pytestmark = pytest.mark.django_db

LAST = add_months(first_of_month(timezone.localdate()), -1)
BEFORE = add_months(LAST, -1)


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_perinatal_returns", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _file(tmp_path, rows, name="dashboard.csv"):
    path = tmp_path / name
    path.write_bytes((xlsx_bytes if name.endswith(".xlsx") else csv_bytes)(rows))
    return str(path)


def test_it_imports_the_rows_and_keeps_the_applied_import(world, alice, tmp_path):
    path = _file(
        tmp_path, [row("AA1", f"{BEFORE:%Y-%m}"), row("AA1", f"{LAST:%Y-%m}", live_births=380)], "d.xlsx"
    )
    out, _ = run(path, "--provider", "aa1", "--user", alice.username)
    assert "2 created, 0 updated, 0 unchanged" in out and "Imported" in out
    saved = PerinatalReturn.objects.get(workforce_return__provider=world.a1, workforce_return__month=LAST)
    assert saved.live_births == 380 and saved.workforce_return.submitted_by == alice
    record = MonthlyReturnImport.objects.get()
    assert (record.status, record.requested_by, record.original_name) == ("applied", alice, "d.xlsx")
    assert not record.file


def test_years_of_figures_open_no_check_for_an_old_crossing_and_the_command_says_so(world, alice, tmp_path):
    months = [add_months(LAST, -offset) for offset in range(36)][::-1]
    cluster = {"stillbirths": 4, "term_stillbirths": 4}
    path = _file(
        tmp_path,
        [row("AA1", f"{month:%Y-%m}", **(cluster if month == months[3] else {})) for month in months],
    )
    out, _ = run(path, "--provider", "AA1", "--user", alice.username, "--confirm-changes")
    assert not OutcomeSignal.objects.exists()
    since = signal_window_start(timezone.localdate())
    assert (
        f"{world.a1.name}: 1 past crossing of the LMNS outcome signal's thresholds, in months before "
        f"{since:%B %Y}, was found in historical figures and opened no critical safety check."
    ) in out


def test_a_dry_run_previews_and_leaves_nothing_behind(world, alice, tmp_path):
    path = _file(tmp_path, [row("AA1", f"{LAST:%Y-%m}")])
    out, _ = run(path, "--provider", "AA1", "--user", alice.username, "--dry-run")
    assert "1 created, 0 updated, 0 unchanged" in out and "dry run" in out
    assert not WorkforceReturn.objects.filter(provider=world.a1, month=LAST).exists()
    assert not MonthlyReturnImport.objects.exists()


def test_a_bad_file_is_refused_in_words_and_changes_nothing(world, alice, tmp_path):
    path = _file(tmp_path, [row("AA1", f"{BEFORE:%Y-%m}"), row("AA1", f"{LAST:%Y-%m}", live_births="many")])
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 problem") as raised:
        call_command(
            "import_perinatal_returns", path, "--provider", "AA1", "--user", alice.username,
            stdout=io.StringIO(), stderr=err,
        )  # fmt: skip
    # call_command raises rather than exits; run from a shell, a CommandError exits with status 1.
    assert raised.value.returncode == 1
    assert err.getvalue() == "row 3, Live births: “many” is not a whole number.\n"
    assert not WorkforceReturn.objects.filter(provider=world.a1, month__in=[BEFORE, LAST]).exists()
    assert not MonthlyReturnImport.objects.exists()


def test_a_file_that_is_not_a_spreadsheet_is_refused(world, alice, tmp_path):
    path = tmp_path / "dashboard.csv"
    path.write_bytes(b"\x00\x01\x02 not a spreadsheet")
    with pytest.raises(CommandError, match="nothing was imported"):
        run(str(path), "--provider", "AA1", "--user", alice.username)
    assert not MonthlyReturnImport.objects.exists()


def test_jumps_beyond_the_usual_must_be_confirmed(world, alice, tmp_path):
    path = _file(tmp_path, [row("AA1", f"{BEFORE:%Y-%m}"), row("AA1", f"{LAST:%Y-%m}", live_births=500)])
    with pytest.raises(CommandError, match="--confirm-changes"):
        out, _ = run(path, "--provider", "AA1", "--user", alice.username)
    assert not WorkforceReturn.objects.filter(provider=world.a1, month__in=[BEFORE, LAST]).exists()
    assert not MonthlyReturnImport.objects.exists()
    out, _ = run(path, "--provider", "AA1", "--user", alice.username, "--confirm-changes")
    assert "Live births: 372 in" in out and "Imported" in out
    assert WorkforceReturn.objects.filter(provider=world.a1, month__in=[BEFORE, LAST]).count() == 2


def test_unknown_provider_user_file_or_mapping_and_a_user_out_of_reach_are_refused(
    world, alice, bob, tmp_path
):
    path = _file(tmp_path, [row("AA1", f"{LAST:%Y-%m}")])
    elsewhere = make_user(provider=world.a2, role=Role.PROVIDER_LEAD)
    cases = [
        (["--provider", "ZZZ", "--user", alice.username], "no provider"),
        (["--provider", "AA1", "--user", "no-such-person"], "no user called no-such-person"),
        (["--provider", "AA1", "--user", bob.username], "may not import"),
        (["--provider", "AA1", "--user", elsewhere.username], "may not import"),
        (
            ["--provider", "AA1", "--user", alice.username, "--mapping", "ours"],
            "no import mapping called “ours”",
        ),
    ]
    for args, message in cases:
        with pytest.raises(CommandError, match=message):
            run(path, *args)
    with pytest.raises(CommandError, match="cannot be read"):
        run(str(tmp_path / "missing.csv"), "--provider", "AA1", "--user", alice.username)
    assert not MonthlyReturnImport.objects.exists()
