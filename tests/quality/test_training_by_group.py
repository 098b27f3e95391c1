"""The board pack rates each training module by its lowest staff group and names it."""

import io
from datetime import date

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests.factories import make_workforce_return

pytestmark = pytest.mark.django_db


def test_the_board_workbook_names_each_modules_lowest_staff_group(client, trust, today):
    # Midwives all up to date, doctors in training 8 of 10: blended 98.2% (green); by group 80% (red).
    make_workforce_return(
        trust.provider,
        month=date(2026, 10, 1),
        training={
            ("fetal_monitoring", "midwives"): (100, 100),
            ("fetal_monitoring", "obstetric_doctors_in_training"): (10, 8),
        },
    )
    client.force_login(trust.board)
    url = reverse("lmns:board-pack-workbook", kwargs={"ods_code": trust.provider.ods_code}) + "?month=2026-10"
    workbook = load_workbook(io.BytesIO(client.get(url).content))
    rows = list(workbook["Workforce"].iter_rows(values_only=True))
    fetal = next(
        row for row in rows if row[1] == "Training: Fetal monitoring and surveillance, lowest staff group"
    )
    assert fetal[2:4] == ("80% (Obstetric doctors in training)", "Red")
    page = client.get(
        reverse("lmns:board-pack", kwargs={"ods_code": trust.provider.ods_code}) + "?month=2026-10"
    )
    assert "80% (Obstetric doctors in training)" in page.content.decode()
