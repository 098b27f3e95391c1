"""Importing monthly returns from a spreadsheet: parsing, mappings, the return form's checks,
jumps confirmed in the preview, all or nothing, updates only when chosen, scope and history."""

from datetime import date
from decimal import Decimal
from html import unescape

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from lmns.imports.models import ImportStatus
from lmns.models import Role, UnitType
from lmns.months import add_months, first_of_month
from tests.factories import make_user, make_workforce_return
from tests.workforce.perinatal.factories import PERINATAL_FIGURES, make_birth_site, make_perinatal_return
from tests.workforce.perinatal.import_factories import (
    HEADING,
    HEADINGS,
    csv_bytes,
    make_monthly_import,
    make_monthly_mapping,
    row,
    upload,
    xlsx_bytes,
)
from workforce.models import WorkforceReturn
from workforce.perinatal.imports import services
from workforce.perinatal.imports.models import MonthlyImportMapping, MonthlyReturnImport
from workforce.perinatal.models import OutcomeSignal, PerinatalReturn, signal_window_start
from workforce.perinatal.working_days import add_working_days

pytestmark = pytest.mark.django_db

THIS_MONTH = first_of_month(timezone.localdate())
LAST = add_months(THIS_MONTH, -1)
BEFORE = add_months(THIS_MONTH, -2)
EARLIER = add_months(THIS_MONTH, -3)


def _month(value: date) -> str:
    return value.strftime("%Y-%m")


def _start(world, by, data: bytes, *, provider="a1", name="dashboard.csv", mapping="lmns_template", **kwargs):
    provider = getattr(world, provider) if provider else None
    return services.monthly_import_start(
        lmns=provider.lmns if provider else world.lmns_a,
        provider=provider,
        mapping_name=mapping,
        file=upload(data, name),
        by=by,
        **kwargs,
    )


def _messages(record) -> list[str]:
    return [f"row {problem['row']}: {problem['message']}" for problem in record.problems]


def _apply(record, by, **kwargs):
    services.monthly_import_apply_start(record=record, by=by, **kwargs)
    record.refresh_from_db()
    return record


# --- Parsing CSV and xlsx -------------------------------------------------------------------


@pytest.mark.parametrize(("name", "make"), [("dashboard.csv", csv_bytes), ("dashboard.xlsx", xlsx_bytes)])
def test_a_file_of_site_months_is_previewed_then_applied(world, alice, name, make):
    data = make([row("AA1", _month(BEFORE)), row("aa1", _month(LAST), live_births=380)])
    record = _start(world, alice, data, name=name)
    assert record.status == ImportStatus.CHECKED, record.problems
    assert (record.rows, record.to_create, record.to_update, record.problem_count) == (2, 2, 0, 0)
    assert record.file_format == name.rsplit(".", 1)[1]
    # The preview wrote nothing.
    assert not WorkforceReturn.objects.filter(provider=world.a1, month__in=[BEFORE, LAST]).exists()
    assert [change["month"] for change in record.changes] == [BEFORE.isoformat(), LAST.isoformat()]

    record = _apply(record, alice)
    assert record.status == ImportStatus.APPLIED
    saved = PerinatalReturn.objects.get(workforce_return__provider=world.a1, workforce_return__month=LAST)
    assert saved.live_births == 380
    assert saved.workforce_return.retention_midwife is True
    assert saved.workforce_return.submitted_by == alice
    assert not record.file


def test_xlsx_numbers_and_dates_arrive_as_cells(world, alice):
    data = xlsx_bytes(
        [row("AA1", LAST, funded_midwife_wte=200.5, live_births=372.0, retention_midwife=False)]
    )
    record = _apply(_start(world, alice, data, name="dashboard.xlsx"), alice)
    assert record.status == ImportStatus.APPLIED, record.problems
    saved = WorkforceReturn.objects.get(provider=world.a1, month=LAST)
    assert (saved.funded_midwife_wte, saved.retention_midwife) == (Decimal("200.5"), False)


