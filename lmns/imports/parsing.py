"""Reading an uploaded spreadsheet as rows of cell values, whatever it turns out to be.

Shared by every import (incidents, monthly returns): each keeps its own rules for what the
cells mean, and all read files through here, with the same bounds.

Anything that is not a readable xlsx workbook or CSV file ends in ImportFileError with
a message for the person uploading it. Rows are streamed: an xlsx sheet through
openpyxl's read-only mode, a CSV file through the csv module, so a large file is never
held in memory. A formula arrives as a ``Formula``, never as its result.
"""

import codecs
import csv
import io
import logging
import zipfile
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field

from openpyxl import load_workbook
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

from lmns.workbook_limits import WorkbookLimits, WorkbookRefused, check_workbook

logger = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
# An xlsx file is a zip archive: this stops a small file that unpacks to gigabytes.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_ROWS = 100_000
MAX_COLUMNS = 200
# What openpyxl may be given to read (lmns.workbook_limits), from the largest export an
# import takes (the incident import's): the headings and MAX_ROWS incidents; cells, about
# as many as a workbook within MAX_UPLOAD_BYTES holds (3 to 4 bytes a cell packed), which allows 60 columns at
# MAX_ROWS; shared strings, three pieces of free text an incident, their text bounded with
# the styles and row settings by the default kept_bytes (about 75 characters a string at
# 300,000). At these limits openpyxl's read-only mode stays under 100 MB (measured in
# tests/test_workbook_limits.py).
XLSX_LIMITS = WorkbookLimits(
    rows=MAX_ROWS + 1,
    cells_per_sheet=6_000_000,
    cells_per_workbook=6_000_000,
    shared_strings=300_000,
    shared_text_bytes=32 * 1024 * 1024,
    total_bytes=MAX_UNPACKED_BYTES,
    part_bytes=MAX_UNPACKED_BYTES,
)
_SAMPLE = 64 * 1024


class ImportFileError(Exception):
    """The file as a whole cannot be imported; the message says why, for the user."""


@dataclass(frozen=True)
class Formula:
    text: str


@dataclass
class Sheet:
    file_format: str  # "xlsx" or "csv"
    rows: Generator[tuple[int, tuple], None, None]  # (row number as the user sees it, cell values)
    encoding: str = ""
    notes: list[str] = field(default_factory=list)
    # How far through the file a row number is, from 0 to 1, if that can be told.
    fraction: Callable[[int], float] = lambda number: 0.0


def file_size(file) -> int:
    file.seek(0, io.SEEK_END)
    size = file.tell()
    file.seek(0)
    return size


def check_size(size: int) -> None:
    if size == 0:
        raise ImportFileError("The file is empty.")
    if size > MAX_UPLOAD_BYTES:
        raise ImportFileError(
            f"The file is {size / (1024 * 1024):.0f} MB; the largest file that can be imported is "
            f"{MAX_UPLOAD_BYTES // (1024 * 1024)} MB. Export fewer rows at a time."
        )


def open_sheet(file) -> Sheet:
    """The rows of an uploaded file (a seekable binary file object)."""
    check_size(file_size(file))
    head = file.read(8)
    file.seek(0)
    if head.startswith(b"PK\x03\x04"):
        return _xlsx(file)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError(
            "This is an older Excel file (.xls), which cannot be read. Save it as an Excel workbook "
            "(.xlsx) or as CSV and upload that."
        )
    return _csv(file)


# --- xlsx -------------------------------------------------------------------------------


def _xlsx(file) -> Sheet:
    try:
        with zipfile.ZipFile(file) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError):
        raise ImportFileError("The file is damaged or is not an Excel workbook.") from None
    names = {info.filename for info in infos}
    if "xl/workbook.xml" not in names:
        raise ImportFileError("The file is a zip archive but not an Excel workbook.")
    if any(name.endswith("vbaProject.bin") for name in names):
        raise ImportFileError("The workbook contains macros. Save it as a plain .xlsx workbook or as CSV.")
    if sum(info.file_size for info in infos) > MAX_UNPACKED_BYTES:
        raise ImportFileError("The workbook unpacks to more data than can be imported. Export fewer rows.")
    try:
        check_workbook(file, XLSX_LIMITS)
    except WorkbookRefused as error:
        raise ImportFileError(str(error)) from None
    try:
        workbook = load_workbook(file, read_only=True, data_only=False, keep_links=False)
        sheets = workbook.worksheets
        if not sheets:
            raise ImportFileError("The workbook has no worksheet.")
        sheet = sheets[0]
        claimed_rows = sheet.max_row if isinstance(sheet.max_row, int) else None
        # A crafted workbook may claim a vast sheet; read only the cells really there.
        sheet.reset_dimensions()
    except ImportFileError:
        raise
    except Exception:
        logger.info("Unreadable workbook uploaded for import", exc_info=True)
        raise ImportFileError(
            "The workbook could not be read. Open it in Excel, save it again and retry."
        ) from None
    notes = []
    if len(sheets) > 1:
        notes.append(f"Only the first worksheet, “{sheet.title}”, was read.")
    return Sheet(
        "xlsx",
        _xlsx_rows(workbook, sheet),
        notes=notes,
        fraction=lambda number: min(1.0, number / claimed_rows) if claimed_rows else 0.0,
    )


