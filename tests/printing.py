"""What a workbook must be to print readably on A4 (issue #22), checked on the file itself.

LibreOffice fits each sheet to the page's width: a sheet wider than the page prints smaller.
``lmns.spreadsheets.PAGE_WIDTH`` is how much column width a landscape A4 page holds at 100%,
measured from LibreOffice's PDFs; the LibreOffice tests measure the text in the PDF itself.
"""

import re
import shutil
import subprocess

from openpyxl.utils import get_column_letter

from lmns.spreadsheets import PAGE_WIDTH
from tests.conftest import IN_CI, skip_or_fail

SMALLEST_POINTS = 9


def printed_points(worksheet) -> float:
    """The size the sheet's smallest text prints at, once fitted to the page's width."""
    widths = [
        worksheet.column_dimensions[get_column_letter(number)].width
        for number in range(1, worksheet.max_column + 1)
    ]
    sizes = [cell.font.sz for row in worksheet.iter_rows() for cell in row if cell.value is not None]
    return min(sizes) * min(1, PAGE_WIDTH / sum(widths))


def assert_prints_readably(workbook) -> None:
    """Every sheet: landscape A4, one page wide, text at 9 pt or more, long text wrapped, and a
    cover line never wider than the table (it would widen the page and shrink the table)."""
    for worksheet in workbook.worksheets:
        name = worksheet.title
        assert worksheet.page_setup.orientation == "landscape", name
        assert worksheet.page_setup.paperSize == 9, name  # A4
        assert worksheet.page_setup.fitToWidth == 1 and worksheet.sheet_properties.pageSetUpPr.fitToPage, name
        assert worksheet.oddFooter.right.text == "Page &P of &N", name
        assert printed_points(worksheet) >= SMALLEST_POINTS, (
            f"{name} prints at {printed_points(worksheet):.1f} pt"
        )
        merged = {str(cells).split(":")[0] for cells in worksheet.merged_cells.ranges}
        titles = worksheet.print_title_rows
        header = int(titles.split(":")[0].strip("$")) if titles else 0
        for row in worksheet.iter_rows():
            for cell in row:
                width = worksheet.column_dimensions[get_column_letter(cell.column)].width
                if isinstance(cell.value, str) and len(cell.value) > width * 1.2:
                    assert cell.alignment.wrap_text, f"{name}!{cell.coordinate} runs past its column"
                    if cell.row < header:
                        assert cell.coordinate in merged or worksheet.max_column == 1, (
                            f"{name}!{cell.coordinate}: a cover line wider than its column spans the table"
                        )


# A word's box in pdftotext's -bbox output is as tall as Arial's ascent and descent together:
# 1.117 times the font size.
ARIAL_BOX_HEIGHT = 0.905 + 0.212


def pdf_text(pdf, *options) -> str:
    """The text of ``pdf`` as pdftotext gives it, pages parted by form feeds."""
    if not shutil.which("pdftotext"):
        skip_or_fail("pdftotext is not installed (apt-get install poppler-utils)", required=IN_CI)
    return subprocess.run(
        ["pdftotext", *options, str(pdf), "-"], capture_output=True, text=True, timeout=60, check=True
    ).stdout


def smallest_pdf_points(pdf) -> float:
    """The size of the smallest word on any page of ``pdf``, as pdftotext lays it out."""
    text = pdf_text(pdf, "-bbox")
    boxes = re.findall(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)"', text)
    assert boxes
    return min((float(bottom) - float(top)) / ARIAL_BOX_HEIGHT for top, bottom in boxes)


# Two words' boxes sharing this much of their height share a line's space: one is printed over the other.
OVERPRINT_SHARE = 0.4


def overprinted_words(pdf) -> list[str]:
    """Words printed over each other on any page of ``pdf``: a row too short for its wrapped
    text, which LibreOffice prints over the rows below."""
    found = []
    for page in pdf_text(pdf, "-bbox").split("<page ")[1:]:
        words = sorted(
            (float(y0), float(y1), float(x0), float(x1), text)
            for x0, y0, x1, y1, text in re.findall(
                r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', page
            )
        )
        for index, (top, bottom, left, right, text) in enumerate(words):
            # A word's box is a little taller than a line of wrapped text: lines overlap by that.
            clear = bottom - (bottom - top) * OVERPRINT_SHARE
            for other_top, _bottom, other_left, other_right, other in words[index + 1 :]:
                if other_top >= clear:
                    break
                if min(right, other_right) - max(left, other_left) > 1:
                    found.append(f"{text!r} over {other!r}")
    return found
