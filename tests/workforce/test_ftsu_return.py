"""The quarterly Freedom to Speak Up return to NHS England's FTSU data collection, on the page
and as a workbook: exact counts, laid out as workforce/ftsu_return.yaml says, for the concerns
the user may read, nothing else."""

import html
import io
from datetime import timedelta

import openpyxl
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from django.utils import timezone

from lmns.models import Role
from tests.factories import make_concern
from workforce import selectors
from workforce.selectors import Quarter

pytestmark = pytest.mark.django_db

GUARDIAN = f"provider:{Role.PROVIDER_FTSU_GUARDIAN}"


def _rows(response):
    sheet = openpyxl.load_workbook(io.BytesIO(response.content))["Cases"]
    rows = list(sheet.iter_rows(values_only=True))
    header_at = next(i for i, row in enumerate(rows) if row and row[0] == "Organisation")
    return {(row[0], row[1]): dict(zip(rows[header_at], row, strict=True)) for row in rows[header_at + 1 :]}


def test_ftsu_lead_downloads_the_quarter_as_the_collection_asks(client, world):
    make_concern(world.a1, raised_as="open", contact="x", cat_bullying=True, detriment_reported=True)
    make_concern(world.a2, received_by="lmns", summary='=HYPERLINK("http://evil")', cat_behaviour=True)
    make_concern(world.b1)  # another LMNS: never counted
    client.force_login(world.personas[f"lmns:{Role.LMNS_FTSU_LEAD}"])
    quarter = Quarter.of(timezone.localdate())
    response = client.get(reverse("workforce:ftsu-return-xlsx"), {"quarter": quarter.slug})
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
    response = client.get(reverse("workforce:ftsu-return-xlsx"))
    rows = _rows(response)
    assert list(rows) == [("Aardvark Hospitals NHS Trust", "The provider's Freedom to Speak Up guardian")]
    assert next(iter(rows.values()))["Cases raised"] == 1  # not the case raised with the LMNS
    page = client.get(reverse("workforce:ftsu-return")).content.decode()
    assert Quarter.of(timezone.localdate()).label in page
    assert client.get(reverse("workforce:ftsu-return"), {"quarter": "junk"}).status_code == 400


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
    assert client.get(reverse("workforce:ftsu-return")).status_code == 403


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


def test_the_ftsu_return_still_counts_the_quarter_in_progress_exactly(client, world):
    client.force_login(world.personas[f"lmns:{Role.LMNS_FTSU_LEAD}"])
    page = client.get(reverse("workforce:ftsu-return"))
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


COLLECTION = "NHS England's Freedom to Speak Up data collection"


def test_the_return_goes_to_nhs_englands_collection_not_the_closed_office(client, world):
    client.force_login(world.personas[f"lmns:{Role.LMNS_FTSU_LEAD}"])
    index = client.get(reverse("workforce:ftsu")).content.decode()
    assert f"Quarterly return to {COLLECTION}" in index and "National Guardian" not in index
    page = html.unescape(client.get(reverse("workforce:ftsu-return")).content.decode())
    assert f"as {COLLECTION} asks for them" in page
    # Until its layout is checked against NHS England's specification, the page says whose it is.
    assert "not read, so this layout is unchecked" in page
    workbook = openpyxl.load_workbook(io.BytesIO(client.get(reverse("workforce:ftsu-return-xlsx")).content))
    cover = [row[0] for row in workbook["Cases"].iter_rows(max_row=6, values_only=True)]
    assert cover[0] == f"Freedom to Speak Up: quarterly return to {COLLECTION}"
    assert cover[4].startswith("Layout: The National Guardian's Office's quarterly data return")


@pytest.fixture
def layout_file(tmp_path, monkeypatch):
    """A layout file of the test's own, read afresh."""
    path = tmp_path / "ftsu_return.yaml"
    monkeypatch.setattr(selectors, "RETURN_LAYOUT_FILE", path)
    selectors.return_layout.cache_clear()
    yield path
    selectors.return_layout.cache_clear()


def test_the_layout_is_data_the_collections_specification_can_change(client, world, layout_file):
    layout_file.write_text(
        "collection: The collection\nsource: Its specification\nchecked: true\ncolumns:\n"
        "  - {heading: Trust, count: organisation}\n"
        "  - {heading: Route, count: received_by}\n"
        "  - {heading: Bullying, count: 'category:bullying'}\n"
        "  - {heading: All cases, count: total}\n"
    )
    make_concern(world.a1, cat_bullying=True)
    client.force_login(world.personas[f"lmns:{Role.LMNS_FTSU_LEAD}"])
    sheet = openpyxl.load_workbook(io.BytesIO(client.get(reverse("workforce:ftsu-return-xlsx")).content))[
        "Cases"
    ]
    rows = list(sheet.iter_rows(values_only=True))
    header_at = next(i for i, row in enumerate(rows) if row and row[0] == "Trust")
    assert rows[header_at] == ("Trust", "Route", "Bullying", "All cases")
    assert rows[header_at + 1] == (
        "Aardvark Hospitals NHS Trust",
        "The provider's Freedom to Speak Up guardian",
        1,
        2,
    )
    page = client.get(reverse("workforce:ftsu-return")).content.decode()
    assert "as The collection asks for them" in page and "Its specification" not in page


def test_a_layout_naming_a_count_the_return_does_not_have_is_refused(layout_file):
    layout_file.write_text(
        "collection: C\nsource: S\nchecked: false\ncolumns:\n  - {heading: Age, count: age_of_raiser}\n"
    )
    with pytest.raises(ImproperlyConfigured, match="age_of_raiser"):
        selectors.return_layout()