def test_a_file_that_is_not_a_spreadsheet_is_one_problem(world, alice):
    record = _start(world, alice, b"\x00\x01\x02 not a spreadsheet", name="dashboard.csv")
    assert record.problem_count == 1
    assert "not a spreadsheet" in record.problems[0]["message"]


def test_formulas_are_refused_never_evaluated(world, alice):
    data = xlsx_bytes([row("AA1", _month(LAST), live_births="=SUM(1,2)")])
    record = _start(world, alice, data, name="dashboard.xlsx")
    assert any("formula" in message for message in _messages(record))


def test_more_rows_than_the_bound_are_refused_before_any_is_checked(world, alice, monkeypatch):
    monkeypatch.setattr("workforce.perinatal.imports.checking.MAX_ROWS", 2)
    data = csv_bytes([row("AA1", _month(month)) for month in (EARLIER, BEFORE, LAST)])
    record = _start(world, alice, data)
    assert _messages(record) == ["row 4: The file has more than 2 site-months. Import it in parts."]
    assert record.changes == []


# --- Mappings -------------------------------------------------------------------------------


def test_a_saved_mapping_reads_a_file_with_its_own_headings(world, alice):
    columns = {"Trust": "site", "Period": "month", "Births (live)": "live_births", "SB": "stillbirths"}
    make_monthly_mapping(world.a1, name="Our dashboard", columns=columns)
    make_perinatal_return(world.a1, month=LAST)
    data = csv_bytes([["AA1", LAST.strftime("%B %Y"), 371, 1]], headings=list(columns))
    record = _apply(_start(world, alice, data, mapping="Our dashboard", update_existing=True), alice)
    assert record.status == ImportStatus.APPLIED, record.problems
    assert record.changes[0]["changes"] == ["Live births: 372 → 371"]
    assert (
        PerinatalReturn.objects.get(
            workforce_return__provider=world.a1, workforce_return__month=LAST
        ).live_births
        == 371
    )


def test_an_lmns_mapping_serves_its_providers_and_the_provider_s_own_comes_first(world, alice):
    make_monthly_mapping(lmns=world.lmns_a, name="Shared", columns={"Code": "site", "Month": "month"})
    mine = {"Site": "site", "Month": "month"}
    make_monthly_mapping(world.a1, name="Shared", columns=mine)
    record = _start(
        world, alice, csv_bytes([["AA1", _month(LAST)]], headings=["Site", "Month"]), mapping="Shared"
    )
    assert record.mapping == {"columns": mine}
    # Another LMNS's mapping is not offered, whatever its name.
    make_monthly_mapping(lmns=world.lmns_b, name="Beta's")
    with pytest.raises(ValidationError):
        _start(world, alice, csv_bytes([row()]), mapping="Beta's")


def test_a_missing_heading_names_the_mapping_s_heading(world, alice):
    headings = [heading for heading in HEADINGS if heading != HEADING["month"]]
    cells = [value for heading, value in zip(HEADINGS, row(), strict=True) if heading != HEADING["month"]]
    data = csv_bytes([cells], headings=headings)
    record = _start(world, alice, data)
    assert record.problems[0]["message"] == "No column is headed “Month” (Month). Check the column mapping."


def test_a_mapping_must_name_the_site_and_month_and_only_our_fields(client, world, alice):
    client.force_login(alice)
    url = reverse("workforce:monthly-import-mapping-create")
    response = client.post(
        url,
        {"owner": f"provider-{world.a1.pk}", "name": "Bad", "columns": "Births = live_birth\nSite = site"},
    )
    errors = " ".join(response.context["form"].non_field_errors())
    assert "“live_birth”, which is not a figure we import" in errors
    assert "No heading maps to: Month." in errors
    assert not MonthlyImportMapping.objects.exists()
    response = client.post(
        url, {"owner": f"provider-{world.a1.pk}", "name": "Good", "columns": "Site = site\nPeriod = month"}
    )
    assert response.status_code == 302
    assert MonthlyImportMapping.objects.get().provider == world.a1


