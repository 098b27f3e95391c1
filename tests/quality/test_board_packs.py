"""Monthly snapshots and board packs: a past month shows what was known then."""

import io
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from lmns.access import SYSTEM
from lmns.models import BoardPackJob, ExportStatus, QualitySnapshot
from lmns.months import add_months
from quality import board_packs, quality
from tests.assurance.test_exports import CSV_EVERY_SHEET, _csv, soffice
from tests.factories import make_incident, make_provider, make_workforce_return
from tests.printing import assert_prints_readably, smallest_pdf_points
from workforce.models import RETURN_DUE_DAY

pytestmark = pytest.mark.django_db

OCTOBER = "2026-10"


def _pack_url(provider, name="lmns:board-pack"):
    return reverse(name, kwargs={"ods_code": provider.ods_code}) + f"?month={OCTOBER}"


def _moderate_harm(provider, today, count):
    for number in range(count):
        make_incident(provider, physical_harm="moderate", occurred_on=today - timedelta(days=40 + number))


def test_a_snapshot_keeps_what_was_known_when_it_was_taken(client, trust, today):
    _moderate_harm(trust.provider, today, 1)
    make_workforce_return(trust.provider, month=add_months(today.replace(day=1), -1))
    assert board_packs.snapshots_take(today=today) == 3  # every provider, last month
    assert board_packs.snapshots_take(today=today) == 0  # a month frozen stays frozen
    # Edited later: two more incidents that occurred in October.
    _moderate_harm(trust.provider, today, 2)

    client.force_login(trust.board)
    page = client.get(_pack_url(trust.provider))
    text = page.content.decode()
    assert "Frozen on" in text
    assert "1 incident with moderate or worse harm, physical or psychological, in October 2026" in text
    live = client.get(reverse("lmns:quality-provider", kwargs={"ods_code": "QQA"}), {"month": OCTOBER})
    assert (
        "3 incidents with moderate or worse harm, physical or psychological, in October 2026"
        in live.content.decode()
    )


def test_the_snapshot_redraws_the_same_picture(trust, today):
    for offset in range(20):
        make_workforce_return(trust.provider, month=add_months(today.replace(day=1), offset - 20))
    _moderate_harm(trust.provider, today, 2)
    live = quality.provider_quality(
        user=SYSTEM, provider=trust.provider, period=quality.month_period(today.replace(day=1))
    )
    again = quality.quality_from_data(trust.provider, quality.quality_as_data(live))
    assert [(d.title, [(r.label, r.value, r.url, r.rating) for r in d.rows]) for d in again.domains] == [
        (d.title, [(r.label, r.value, r.url, r.rating) for r in d.rows]) for d in live.domains
    ]
    assert [(c.title, c.result) for c in again.charts] == [(c.title, c.result) for c in live.charts]
    assert again.charts[1].svg == live.charts[1].svg


def test_a_month_not_yet_frozen_is_worked_out_now_and_says_so(client, trust, today):
    client.force_login(trust.board)
    text = client.get(_pack_url(trust.provider)).content.decode()
    # Jinja escapes an apostrophe as &#39; where Django wrote &#x27;: the same character.
    assert "Not frozen: this month&#39;s figures are worked out now" in text
    assert not QualitySnapshot.objects.exists()


def test_provider_users_get_only_their_own_pack(client, trust, today):
    client.force_login(trust.board)
    assert client.get(_pack_url(trust.sibling)).status_code == 404
    assert client.get(_pack_url(trust.sibling, "lmns:board-pack-workbook")).status_code == 404


def test_board_packs_are_monthly(client, trust, today):
    client.force_login(trust.board)
    url = reverse("lmns:board-pack", kwargs={"ods_code": "QQA"})
    assert client.get(url, {"quarter": "2026-Q2"}).status_code == 400


