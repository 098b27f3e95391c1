"""Refusing an uploaded workbook too big to read, before openpyxl reads any of it.

A byte limit bounds the upload, not what is inside it: a 24 KB xlsx can hold one row of
5 million empty cells, which openpyxl (even in read-only mode, which holds one row at a
time) builds as 5 million objects, 1.8 GB. ``check_workbook`` opens the archive, checks
the sizes its parts declare, then streams every part through expat with handlers that
only count: rows, cells in each row and in each sheet, shared strings and their text,
elements, nesting, and how much expat must hold at once. Nothing is built, so its memory
stays flat whatever the file holds, and it stops at the first limit passed, with a
message for the person uploading. Each upload states its limits (``WorkbookLimits``)
beside the limits it already had.

Every part is read, not only those named as worksheets: openpyxl follows the workbook's
relationships to any path, and finds rows wherever they are. A sheet's ``<dimension>`` is
never trusted; only the cells really there are counted. A part that is not well-formed XML
is left unread from the point where expat gives up: openpyxl parses with the same expat,
so it fails there too, having built no more than was counted.
"""

import lzma
import posixpath
import zipfile
import zlib
from dataclasses import dataclass
from xml.parsers import expat

# Excel's own grid: nothing a spreadsheet program writes has more columns than this,
# and openpyxl builds every cell of a row up to its farthest one.
EXCEL_COLUMNS = 16_384
_CHUNK = 64 * 1024
# What openpyxl keeps, besides text, for each setting of a row (a dictionary entry and a
# string), each shared string (the string and the cleared element it came from) and each
# element outside rows (a parsed element, or a style object): measured, rounded up.
_SETTING_BYTES = 64
_STRING_BYTES = 140
_ELEMENT_BYTES = 800
_MiB = 1024 * 1024


@dataclass(frozen=True)
class WorkbookLimits:
    rows: int  # rows in one sheet, counted to the highest row number used
    cells_per_sheet: int  # cells in one sheet, each row counted to its farthest cell
    cells_per_workbook: int  # cells in all sheets: checking takes time in proportion
    shared_strings: int  # entries in the shared-strings table, which openpyxl loads whole
    shared_text_bytes: int  # the memory those strings take as Python text
    total_bytes: int  # all parts, unpacked
    part_bytes: int  # the largest part, unpacked
    cells_per_row: int = EXCEL_COLUMNS
    sheets: int = 200
    parts: int = 1_000
    # openpyxl holds one row (or one shared string) at a time, but the whole of it. A row
    # of 200 columns each holding Excel's largest cell (32,767 characters) is 6.5 MB.
    row_bytes: int = 8 * _MiB
    # `<c><f/><v/></c>` is three elements; rich text a few more per run. The elements in
    # all rows may be this many times the cells allowed.
    elements_per_row: int = 4 * EXCEL_COLUMNS
    elements_per_cell: int = 4
    # A row's settings (height, format) are kept by openpyxl for every row that has any,
    # at about this many bytes for each setting plus its text: 100,000 rows as Excel saves
    # them (three settings each) come to about 23 MB.
    row_settings_bytes: int = 32 * _MiB
    # Outside rows and shared strings openpyxl keeps everything it reads (styles,
    # relationships, merged ranges, the theme), at about 800 bytes an element in styles.
    # Real workbooks have a few thousand; Excel's 64,000 cell styles, about 200,000.
    other_elements: int = 100_000
    other_bytes: int = 16 * _MiB
    # All of the above that openpyxl keeps at once, as estimated with the sizes measured
    # (_STRING_BYTES and the rest). The largest import allowed, 100,001 rows with 200,000
    # shared strings, is 35 MB; with what openpyxl holds while it streams the rows, this
    # keeps reading any workbook within 100 MB.
    kept_bytes: int = 64 * _MiB
    # Real parts nest a dozen deep; openpyxl builds the whole path.
    depth: int = 64
    # What expat holds before it reports anything (a start tag with its attributes, a
    # comment): real ones are a few KB.
    markup_bytes: int = 1 * _MiB


class WorkbookRefused(ValueError):
    """The workbook is refused; the message says why, for the person uploading it."""


def _size(count: int) -> str:
    return f"{count / _MiB:,.0f} MB" if count >= _MiB else f"{count:,} bytes"