def _cell_value(cell):
    value = cell.value
    if getattr(cell, "data_type", None) == "f" or isinstance(value, ArrayFormula | DataTableFormula):
        return Formula(str(getattr(value, "text", value)))
    return value


def _xlsx_rows(workbook, sheet) -> Iterator[tuple[int, tuple]]:
    number = 0
    try:
        for number, cells in enumerate(sheet.iter_rows(), start=1):
            if number > MAX_ROWS + 1:
                raise ImportFileError(f"The sheet has more than {MAX_ROWS:,} rows. Import it in parts.")
            yield number, tuple(_cell_value(cell) for cell in cells[: MAX_COLUMNS + 1])
    except ImportFileError:
        raise
    except Exception:
        logger.info("Workbook for import unreadable after row %s", number, exc_info=True)
        raise ImportFileError(
            f"The workbook could not be read after row {number}. Open it in Excel, save it again and retry."
        ) from None
    finally:
        workbook.close()


# --- CSV --------------------------------------------------------------------------------


def _decodes_as(file, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    file.seek(0)
    try:
        while chunk := file.read(1024 * 1024):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    finally:
        file.seek(0)
    return True


def detect_encoding(file) -> tuple[str, str]:
    """(codec, what to tell the user) for a CSV file's bytes."""
    head = file.read(4)
    file.seek(0)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", "UTF-8 (with a byte order mark)"
    if _decodes_as(file, "utf-8"):
        return "utf-8", "UTF-8"
    # Excel's "CSV" on Windows writes the Windows code page; latin-1 decodes anything left.
    if _decodes_as(file, "cp1252"):
        return "cp1252", "Windows-1252 (Excel's CSV on Windows), because it is not valid UTF-8"
    return "latin-1", "Latin-1 (ISO 8859-1), because it is neither UTF-8 nor Windows-1252"


def _looks_like_text(sample: str) -> bool:
    controls = sum(1 for char in sample if ord(char) < 32 and char not in "\t\r\n")
    return controls <= len(sample) // 100


def _csv(file) -> Sheet:
    sample = file.read(_SAMPLE)
    file.seek(0)
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ImportFileError(
            "The file is in UTF-16, which cannot be read. Save it as “CSV UTF-8” and retry."
        )
    if b"\x00" in sample:
        raise ImportFileError(
            "The file is not a spreadsheet: upload an Excel workbook (.xlsx) or a CSV file."
        )
    codec, described = detect_encoding(file)
    if not _looks_like_text(sample.decode(codec, errors="replace")):
        raise ImportFileError(
            "The file is not a spreadsheet: upload an Excel workbook (.xlsx) or a CSV file."
        )
    first_line = sample.split(b"\n", 1)[0].decode(codec, errors="replace")
    delimiter = max([",", ";", "\t"], key=first_line.count)
    size = file_size(file)
    text = io.TextIOWrapper(file, encoding=codec, newline="")
    return Sheet(
        "csv",
        _csv_rows(text, delimiter),
        encoding=codec,
        notes=[f"The CSV file was read as {described}."],
        fraction=lambda number: min(1.0, file.tell() / size),
    )


def _csv_rows(text, delimiter: str) -> Iterator[tuple[int, tuple]]:
    number = 0
    try:
        for number, cells in enumerate(csv.reader(text, delimiter=delimiter, strict=False), start=1):
            if number > MAX_ROWS + 1:
                raise ImportFileError(f"The file has more than {MAX_ROWS:,} rows. Import it in parts.")
            yield number, tuple(cells[: MAX_COLUMNS + 1])
    except csv.Error as error:
        raise ImportFileError(f"Row {number + 1} could not be read as CSV ({error}).") from None
    finally:
        # Leave the uploaded file open for its owner to close.
        text.detach()