def test_the_provider_workbook_has_a_summary_a_sheet_per_domain_and_the_spc_data(
    client, trust, today, tmp_path
):
    _moderate_harm(trust.provider, today, 3)
    client.force_login(trust.board)
    response = client.get(_pack_url(trust.provider, "lmns:board-pack-workbook"))
    assert response["Content-Disposition"] == 'attachment; filename="board-pack-QQA-2026-10.xlsx"'
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == [
        "Summary",
        "Monthly report",
        "Incidents",
        "Compliance",
        "Assurance visits",
        "Workforce",
        "Speaking up",
        "Perinatal",
        "Saving Babies' Lives",
        "SBL interventions",
        "SPC data",
    ]
    summary = list(workbook["Summary"].iter_rows(values_only=True))
    assert summary[5][0] == "Quail Hospitals NHS Trust"
    assert summary[5][1].startswith(
        "Red: 3 incidents with moderate or worse harm, physical or psychological,"
    )
    assert workbook["Summary"].cell(6, 2).fill.fgColor.rgb.endswith("F7D4D1")
    incidents = list(workbook["Incidents"].iter_rows(values_only=True))
    moderate = next(
        row for row in incidents if row[1] == "Moderate or worse harm (physical or psychological)"
    )
    assert moderate[2:4] == (3, "Red")
    assert moderate[5].startswith(settings.SITE_URL)
    spc = list(workbook["SPC data"].iter_rows(values_only=True))
    reported = [row for row in spc if row[1] == "Incidents reported"]
    assert len(reported) == 24 and reported[-1][3] == 3
    # LibreOffice opens it and reads every sheet.
    source = tmp_path / "pack.xlsx"
    source.write_bytes(response.content)
    out = soffice(tmp_path, source, CSV_EVERY_SHEET)
    assert _csv(out / "pack-Summary.csv")[5][0] == "Quail Hospitals NHS Trust"
    # And prints it readably: a long cover line widened the page and shrank the table to 5 pt.
    assert_prints_readably(workbook)
    assert smallest_pdf_points(soffice(tmp_path, source, "pdf") / "pack.pdf") >= 9


def test_the_lmns_pack_is_built_in_the_background_for_lmns_members(
    client, trust, today, django_capture_on_commit_callbacks
):
    client.force_login(trust.officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("lmns:board-pack-start"), {"lmns": trust.lmns.pk, "month": OCTOBER})
    job = BoardPackJob.objects.get()
    assert response.url == job.get_absolute_url()
    assert (job.status, job.month.isoformat()) == (ExportStatus.DONE, "2026-10-01")
    page = client.get(job.get_absolute_url())
    assert "Download the board pack (xlsx)" in page.content.decode()
    download = client.get(reverse("lmns:board-pack-download", kwargs={"pk": job.pk}))
    workbook = load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    providers = {row[0] for row in workbook["Summary"].iter_rows(min_row=6, values_only=True)}
    assert providers == {"Quail Hospitals NHS Trust", "Quince Health NHS Trust"}


@pytest.mark.parametrize("who", ["lead", "board", "other_officer"])
def test_only_the_lmns_own_members_may_start_its_pack(client, trust, today, who):
    client.force_login(getattr(trust, who))
    response = client.post(reverse("lmns:board-pack-start"), {"lmns": trust.lmns.pk, "month": OCTOBER})
    assert response.status_code == 404
    assert not BoardPackJob.objects.exists()


@pytest.mark.parametrize("data", [{"lmns": "x", "month": OCTOBER}, {"month": OCTOBER}])
def test_a_start_for_no_lmns_is_not_found(client, trust, today, data):
    client.force_login(trust.officer)
    assert client.post(reverse("lmns:board-pack-start"), data).status_code == 404


@pytest.mark.parametrize("month", ["x", "99999999999999999999-01", "9999-12"])
def test_a_start_for_a_month_that_is_not_one_is_refused(client, trust, today, month):
    client.force_login(trust.officer)
    data = {"lmns": trust.lmns.pk, "month": month}
    assert client.post(reverse("lmns:board-pack-start"), data).status_code == 400
    assert not BoardPackJob.objects.exists()