def test_a_mapping_is_started_from_a_ready_made_one(client, world, alice):
    client.force_login(alice)
    page = client.get(reverse("workforce:monthly-import-mapping-create") + "?from=maternity_dashboard")
    assert "Site code = site" in page.context["form"].initial["columns"]
    assert (
        "Headings not checked"
        in client.get(reverse("workforce:monthly-import-mapping-list")).content.decode()
    )


# --- The return form's checks ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("figures", "column", "message"),
    [
        ({"term_stillbirths": 2}, "Term stillbirths", "the number of stillbirths (1)"),
        ({"term_births": 400}, "Term births", "births (live births and stillbirths) (373)"),
        ({"midwifery_shifts_filled": 1300}, "Midwifery shifts filled", "midwifery shifts planned (1240)"),
        ({"one_to_one_care": 301}, "Women who received 1:1 care throughout established labour",
         "women in established labour (300)"),
        ({"live_births": -1}, "Live births", "greater than or equal to 0"),
        ({"consultant_hours": "169"}, "Obstetric consultant presence on the labour ward (hours a week)",
         "A week has 168 hours"),
        ({"live_births": "many"}, "Live births", "“many” is not a whole number."),
        ({"live_births": ""}, "Live births", "The cell is empty"),
        ({"retention_midwife": "perhaps"}, "A retention or pastoral support midwife is in post",
         "is not yes or no"),
        ({"birthrate_plus_wte": "190"}, "Date of the Birthrate Plus assessment",
         "Enter the date of the Birthrate Plus assessment."),
        ({"month": "Smarch 2025"}, "Month", "is not a month"),
        ({"month": "1999-12"}, "Month", "must be on or after 1 January 2000"),
    ],
)  # fmt: skip
def test_every_check_of_the_form_is_a_row_problem_and_nothing_is_saved(
    world, alice, figures, column, message
):
    data = csv_bytes([row("AA1", _month(BEFORE)), row("AA1", **{"month": _month(LAST), **figures})])
    record = _start(world, alice, data)
    # Every problem is the bad row's (a negative whole also makes its parts too large, as on the form).
    assert {problem["row"] for problem in record.problems} == {3}, record.problems
    assert any(
        problem["column"] == column and message in problem["message"] for problem in record.problems
    ), record.problems
    with pytest.raises(ValidationError):
        _apply(record, alice)
    assert not WorkforceReturn.objects.filter(provider=world.a1, month__in=[BEFORE, LAST]).exists()


def test_a_month_not_yet_over_is_refused_as_on_the_form(world, alice):
    record = _start(world, alice, csv_bytes([row("AA1", _month(add_months(THIS_MONTH, 1)))]))
    assert "A return can be submitted once its month has ended." in _messages(record)[0]


def test_a_new_month_needs_every_figure(world, alice):
    headings = [HEADING["site"], HEADING["month"], HEADING["live_births"]]
    record = _start(world, alice, csv_bytes([["AA1", _month(LAST), 300]], headings=headings))
    message = _messages(record)[0]
    assert message.startswith("row 2: Aardvark Hospitals NHS Trust has no return for")
    assert "Midwives in post (WTE)" in message and "Stillbirths" in message


def test_the_same_month_twice_in_the_file_is_a_problem(world, alice):
    record = _start(world, alice, csv_bytes([row("AA1", _month(LAST)), row("AA101", _month(LAST))]))
    assert _messages(record) == [
        f"row 3: Aardvark Hospitals NHS Trust Maternity Unit, {LAST:%B %Y} is also in row 2: give each "
        "site's month once."
    ]


def test_a_site_code_is_its_provider_s_return(world, alice):
    record = _apply(_start(world, alice, csv_bytes([row("aa101", _month(LAST))])), alice)
    assert record.status == ImportStatus.APPLIED, record.problems
    assert WorkforceReturn.objects.filter(provider=world.a1, month=LAST).exists()


# --- Jumps beyond the usual -----------------------------------------------------------------


