"""The quarterly Freedom to Speak Up return, on the page and as a workbook: exact counts
in the National Guardian's Office format, for the concerns the user may read, nothing else."""

import io
from datetime import timedelta

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from lmns.models import Role
from tests.factories import make_concern
from workforce.selectors import Quarter

pytestmark = pytest.mark.django_db

GUARDIAN = f"provider:{Role.PROVIDER_FTSU_GUARDIAN}"


def _rows(response):
    sheet = openpyxl.load_workbook(io.BytesIO(response.content))["Cases"]
    rows = list(sheet.iter_rows(values_only=True))
    header_at = next(i for i, row in enumerate(rows) if row and row[0] == "Organisation")
    return {(row[0], row[1]): dict(zip(rows[header_at], row, strict=True)) for row in rows[header_at + 1 :]}


def test_ftsu_lead_downloads_the_quarter_in_the_ngo_format(client, world):
    make_concern(world.a1, raised_as="open", contact="x", cat_bullying=True, detriment_reported=True)
    make_concern(world.a2, received_by="lmns", summary='=HYPERLINK("http://evil")', cat_behaviour=True)
    make_concern(world.b1)  # another LMNS: never counted
    client.force_login(world.personas[f"lmns:{Role.LMNS_FTSU_LEAD}"])
    quarter = Quarter.of(timezone.localdate())
    response = client.get(reverse("workforce:ngo-return-xlsx"), {"quarter": quarter.slug})
    assert response["Content-Disposition"] == f'attachment; filename="ftsu-return-{quarter.slug}.xlsx"'
    rows = _rows(response)
    guardian, lmns = "The provider's Freedom to Speak Up guardian", "The LMNS"
    a1 = rows[("Aardvark Hospitals NHS Trust", guardian)]
    assert (a1["Cases raised"], a1["Raised openly"], a1["Raised confidentially"]) == (2, 1, 1)
    assert a1["Element: Bullying or harassment"] == 1
    assert a1["Element: detriment for speaking up"] == 1
    assert rows[("Albatross Health NHS Trust", lmns)]["Element: Inappropriate attitudes or behaviours"] == 1
    assert rows[("Albatross Health NHS Trust", guardian)]["Cases raised"] == 1
    assert "Badger Valley NHS Trust" not in str(rows)
    text = str(rows)
    assert "Secret summary" not in text and "HYPERLINK" not in text and "Secret contact" not in text


def test_a_guardian_reports_only_their_own_providers_cases(client, world):
    make_concern(world.a1, received_by="lmns", summary="Raised with the LMNS")
    client.force_login(world.personas[f"provider:{Role.PROVIDER_FTSU_GUARDIAN}"])
    response = client.get(reverse("workforce:ngo-return-xlsx"))
    rows = _rows(response)
    assert list(rows) == [("Aardvark Hospitals NHS Trust", "The provider's Freedom to Speak Up guardian")]
    assert next(iter(rows.values()))["Cases raised"] == 1  # not the case raised with the LMNS
    page = client.get(reverse("workforce:ngo-return")).content.decode()
    assert Quarter.of(timezone.localdate()).label in page
    assert client.get(reverse("workforce:ngo-return"), {"quarter": "junk"}).status_code == 400


def _row(body, name):
    return body.split(f"{name}</th>")[1].split("</tr>")[0]


def _last_quarter_day():
    return Quarter.of(timezone.localdate()).start - timedelta(days=1)


def test_counts_for_everyone_else_are_suppressed_rounded_and_of_complete_quarters(client, world):
    client.force_login(world.personas[f"lmns:{Role.LMNS_OFFICER}"])
    last_quarter = _last_quarter_day()
    for _ in range(6):
        make_concern(world.a2, received_on=last_quarter)
    body = client.get(reverse("workforce:ftsu")).content.decode()
    assert "Secret summary" not in body
    assert _row(body, "Albatross Health NHS Trust").count(">5<") == 1  # 6, rounded to the nearest 5
    # The world's concerns were received three days ago, in the quarter in progress: a live count
    # would change on the day one is raised, so it is not shown at all.
    current = Quarter.of(timezone.localdate())
    assert current.short_label not in body
    assert "&lt;5" not in _row(body, "Aardvark Hospitals NHS Trust")
    assert client.get(reverse("workforce:ngo-return")).status_code == 403


def test_concerns_raised_with_the_lmns_are_counted_apart_for_lmns_staff_only(client, world):
    """A guardian reads every concern their provider's guardians received; if the provider's
    count also held those raised with the LMNS, subtracting would tell them how many went there."""
    last_quarter = _last_quarter_day()
    make_concern(world.a1, received_on=last_quarter)
    for _ in range(5):
        make_concern(world.a1, received_by="lmns", received_on=last_quarter)
    make_concern(lmns=world.lmns_a, received_on=last_quarter)  # no provider named
    lmns_row = "Raised with Alpha LMNS directly"

    client.force_login(world.personas[f"provider:{Role.PROVIDER_FTSU_GUARDIAN}"])
    body = client.get(reverse("workforce:ftsu")).content.decode()
    assert _row(body, "Aardvark Hospitals NHS Trust").count("&lt;5") == 1  # the one they received
    assert lmns_row not in body

    client.force_login(world.personas[f"lmns:{Role.LMNS_OFFICER}"])
    body = client.get(reverse("workforce:ftsu")).content.decode()
    assert _row(body, "Aardvark Hospitals NHS Trust").count("&lt;5") == 1
    assert _row(body, f"{lmns_row} (about any provider, or none named)").count(">5<") == 1  # 6


def test_the_ngo_return_still_counts_the_quarter_in_progress_exactly(client, world):
    client.force_login(world.personas[f"lmns:{Role.LMNS_FTSU_LEAD}"])
    page = client.get(reverse("workforce:ngo-return"))
    assert page.context["quarter"] == Quarter.of(timezone.localdate())
    assert {row.organisation: row.total for row in page.context["rows"]} == {
        "Aardvark Hospitals NHS Trust": 1,
        "Albatross Health NHS Trust": 1,
    }


def test_the_pre_visit_pack_counts_four_complete_quarters_of_concerns_the_provider_received(client, world):
    last_quarter = _last_quarter_day()
    make_concern(world.a1, received_on=last_quarter)
    for _ in range(5):  # raised with the LMNS about A1: not the provider's count
        make_concern(world.a1, received_by="lmns", received_on=last_quarter)
    visit = world.record("visit", world.a1)
    client.force_login(world.personas[GUARDIAN])
    response = client.get(reverse("assurance:visit-pack", kwargs={"pk": visit.pk}))
    pack = response.context["pack"]
    current = Quarter.of(timezone.localdate())
    assert pack.ftsu_quarters == [current.previous(n).short_label for n in (4, 3, 2, 1)]
    assert pack.ftsu_counts == ["0", "0", "0", "<5"]  # not the world's concern, three days old
    page = response.content.decode()
    assert "own Freedom to Speak Up guardians in each of the last four complete quarters" in page
    assert "others rounded to the nearest 5" in page