def test_beat_freezes_last_month_once_its_workforce_returns_are_due(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["quality-snapshots"]
    assert entry["task"] == "lmns.tasks.take_quality_snapshots"
    assert (entry["schedule"].day_of_month, entry["schedule"].hour) == ({RETURN_DUE_DAY + 1}, {1})


@pytest.mark.parametrize(
    ("day", "frozen"), [(date(2026, 11, 1), date(2026, 9, 1)), (date(2026, 11, 16), date(2026, 10, 1))]
)
def test_the_snapshot_is_of_the_latest_month_whose_return_is_due(trust, day, frozen):
    board_packs.snapshots_take(today=day)
    assert set(QualitySnapshot.objects.values_list("month", flat=True)) == {frozen}


def test_freezing_takes_the_same_queries_however_many_providers(trust, today):
    def queries_to_freeze():
        QualitySnapshot.objects.all().delete()
        with CaptureQueriesContext(connection) as queries:
            frozen = board_packs.snapshots_take(today=today)
        return frozen, len(queries)

    three, few = queries_to_freeze()
    for _ in range(4):
        make_provider(trust.lmns)
    seven, more = queries_to_freeze()
    # Each snapshot is one INSERT (in a savepoint, so a second run's is refused cleanly), and
    # the perinatal section's two queries.
    assert (three, seven) == (3, 7)
    assert more - few == 4 * 5


def test_a_return_submitted_on_time_is_in_the_frozen_pack(client, trust, today):
    """The return for October may be sent from 1 November; the snapshot on the 16th holds it."""
    make_workforce_return(trust.provider, month=date(2026, 10, 1))
    board_packs.snapshots_take(today=date(2026, 11, 16))
    client.force_login(trust.board)
    text = client.get(_pack_url(trust.provider)).content.decode()
    assert "Frozen on" in text
    assert "No return for October 2026" not in text


def test_a_pack_that_fails_says_so_and_a_finished_one_is_not_built_again(trust, today, monkeypatch):
    job = BoardPackJob.objects.create(lmns=trust.lmns, month=today.replace(day=1), requested_by=trust.officer)

    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(board_packs, "board_pack_workbook", broken)
    with pytest.raises(RuntimeError):
        board_packs.board_pack_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == ExportStatus.FAILED
    assert job.error == "The board pack could not be built (RuntimeError). Please try again."

    monkeypatch.undo()
    # A failed job is final (the user asks for the pack again): a task delivered again leaves it.
    board_packs.board_pack_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.file.name) == (ExportStatus.FAILED, "")

    job = BoardPackJob.objects.create(lmns=trust.lmns, month=today.replace(day=1), requested_by=trust.officer)
    board_packs.board_pack_job_run(job_id=job.pk)
    job.refresh_from_db()
    built = job.file.name
    assert job.status == ExportStatus.DONE
    board_packs.board_pack_job_run(job_id=job.pk)  # a retried task finds it done
    job.refresh_from_db()
    assert job.file.name == built


@pytest.mark.parametrize("leaves", ["deactivated", "role removed"])
def test_a_pack_is_not_built_for_a_requester_who_may_no_longer_see_it(trust, today, leaves):
    """Read as someone who sees nothing, every figure would be zero and rated green."""
    job = BoardPackJob.objects.create(lmns=trust.lmns, month=today.replace(day=1), requested_by=trust.officer)
    if leaves == "deactivated":
        trust.officer.is_active = False
        trust.officer.save()
    else:
        trust.officer.memberships.all().delete()

    board_packs.board_pack_job_run(job_id=job.pk)

    job.refresh_from_db()
    assert (job.status, job.file.name) == (ExportStatus.FAILED, "")
    assert job.error == (
        f"The board pack was not built: {trust.officer} may no longer see Quality LMNS's board packs. "
        "Ask someone who may to request it."
    )


def test_a_snapshot_frozen_before_the_perinatal_domain_keeps_its_columns_in_place(client, trust, today):
    """Domains are matched by name: an LMNS pack mixing an older snapshot with a live picture
    says the older one lacks the domain, rather than shifting its cells or failing."""
    board_packs.snapshots_take(today=today)
    snapshot = QualitySnapshot.objects.get(provider=trust.provider, month=date(2026, 10, 1))
    snapshot.content["domains"] = [d for d in snapshot.content["domains"] if d["name"] != quality.PERINATAL]
    snapshot.save()
    new = make_provider(trust.lmns, "Quoll Valley NHS Trust", "QQC")  # joined since: worked out live
    sources = board_packs.pack_sources(user=SYSTEM, providers=[trust.provider, new], month=date(2026, 10, 1))
    workbook = board_packs.board_pack_workbook(sources=sources, title="Pack", generated_by=trust.officer)
    header, ours, theirs = list(workbook["Summary"].iter_rows(min_row=5, max_row=7, values_only=True))
    column = header.index("Perinatal")
    assert ours[column] == "Not in this month's snapshot"
    assert theirs[column] == "Amber: 1 monthly return overdue for October 2026 (amber at 1 or more)"
    perinatal = list(workbook["Perinatal"].iter_rows(min_row=6, values_only=True))
    assert {row[0] for row in perinatal} == {"Quoll Valley NHS Trust"}
