"""Every workbook export, printed to PDF by LibreOffice (issue #22): each sheet one page wide, text
at 9 pt or more, none printed over other text (a row shorter than its wrapped text), no "###"
where a column is too narrow for its number or date, and the title whole. The SSIG pack, the
LMNS's board workbook, the board packs and the visit report have their own LibreOffice tests;
these are the rest, built from the demo data and converted by one start of LibreOffice."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from assurance.maturity.models import MaturityRound
from assurance.models import Assessment, Framework
from assurance.sbl.models import SblAssessment
from assurance.visits.models import Visit
from incidents.improvement.models import ImprovementPlan, SurveyRound
from tests.assurance.test_exports import soffice
from tests.printing import SMALLEST_POINTS, overprinted_words, pdf_text, smallest_pdf_points
from workforce.score.models import ScoreWave

pytestmark = pytest.mark.django_db


def _first(model, **filters):
    return model.objects.filter(**filters).order_by("pk").first().pk


# Each export: who downloads it, and where.
EXPORTS = {
    "pre-visit-pack": (
        "demo.officer",
        lambda: reverse("assurance:visit-pack-workbook", args=[_first(Visit)]),
    ),
    "improvement-plan": (
        "demo.lead",
        lambda: reverse("incidents:improvement-workbook", args=[_first(ImprovementPlan)]),
    ),
    "ftsu-return": ("demo.ftsulead", lambda: reverse("workforce:ftsu-return-xlsx")),
    "sbl-quarter": ("demo.lead", lambda: reverse("assurance:sbl-workbook", args=[_first(SblAssessment)])),
    "score-results": ("demo.lead", lambda: reverse("workforce:score-results-xlsx", args=[_first(ScoreWave)])),
    "maturity-round": (
        "demo.safetylead",
        lambda: reverse("assurance:maturity-round-workbook", args=[_first(MaturityRound)]),
    ),
    "highlight-reports": ("demo.officer", lambda: reverse("incidents:improvement-highlight-workbook")),
    "provider-board-workbook": (
        "demo.lead",
        lambda: reverse("assurance:provider-workbook", args=[_first(Assessment, provider__ods_code="ZZA")]),
    ),
    # The sheets filled in and sent back print too, for whoever checks them on paper.
    "assessment-return": (
        "demo.lead",
        lambda: reverse("assurance:return-download", args=[_first(Assessment, provider__ods_code="ZZA")]),
    ),
    "framework": (
        "demo.safetylead",
        lambda: reverse("assurance:framework-spreadsheet", args=[Framework.objects.order_by("pk")[0].slug]),
    ),
    "score-mapping-template": (
        "demo.lead",
        lambda: reverse("workforce:score-mapping-template", args=[_first(ScoreWave)]),
    ),
    "survey-results": (
        "demo.officer",
        lambda: reverse("incidents:improvement-survey-workbook", args=[_first(SurveyRound)]),
    ),
}


def test_every_workbook_prints_readably_in_libreoffice(client, settings, tmp_path):
    call_command("load_frameworks", stdout=io.StringIO())
    settings.DEBUG = True  # seed_demo refuses to run on what looks like a real deployment
    call_command("seed_demo", stdout=io.StringIO())
    settings.DEBUG = False
    sources, titles = [], {}
    for name, (username, url) in EXPORTS.items():
        client.force_login(get_user_model().objects.get(username=username))
        response = client.get(url())
        assert response.status_code == 200, (name, response.status_code)
        source = tmp_path / f"{name}.xlsx"
        source.write_bytes(response.content)
        workbook = load_workbook(source)
        # The title is the first sheet's first line (the framework's, its stamp in the second column).
        first_row = next(workbook.worksheets[0].iter_rows(max_row=1, values_only=True))
        titles[name] = next(value for value in first_row if value)
        # One page wide: a sheet wider than its page prints its right-hand columns on other pages.
        wide = [
            sheet.title
            for sheet in workbook.worksheets
            if not (sheet.sheet_properties.pageSetUpPr and sheet.sheet_properties.pageSetUpPr.fitToPage)
            or sheet.page_setup.fitToWidth != 1
        ]
        assert not wide, f"{name}: {wide} not fitted to the page's width"
        sources.append(source)

    out = soffice(tmp_path, sources, "pdf")
    problems = []
    for name, title in titles.items():
        pdf = out / f"{name}.pdf"
        text = pdf_text(pdf)
        words = " ".join(text.split())
        if (points := smallest_pdf_points(pdf)) < SMALLEST_POINTS:
            problems.append(f"{name}: text printed at {points:.1f} pt")
        if "###" in text:
            problems.append(f"{name}: ### where a column is too narrow")
        if overprinted := overprinted_words(pdf):
            problems.append(f"{name}: text printed over other text, as {overprinted[0]}")
        if " ".join(str(title).split()) not in words:
            problems.append(f"{name}: the title {title!r} is not printed whole")
    assert not problems, "\n".join(problems)