def test_a_jump_is_shown_in_the_preview_and_must_be_confirmed(client, world, alice):
    data = csv_bytes(
        [row("AA1", _month(BEFORE)), row("AA1", _month(LAST), live_births=500, in_post_midwife_wte="140")]
    )
    record = _start(world, alice, data)
    # Live births, and midwives in post with the vacancy rate they make.
    assert record.can_apply and record.flag_count == 3
    flags = record.changes[1]["flags"]
    assert any(
        flag.startswith("Aardvark Hospitals NHS Trust Maternity Unit: Live births: 372 in")
        and "500 now" in flag
        for flag in flags
    )
    assert any("in post" in flag.lower() for flag in flags)
    client.force_login(alice)
    page = client.get(record.get_absolute_url()).content.decode()
    assert "Changed more than usual" in page and 'name="confirm_changes"' in page

    client.post(reverse("workforce:monthly-import-apply", kwargs={"pk": record.pk}))
    record.refresh_from_db()
    assert record.status == ImportStatus.CHECKED
    assert not WorkforceReturn.objects.filter(provider=world.a1, month=LAST).exists()

    client.post(
        reverse("workforce:monthly-import-apply", kwargs={"pk": record.pk}), {"confirm_changes": "on"}
    )
    record.refresh_from_db()
    assert record.status == ImportStatus.APPLIED
    assert record.applied_by == alice
    saved = PerinatalReturn.objects.get(workforce_return__provider=world.a1, workforce_return__month=LAST)
    # The confirmation is kept with the return, as the form keeps it.
    assert "Live births: 372" in saved.confirmed_changes
    assert "in post" in saved.workforce_return.confirmed_changes.lower()


def test_a_jump_that_appears_after_the_preview_stops_the_apply(world, alice):
    make_perinatal_return(world.a1, month=BEFORE)
    record = _start(world, alice, csv_bytes([row("AA1", _month(LAST))]))
    assert record.flag_count == 0 and record.can_apply
    PerinatalReturn.objects.filter(workforce_return__month=BEFORE).update(live_births=200)
    record = _apply(record, alice)
    assert record.status == ImportStatus.CHECKED
    assert record.flag_count == 1 and "Figures changed since the preview" in record.error
    assert not WorkforceReturn.objects.filter(provider=world.a1, month=LAST).exists()


# --- All or nothing, and months that already have a return -----------------------------------


def test_a_row_that_fails_when_applied_leaves_every_row_unsaved(world, alice):
    record = _start(world, alice, csv_bytes([row("AA1", _month(EARLIER)), row("AA1", _month(LAST))]))
    assert record.can_apply
    # Someone submits one of the months between preview and apply.
    make_workforce_return(world.a1, month=LAST)
    record = _apply(record, alice)
    assert record.status == ImportStatus.CHECKED
    assert "already has a return" in _messages(record)[0]
    assert not WorkforceReturn.objects.filter(provider=world.a1, month=EARLIER).exists()


def test_a_month_with_a_return_is_updated_only_when_chosen(world, alice):
    make_perinatal_return(world.a1, month=LAST)
    data = csv_bytes([row("AA1", _month(LAST), live_births=371)])
    refused = _start(world, alice, data)
    assert _messages(refused) == [
        f"row 2: Aardvark Hospitals NHS Trust already has a return for {LAST:%B %Y}. Upload the file again "
        "with “Update months that already have a return” ticked to change it."
    ]
    record = _start(world, alice, data, update_existing=True)
    assert (record.to_create, record.to_update) == (0, 1)
    assert "Live births: 372 → 371" in record.changes[0]["changes"]
    record = _apply(record, alice)
    assert (
        PerinatalReturn.objects.get(
            workforce_return__month=LAST, workforce_return__provider=world.a1
        ).live_births
        == 371
    )


def test_a_month_already_holding_these_figures_is_unchanged(world, alice):
    make_perinatal_return(world.a1, month=LAST, workforce_return=make_workforce_return(world.a1, month=LAST,
                          retention_midwife=True))  # fmt: skip
    for update_existing in (True, False):
        record = _start(world, alice, csv_bytes([row("AA1", _month(LAST))]), update_existing=update_existing)
        assert (record.to_update, record.unchanged, record.problem_count) == (0, 1, 0), record.problems
        assert not record.can_apply