def check_workbook(file, limits: WorkbookLimits) -> None:
    """Raise WorkbookRefused if the xlsx in ``file`` (a seekable binary file) passes any of
    ``limits``, or cannot be opened as a zip archive. Leaves the file at its start."""
    file.seek(0)
    try:
        with zipfile.ZipFile(file) as archive:
            infos = archive.infolist()
            _check_archive(infos, limits)
            names = _sheet_names(archive, infos, limits)
            cells = elements = kept = 0
            for info in infos:
                part = _Part(info.filename, names.get(info.filename), limits, cells, elements)
                with archive.open(info) as stream:
                    part.read(stream)
                cells, elements, kept = cells + part.cells, elements + part.row_elements, kept + part.kept()
                if kept > limits.kept_bytes:
                    raise WorkbookRefused(
                        f"The workbook would take more than {_size(limits.kept_bytes)} of memory to read "
                        f"(text, styles and row settings); the limit is {_size(limits.kept_bytes)}."
                    )
    except WorkbookRefused:
        raise
    except (
        zipfile.BadZipFile,
        zlib.error,
        lzma.LZMAError,
        OSError,
        NotImplementedError,
        RuntimeError,  # an encrypted part
        EOFError,
        ValueError,
    ):
        raise WorkbookRefused("The file is damaged or is not an Excel workbook.") from None
    finally:
        file.seek(0)


def _check_archive(infos, limits: WorkbookLimits) -> None:
    # The sizes are the archive's own claims; zipfile stops reading a part at its claimed
    # size, so they bound what anything reading it through zipfile can unpack.
    if len(infos) > limits.parts:
        raise WorkbookRefused(
            f"The workbook has more than {limits.parts:,} parts inside it; the limit is {limits.parts:,}."
        )
    for info in infos:
        if info.file_size > limits.part_bytes:
            raise WorkbookRefused(
                f"The workbook's part “{info.filename[:80]}” unpacks to {_size(info.file_size)}; "
                f"the limit is {_size(limits.part_bytes)}."
            )
    total = sum(info.file_size for info in infos)
    if total > limits.total_bytes:
        raise WorkbookRefused(
            f"The workbook unpacks to {_size(total)}; the limit is {_size(limits.total_bytes)}."
        )


def _sheet_names(archive, infos, limits: WorkbookLimits) -> dict[str, str]:
    """Each worksheet part's sheet name, from the workbook and its relationships (read
    through the same bounded parser), so that a message can name the sheet."""
    present = {info.filename: info for info in infos}
    found: dict[str, list[dict]] = {}
    for path in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels"):
        if path in present:
            with archive.open(present[path]) as part:
                found[path] = _Part(path, None, limits, collect=True).read(part)
    sheets = found.get("xl/workbook.xml", [])
    if len(sheets) > limits.sheets:
        raise WorkbookRefused(
            f"The workbook has more than {limits.sheets:,} sheets; the limit is {limits.sheets:,}."
        )
    targets = {}
    for attributes in found.get("xl/_rels/workbook.xml.rels", []):
        target = attributes.get("Target", "")
        path = target[1:] if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
        targets[attributes.get("Id")] = path
    names = {}
    for attributes in sheets:
        relation = next((value for key, value in attributes.items() if _local(key) == "id"), None)
        if relation in targets:
            names[targets[relation]] = attributes.get("name", "")[:100]
    return names


def _column(reference: str | None) -> int:
    """The column number a cell reference such as "AB12" or "$ab$12" names, as openpyxl
    reads it (0 if it names none)."""
    letters = (reference or "").lstrip("$")[:4].upper()
    number = 0
    for count, char in enumerate(letters):
        if not "A" <= char <= "Z":
            return number
        if count == 3:
            return EXCEL_COLUMNS + 1
        number = number * 26 + ord(char) - 64
    return number


def _local(tag: str) -> str:
    return tag.rpartition(":")[2]


