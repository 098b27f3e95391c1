"""The quarterly Freedom to Speak Up return, on the page and as a workbook: exact counts
in the National Guardian's Office format, for the concerns the user may read, nothing else."""

import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from lmns.models import Role
from tests.factories import make_concern
from workforce.selectors import Quarter

pytestmark = pytest.mark.django_db


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
    page = client.get(reverse("workforce:ngo-return"), {"quarter": "junk"}).content.decode()
    assert Quarter.of(timezone.localdate()).label in page


def test_counts_for_everyone_else_are_suppressed(client, world):
    client.force_login(world.personas[f"lmns:{Role.LMNS_OFFICER}"])
    body = client.get(reverse("workforce:ftsu")).content.decode()
    assert "&lt;5" in body and "Secret summary" not in body
    for _ in range(4):  # with the world's one, five
        make_concern(world.a2)
    body = client.get(reverse("workforce:ftsu")).content.decode()
    row = body.split("Albatross Health NHS Trust</th>")[1].split("</tr>")[0]
    assert ">5<" in row
    assert client.get(reverse("workforce:ngo-return")).status_code == 403