def test_importing_the_same_file_twice_changes_nothing(world, alice):
    data = csv_bytes([row("AA1", _month(BEFORE)), row("AA1", _month(LAST))])
    _apply(_start(world, alice, data), alice)
    history = WorkforceReturn.history.count()
    record = _start(world, alice, data)
    assert (record.to_create, record.unchanged, record.problem_count) == (0, 2, 0)
    assert WorkforceReturn.history.count() == history


def test_history_records_the_import_and_who_applied_it(client, world, alice):
    record = _apply(_start(world, alice, csv_bytes([row("AA1", _month(LAST))])), alice)
    saved = WorkforceReturn.objects.get(provider=world.a1, month=LAST)
    entry = saved.history.get()
    assert entry.history_user == alice
    assert entry.history_change_reason == f"Imported from dashboard.csv (import {record.pk})"
    assert saved.perinatal_sites.get().history.get().history_change_reason == entry.history_change_reason
    client.force_login(alice)
    page = client.get(reverse("workforce:return-history", kwargs={"pk": saved.pk})).content.decode()
    assert f"Imported from dashboard.csv (import {record.pk})" in page


def test_the_outcome_signal_runs_once_the_rows_are_saved(world, alice, monkeypatch):
    called = []
    monkeypatch.setattr(
        "workforce.perinatal.services.outcome_signals_detect",
        lambda **kwargs: called.append(kwargs["provider"]) or [],
    )
    record = _start(world, alice, csv_bytes([row("AA1", _month(month)) for month in (EARLIER, BEFORE, LAST)]))
    assert called == []
    _apply(record, alice)
    assert called == [world.a1]


def test_three_years_imported_open_a_check_only_for_a_recent_crossing_and_say_so(client, world, alice):
    months = [add_months(LAST, -offset) for offset in range(36)][::-1]
    old, since = months[6], signal_window_start(timezone.localdate())
    cluster = {"stillbirths": 4, "term_stillbirths": 4}
    rows = [row("AA1", _month(month), **(cluster if month in (old, LAST) else {})) for month in months]
    record = _apply(_start(world, alice, csv_bytes(rows)), alice, confirm_changes=True)
    assert record.status == ImportStatus.APPLIED
    # The crossing two and a half years ago opened no check; last month's did, due as ever.
    (signal,) = OutcomeSignal.objects.filter(provider=world.a1)
    assert signal.month == LAST and signal.check_due_on == add_working_days(timezone.localdate(), 8)
    past = (
        f"{world.a1.name}: 1 past crossing of the LMNS outcome signal's thresholds, in months before "
        f"{since:%B %Y}, was found in historical figures and opened no critical safety check."
    )
    assert [note for note in record.notes if note.startswith(world.a1.name)] == [
        f"{world.a1.name}: the figures opened an amber LMNS outcome signal at Aardvark Hospitals NHS "
        f"Trust Maternity Unit for term stillbirths ({LAST:%B %Y}); its critical safety check is due "
        f"by {signal.check_due_on:%-d %B %Y}.",
        f"{past} They are listed on its perinatal page.",
    ]
    client.force_login(alice)
    page = client.get(reverse("workforce:monthly-import-detail", kwargs={"pk": record.pk})).content.decode()
    assert past in unescape(page)


# --- Scope ----------------------------------------------------------------------------------


def test_a_provider_imports_only_its_own_sites(world, alice):
    record = _start(
        world,
        alice,
        csv_bytes([row("AA2", _month(LAST)), row("BB1", _month(LAST)), row("ZZ9", _month(LAST))]),
    )
    # The same words for another provider's code as for an unknown one.
    assert [problem["message"] for problem in record.problems] == [
        f"“{code}” is not the ODS code of a provider or site you can import figures for here."
        for code in ("AA2", "BB1", "ZZ9")
    ]