class _Part:
    """One part of the archive, streamed through expat, counted and never built.

    A sheet can hold millions of cells, so the handlers change with where the parser is
    (outside, in a row, in a shared string) to keep the work per cell small. Names are
    compared without their namespace prefix, so nothing escapes by using another one.
    """

    def __init__(
        self,
        path: str,
        sheet: str | None,
        limits: WorkbookLimits,
        cells_before: int = 0,
        elements_before: int = 0,
        collect: bool = False,
    ):
        self.limits, self.collect = limits, collect
        # What the parts read before this one used of the workbook's allowance.
        self.cells_before, self.elements_before = cells_before, elements_before
        self.row_elements = self.row_settings = 0
        self.where = f"The sheet “{sheet}”" if sheet is not None else f"The workbook's part “{path[:80]}”"
        self.collected: list[dict] = []
        self.depth = self.others = self.rows = self.cells = self.strings = self.shared_text = 0
        # The row or shared string open now: its depth (0 if none), where it starts, its
        # elements, its cells and the last one's reference, its characters and their width.
        self.item_depth = self.item_start = self.item_elements = self.cells_in_row = 0
        self.last_reference = None
        self.item_chars = self.item_width = 0
        # What a cell or an element in a row may bring the counts to before a closer look.
        self.cell_room, self.element_room, self.depth_room = 0, limits.elements_per_row, limits.depth
        self.inside = 0  # bytes in rows and shared strings closed so far
        parser = expat.ParserCreate()
        # A workbook's parts never declare a document type: refusing one refuses every
        # entity, so no "billion laughs" and no external entity is ever expanded.
        parser.StartDoctypeDeclHandler = self.doctype
        parser.EntityDeclHandler = self.doctype
        self.parser = parser
        self.outside()

    def kept(self) -> int:
        """An estimate of the memory openpyxl keeps for this part while a sheet is read."""
        strings = self.shared_text + self.strings * _STRING_BYTES
        return strings + self.row_settings + self.others * _ELEMENT_BYTES

    def outside(self) -> None:
        self.item_depth = 0
        self.parser.StartElementHandler = self.start
        self.parser.EndElementHandler = self.end
        self.parser.CharacterDataHandler = None

    def refuse(self, message: str):
        raise WorkbookRefused(f"{self.where} {message}")

    def read(self, part) -> list[dict]:
        limits, parser = self.limits, self.parser
        fed = 0
        try:
            while chunk := part.read(_CHUNK):
                parser.Parse(chunk, False)
                fed += len(chunk)
                # Where expat has got to: what lies beyond, it holds until the markup ends.
                if fed - parser.CurrentByteIndex > limits.markup_bytes:
                    self.refuse(
                        f"holds a single tag or comment longer than {_size(limits.markup_bytes)}; "
                        f"the limit is {_size(limits.markup_bytes)}."
                    )
                open_item = fed - self.item_start if self.item_depth else 0
                if open_item > limits.row_bytes:
                    self.item_too_long()
                if fed - self.inside - open_item > limits.other_bytes:
                    self.refuse(
                        f"holds more than {_size(limits.other_bytes)} outside its cells; "
                        f"the limit is {_size(limits.other_bytes)}."
                    )
            parser.Parse(b"", True)
        except expat.ExpatError:
            pass
        return self.collected

    def item_name(self) -> str:
        if self.parser.StartElementHandler == self.start_in_row:
            return f"row {self.rows:,}"
        return f"shared string {self.strings:,}"

    def item_too_long(self):
        self.refuse(
            f"has more than {_size(self.limits.row_bytes)} in {self.item_name()}; "
            f"the limit is {_size(self.limits.row_bytes)}."
        )

    def too_deep(self) -> None:
        self.refuse(f"nests elements more than {self.limits.depth} deep; the limit is {self.limits.depth}.")

    def start(self, tag: str, attributes: dict) -> None:
        limits = self.limits
        self.depth += 1
        if self.depth > limits.depth:
            self.too_deep()
        name = _local(tag)
        if name == "row":
            self.start_row(attributes)
        elif name == "si":
            self.open_item()
            self.parser.StartElementHandler = self.start_in_string
            self.parser.EndElementHandler = self.end_in_string
            self.parser.CharacterDataHandler = self.text_in_string
            self.strings += 1
            if self.strings > limits.shared_strings:
                self.refuse(
                    f"has more than {limits.shared_strings:,} shared strings; "
                    f"the limit is {limits.shared_strings:,}."
                )
        else:
            self.others += 1
            if self.others > limits.other_elements:
                self.refuse(
                    f"has more than {limits.other_elements:,} elements outside its cells; "
                    f"the limit is {limits.other_elements:,}."
                )
            if self.collect and name in {"sheet", "Relationship"}:
                self.collected.append(attributes)

    def end(self, tag: str) -> None:
        self.depth -= 1

    def open_item(self) -> None:
        limits = self.limits
        self.item_depth, self.item_start = self.depth, self.parser.CurrentByteIndex
        self.cell_room = min(
            limits.cells_per_row,
            limits.cells_per_sheet - self.cells,
            limits.cells_per_workbook - self.cells_before - self.cells,
        )
        self.item_elements = self.cells_in_row = self.item_chars = self.item_width = 0
        self.last_reference = None

    def close_item(self) -> None:
        length = self.parser.CurrentByteIndex - self.item_start
        if length > self.limits.row_bytes:
            self.item_too_long()
        self.inside += length
        self.outside()

    def in_item(self) -> None:
        """Refuse an item with too many elements, or nested too deep (counted by the caller)."""
        limits = self.limits
        if self.item_elements > limits.elements_per_row:
            self.refuse(
                f"has more than {limits.elements_per_row:,} elements in {self.item_name()}; "
                f"the limit is {limits.elements_per_row:,}."
            )
        if self.depth > limits.depth:
            self.too_deep()

    # --- rows

    def start_row(self, attributes: dict) -> None:
        limits = self.limits
        self.open_item()
        self.parser.StartElementHandler = self.start_in_row
        self.parser.EndElementHandler = self.end_in_row
        # openpyxl fills the gap up to a row's number with empty rows.
        number = attributes.get("r", "")
        if number.isdecimal():
            self.rows = max(self.rows + 1, int(number) if len(number) < 10 else limits.rows + 1)
        else:
            self.rows += 1
        if self.rows > limits.rows:
            self.refuse(f"has more than {limits.rows:,} rows; the limit is {limits.rows:,}.")
        # openpyxl keeps a row's settings unless it has only its number and its span.
        if attributes.keys() - {"r", "spans"}:
            self.row_settings += sum(
                _SETTING_BYTES + len(key) + len(value) for key, value in attributes.items()
            )
            if self.row_settings > limits.row_settings_bytes:
                self.refuse(
                    f"has more than {_size(limits.row_settings_bytes)} of row settings (heights and "
                    f"formats); the limit is {_size(limits.row_settings_bytes)}."
                )

    def start_in_row(self, tag: str, attributes: dict) -> None:
        # The work per cell, kept to a few steps.
        self.depth += 1
        self.item_elements += 1
        if tag == "c" or tag[-2:] == ":c":
            self.cells_in_row += 1
            self.last_reference = attributes.get("r")
            if self.cells_in_row > self.cell_room:
                self.too_many_cells()
        if self.item_elements > self.element_room or self.depth > self.depth_room:
            self.in_item()

    def end_in_row(self, tag: str) -> None:
        if self.depth == self.item_depth:
            # openpyxl makes a row as wide as its last cell's column, filling the gaps.
            self.cells_in_row = max(self.cells_in_row, _column(self.last_reference))
            self.too_many_cells()
            self.cells += self.cells_in_row
            self.row_elements += self.item_elements
            allowed = self.limits.elements_per_cell * self.limits.cells_per_workbook
            if self.elements_before + self.row_elements > allowed:
                self.refuse(f"has more than {allowed:,} elements in its rows; the limit is {allowed:,}.")
            self.close_item()
        self.depth -= 1

    def too_many_cells(self) -> None:
        limits = self.limits
        if self.cells_in_row > limits.cells_per_row:
            self.refuse(
                f"has more than {limits.cells_per_row:,} cells in row {self.rows:,}; "
                f"the limit is {limits.cells_per_row:,}."
            )
        if self.cells + self.cells_in_row > limits.cells_per_sheet:
            self.refuse(
                f"has more than {limits.cells_per_sheet:,} cells; the limit is {limits.cells_per_sheet:,}."
            )
        if self.cells_before + self.cells + self.cells_in_row > limits.cells_per_workbook:
            raise WorkbookRefused(
                f"The workbook has more than {limits.cells_per_workbook:,} cells in all its sheets; "
                f"the limit is {limits.cells_per_workbook:,}."
            )

    # --- shared strings

    def start_in_string(self, tag: str, attributes: dict) -> None:
        self.depth += 1
        self.item_elements += 1
        self.in_item()

    def end_in_string(self, tag: str) -> None:
        if self.depth == self.item_depth:
            self.shared_text += self.item_chars * self.item_width
            self.close_item()
        self.depth -= 1

    def text_in_string(self, data: str) -> None:
        # Python stores a string in 1, 2 or 4 bytes a character, by its widest one.
        widest = "\x00" if data.isascii() else max(data)
        self.item_width = max(self.item_width, 1 if widest <= "\xff" else 2 if widest <= "\uffff" else 4)
        self.item_chars += len(data)
        if self.shared_text + self.item_chars * self.item_width > self.limits.shared_text_bytes:
            self.refuse(
                f"has more than {_size(self.limits.shared_text_bytes)} of shared text; "
                f"the limit is {_size(self.limits.shared_text_bytes)}."
            )

    def doctype(self, *args) -> None:
        self.refuse("declares a document type or entities, which a workbook never does.")