def test_the_lmns_officer_imports_for_every_provider_of_the_lmns_and_no_other(world):
    officer = world.personas[f"lmns:{Role.LMNS_OFFICER}"]
    rows = [row("AA1", _month(LAST)), row("AA201", _month(LAST)), row("BB1", _month(LAST))]
    record = _start(world, officer, csv_bytes(rows), provider=None)
    assert _messages(record) == [
        "row 4: “BB1” is not the ODS code of a provider or site you can import figures for here."
    ]
    record = _apply(_start(world, officer, csv_bytes(rows[:2]), provider=None), officer)
    assert record.status == ImportStatus.APPLIED
    assert set(WorkforceReturn.objects.filter(month=LAST).values_list("provider__ods_code", flat=True)) == {
        "AA1",
        "AA2",
    }


def test_applying_checks_the_rows_in_the_reach_of_whoever_applies(world):
    officer = world.personas[f"lmns:{Role.LMNS_OFFICER}"]
    lead_of_a2 = make_user("lead-a2", role=Role.PROVIDER_LEAD, provider=world.a2)
    record = _start(world, officer, csv_bytes([row("AA1", _month(LAST))]), provider="a2")
    assert "“AA1” is not the ODS code" in _messages(record)[0]
    record = _start(world, lead_of_a2, csv_bytes([row("AA2", _month(LAST))]), provider="a2")
    # The lead leaves the trust before applying it; the officer applies it instead.
    record = _apply(record, officer)
    assert record.status == ImportStatus.APPLIED


def test_an_lmns_wide_import_is_hidden_from_provider_users(client, world, alice):
    officer = world.personas[f"lmns:{Role.LMNS_OFFICER}"]
    record = make_monthly_import(world.a1, original_name="lmns-wide.csv")
    MonthlyReturnImport.objects.filter(pk=record.pk).update(provider=None)
    client.force_login(alice)
    assert client.get(record.get_absolute_url()).status_code == 404
    assert record.original_name not in client.get(reverse("workforce:monthly-import-list")).content.decode()
    client.force_login(officer)
    assert client.get(record.get_absolute_url()).status_code == 200


def test_a_provider_lead_may_use_but_not_edit_the_lmns_mapping(client, world, alice):
    mapping = make_monthly_mapping(lmns=world.lmns_a, name="LMNS dashboard")
    client.force_login(alice)
    assert "LMNS dashboard" in client.get(reverse("workforce:monthly-import-mapping-list")).content.decode()
    assert client.get(mapping.get_absolute_url()).status_code == 403
    form = client.get(reverse("workforce:monthly-import-create")).context["form"]
    assert "LMNS dashboard" in dict(form.fields["mapping"].choices)
    assert list(dict(form.fields["owner"].choices)) == [f"provider-{world.a1.pk}"]


def test_an_owner_out_of_reach_is_an_invalid_choice(client, world, alice):
    client.force_login(alice)
    response = client.post(
        reverse("workforce:monthly-import-create"),
        {
            "owner": f"provider-{world.a2.pk}",
            "mapping": "lmns_template",
            "file": upload(csv_bytes([row("AA2", _month(LAST))])),
        },
    )
    assert response.status_code == 200
    assert "owner" in response.context["form"].errors
    assert not MonthlyReturnImport.objects.exists()


# --- Pages, background work and query counts ------------------------------------------------


def test_the_pages_upload_preview_and_apply(client, world, alice):
    client.force_login(alice)
    response = client.post(
        reverse("workforce:monthly-import-create"),
        {
            "owner": f"provider-{world.a1.pk}",
            "mapping": "lmns_template",
            "file": upload(
                csv_bytes([row("AA1", _month(LAST)), row("AA1", _month(BEFORE), term_stillbirths=2)])
            ),
        },
    )
    record = MonthlyReturnImport.objects.get()
    assert response.url == record.get_absolute_url()
    page = client.get(response.url).content.decode()
    assert "The file has 1 problem: nothing can be imported" in page
    assert "the number of stillbirths (1)" in page
    assert "Apply the import" not in page
    links = [reverse("workforce:index"), reverse("workforce:perinatal", kwargs={"ods_code": "AA1"})]
    for url in links:
        assert reverse("workforce:monthly-import-list") in client.get(url).content.decode()


def test_a_large_file_is_checked_and_applied_in_the_background(
    client, world, alice, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(services, "INLINE_MAX_BYTES", 10)
    with django_capture_on_commit_callbacks(execute=True):
        record = _start(world, alice, csv_bytes([row("AA1", _month(LAST))]))
        # Until the worker has checked it, the page says so (every row is checked in one
        # transaction, so there is no percentage to show).
        client.force_login(alice)
        page = client.get(record.get_absolute_url()).content.decode()
        assert 'http-equiv="refresh"' in page and "Checking the file. This page refreshes" in page
    record.refresh_from_db()
    assert record.status == ImportStatus.CHECKED and record.can_apply
    with django_capture_on_commit_callbacks(execute=True):
        services.monthly_import_apply_start(record=record, by=alice)
    record.refresh_from_db()
    assert record.status == ImportStatus.APPLIED


def test_with_the_broker_down_the_import_says_so(
    world, alice, monkeypatch, broker_down, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(services, "INLINE_MAX_BYTES", 10)
    with django_capture_on_commit_callbacks(execute=True):
        record = _start(world, alice, csv_bytes([row("AA1", _month(LAST))]))
    record.refresh_from_db()
    assert record.status == ImportStatus.FAILED
    assert "could not be reached" in record.error


def test_a_discarded_import_loses_its_file(world, alice):
    record = _start(world, alice, csv_bytes([row("AA1", _month(LAST))]))
    name = record.file.name
    services.monthly_import_discard(record=record, by=alice)
    record.refresh_from_db()
    assert record.status == ImportStatus.DISCARDED and not record.file
    assert not record.file.storage.exists(name)
    with pytest.raises(ValueError):
        make_monthly_import(world.a1, file="private/x.csv").file.url  # noqa: B018


def test_the_preview_and_lists_cost_the_same_queries_however_many_rows(
    client, world, alice, django_assert_max_num_queries
):
    months = [add_months(LAST, -n) for n in range(24)]
    record = _start(world, alice, csv_bytes([row("AA1", _month(month)) for month in months]))
    assert record.to_create == 24, record.problems
    for n in range(30):
        make_monthly_import(world.a1, original_name=f"old-{n}.csv")
        make_monthly_mapping(world.a1, name=f"Mapping {n}")
    client.force_login(alice)
    for url in [
        record.get_absolute_url(),
        reverse("workforce:monthly-import-list"),
        reverse("workforce:monthly-import-mapping-list"),
    ]:
        with django_assert_max_num_queries(12):
            assert client.get(url).status_code == 200


def test_checking_costs_a_bounded_number_of_queries_a_row(world, alice, django_assert_max_num_queries):
    months = [add_months(LAST, -n) for n in range(12)]
    data = csv_bytes([row("AA1", _month(month)) for month in months])
    # Each row goes through the return's own services; about forty queries a row at most.
    with django_assert_max_num_queries(40 * len(months) + 20):
        record = _start(world, alice, data)
    assert record.to_create == 12


def test_the_perinatal_figures_in_the_template_match_the_form(world):
    assert set(PERINATAL_FIGURES) <= set(HEADING)


def test_files_are_read_through_the_shared_bounds(world, alice):
    record = _start(world, alice, b"\xd0\xcf\x11\xe0" + b"\x00" * 600, name="dashboard.xls")
    assert "older Excel file (.xls)" in record.problems[0]["message"]


def test_the_lmns_officer_keeps_the_lmns_mapping_and_names_are_unique_per_owner(client, world):
    officer = world.personas[f"lmns:{Role.LMNS_OFFICER}"]
    mapping = make_monthly_mapping(lmns=world.lmns_a, name="LMNS dashboard")
    make_monthly_mapping(world.a1, name="Trust dashboard")
    client.force_login(officer)
    columns = "Code = site\nPeriod = month\nBirths = live_births"
    response = client.post(mapping.get_absolute_url(), {"name": "Trust dashboard", "columns": columns})
    assert response.status_code == 302
    mapping.refresh_from_db()
    assert mapping.columns == {"Code": "site", "Period": "month", "Births": "live_births"}
    response = client.post(
        reverse("workforce:monthly-import-mapping-create"),
        {"owner": f"lmns-{world.lmns_a.pk}", "name": "trust DASHBOARD", "columns": columns},
    )
    assert "already has a mapping called" in " ".join(response.context["form"].errors["name"])


# --- Sites ------------------------------------------------------------------------------------


def _second_site(world):
    return make_birth_site(world.a1, "Aardvark Birth Centre")


def test_each_sites_row_saves_its_own_figures_under_one_return(world, alice):
    centre = _second_site(world)
    small = {"live_births": 30, "stillbirths": 0, "term_births": 29, "neonatal_deaths": 0, "hie_cooled": 0,
             "term_nnu_admissions": 1, "pph_1500": 1, "third_fourth_degree_tears": 1}  # fmt: skip
    data = csv_bytes([row("AA101", _month(LAST)), row(centre.ods_site_code, _month(LAST), **small)])
    record = _apply(_start(world, alice, data), alice)
    assert record.status == ImportStatus.APPLIED, record.problems
    saved = WorkforceReturn.objects.get(provider=world.a1, month=LAST)
    sites = {site.unit.ods_site_code: site.live_births for site in saved.perinatal_sites.all()}
    assert sites == {"AA101": 372, centre.ods_site_code: 30}
    assert [change["site"] for change in record.changes] == ["AA101", centre.ods_site_code]


def test_the_providers_own_code_stands_for_its_only_birth_site_and_no_other(world, alice):
    record = _apply(_start(world, alice, csv_bytes([row("AA1", _month(LAST))])), alice)
    assert record.status == ImportStatus.APPLIED, record.problems
    assert PerinatalReturn.objects.get(workforce_return__month=LAST).unit.ods_site_code == "AA101"
    centre = _second_site(world)
    record = _start(world, alice, csv_bytes([row("AA1", _month(BEFORE))]))
    assert _messages(record) == [
        "row 2: Aardvark Hospitals NHS Trust has 2 birth sites: give the ODS code of the site these figures "
        f"are for (Aardvark Birth Centre {centre.ods_site_code}, Aardvark Hospitals NHS Trust Maternity Unit "
        "AA101)."
    ]


def test_a_new_month_needs_every_birth_sites_row(world, alice):
    _second_site(world)
    record = _start(world, alice, csv_bytes([row("AA101", _month(LAST))]))
    (message,) = _messages(record)
    assert message.startswith("row 2: Give the perinatal figures of every birth site of the provider")
    assert "Aardvark Birth Centre" in message
    assert not WorkforceReturn.objects.filter(provider=world.a1, month=LAST).exists()


def test_unknown_other_providers_and_neonatal_sites_are_row_problems(world, alice):
    neonatal = make_birth_site(world.a1, "Aardvark Neonatal Unit", UnitType.NEONATAL_LNU)
    data = csv_bytes(
        [row("ZZ999", _month(LAST)), row("BB101", _month(LAST)), row(neonatal.ods_site_code, _month(LAST))]
    )
    record = _start(world, alice, data)
    assert _messages(record) == [
        "row 2: “ZZ999” is not the ODS code of a provider or site you can import figures for here.",
        "row 3: “BB101” is not the ODS code of a provider or site you can import figures for here.",
        f"row 4: Aardvark Neonatal Unit ({neonatal.ods_site_code}) is a neonatal unit: the figures are given "
        "for the sites where babies are born.",
    ]


def test_workforce_figures_must_agree_across_a_months_site_rows(world, alice):
    centre = _second_site(world)
    data = csv_bytes([row("AA101", _month(LAST)), row(centre.ods_site_code, _month(LAST), preceptees=12)])
    record = _start(world, alice, data)
    heading = HEADING["preceptees"]
    assert [(problem["row"], problem["column"]) for problem in record.problems] == [(3, heading)]
    (message,) = _messages(record)
    assert message.startswith("row 3: 12 differs from row 2 (")
    assert "give the same in each of its sites' rows" in message
    assert not WorkforceReturn.objects.filter(provider=world.a1, month=LAST).exists()
