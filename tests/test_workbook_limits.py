"""Uploaded workbooks are counted while streamed and refused past their limits before
openpyxl builds anything, in little memory, whatever the file holds (issue 18, item 2).

The hostile files are written with zipfile directly, streaming, so that making them is
quick and takes no memory either.
"""

import dataclasses
import io
import pickle
import subprocess
import sys
import textwrap
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from assurance.returns import WORKBOOK_LIMITS
from lmns.imports.parsing import MAX_ROWS, XLSX_LIMITS, open_sheet
from lmns.workbook_limits import WorkbookRefused, check_workbook

MiB = 1024 * 1024
# The issue's target: checking any file within the upload limits grows the process by
# less than this.
TARGET = 100 * MiB
MAIN = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"


def xlsx(*sheets, parts=None, sheet_names=None) -> bytes:
    """A workbook openpyxl opens, one sheet for each iterable of XML chunks in ``sheets``,
    plus any other ``parts`` (name: bytes or chunks)."""
    names = sheet_names or [f"Sheet{number}" for number in range(1, len(sheets) + 1)]
    entries = "".join(
        f'<sheet name="{name}" sheetId="{n}" r:id="rId{n}"/>' for n, name in enumerate(names, 1)
    )
    targets = "".join(
        f'<Relationship Id="rId{n}" Type="{RELS}/worksheet" Target="worksheets/sheet{n}.xml"/>'
        for n in range(1, len(names) + 1)
    )
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="{SHEET_TYPE}"/>'
        for n in range(1, len(sheets) + 1)
    )
    if "xl/sharedStrings.xml" in (parts or {}):
        overrides += (
            '<Override PartName="/xl/sharedStrings.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
        )
    content = {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            f"{overrides}</Types>"
        ).encode(),
        "_rels/.rels": (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{RELS}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"
        ).encode(),
        "xl/workbook.xml": (
            f'<workbook {MAIN.decode()} xmlns:r="{RELS}"><sheets>{entries}</sheets></workbook>'
        ).encode(),
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{targets}'
            "</Relationships>"
        ).encode(),
        **{f"xl/worksheets/sheet{n}.xml": sheet for n, sheet in enumerate(sheets, 1)},
        **(parts or {}),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in content.items():
            with archive.open(name, "w", force_zip64=True) as part:
                for chunk in [data] if isinstance(data, bytes) else data:
                    part.write(chunk)
    return buffer.getvalue()


def sheet(rows, *, before=b"") -> list:
    """A worksheet's XML in chunks: ``rows`` is an iterable of each row's XML."""
    return [b"<worksheet " + MAIN + b">" + before + b"<sheetData>", *rows, b"</sheetData></worksheet>"]


def empty_cells(count: int):
    yield b'<row r="1">'
    for _ in range(count // 100_000):
        yield b"<c/>" * 100_000
    yield b"<c/>" * (count % 100_000)
    yield b"</row>"


def shared_strings(items) -> list:
    return [b"<sst " + MAIN + b">", *items, b"</sst>"]


def nested(depth: int) -> list:
    return [b"<styleSheet " + MAIN + b">", b"<a>" * depth, b"</a>" * depth, b"</styleSheet>"]


def checked(data: bytes, limits=XLSX_LIMITS) -> tuple[str | None, int]:
    """Why the file is refused (None if it is not), and the check's peak memory."""
    tracemalloc.start()
    try:
        check_workbook(io.BytesIO(data), limits)
        reason = None
    except WorkbookRefused as error:
        reason = str(error)
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return reason, peak


def five_million_empty_cells() -> bytes:
    return xlsx(sheet(empty_cells(5_000_000)), sheet_names=["Incidents"])


def test_five_million_empty_cells_in_one_row_are_refused_in_little_memory():
    data = five_million_empty_cells()
    assert len(data) < 30 * 1024  # the issue's 24 KB file

    for limits in (XLSX_LIMITS, WORKBOOK_LIMITS):
        reason, peak = checked(data, limits)
        assert reason == "The sheet “Incidents” has more than 16,384 cells in row 1; the limit is 16,384."
        assert peak < 5 * MiB


SMALL = dataclasses.replace(XLSX_LIMITS, cells_per_sheet=100_000, cells_per_workbook=150_000)


HOSTILE = [
    pytest.param(
        lambda: xlsx(sheet([b'<row r="1"><c r="A1"/><c r="XFE1"/></row>'])),
        XLSX_LIMITS,
        "The sheet “Sheet1” has more than 16,384 cells in row 1; the limit is 16,384.",
        id="one cell past Excel's last column",
    ),
    pytest.param(
        lambda: xlsx(sheet(b"<row/>" * 1000 for _ in range(MAX_ROWS // 1000 + 1))),
        XLSX_LIMITS,
        "The sheet “Sheet1” has more than 100,001 rows; the limit is 100,001.",
        id="many rows",
    ),
    pytest.param(
        lambda: xlsx(sheet([b'<row r="99999999999"/>'])),
        XLSX_LIMITS,
        "The sheet “Sheet1” has more than 100,001 rows; the limit is 100,001.",
        id="one row numbered far down",
    ),
    pytest.param(
        lambda: xlsx(sheet(b"<row>" + b"<c/>" * 10_000 + b"</row>" for _ in range(11))),
        SMALL,
        "The sheet “Sheet1” has more than 100,000 cells; the limit is 100,000.",
        id="many cells in one sheet",
    ),
    pytest.param(
        lambda: xlsx(*[sheet([b"<row>" + b"<c/>" * 10_000 + b"</row>"] * 8)] * 2),
        SMALL,
        "The workbook has more than 150,000 cells in all its sheets; the limit is 150,000.",
        id="many cells in all sheets",
    ),
    pytest.param(
        lambda: xlsx(*[sheet([])] * 201),
        XLSX_LIMITS,
        "The workbook has more than 200 sheets; the limit is 200.",
        id="many sheets",
    ),
    pytest.param(
        lambda: xlsx(sheet([]), parts={f"xl/media/image{n}.png": b"" for n in range(1000)}),
        XLSX_LIMITS,
        "The workbook has more than 1,000 parts inside it; the limit is 1,000.",
        id="many parts",
    ),
    pytest.param(
        lambda: xlsx(
            sheet([]), parts={"xl/sharedStrings.xml": shared_strings([b"<si><t>x</t></si>" * 300_001])}
        ),
        XLSX_LIMITS,
        "The workbook's part “xl/sharedStrings.xml” has more than 300,000 shared strings; "
        "the limit is 300,000.",
        id="many shared strings",
    ),
    pytest.param(
        lambda: xlsx(
            sheet([]),
            parts={
                "xl/sharedStrings.xml": shared_strings(
                    b"<si><t>" + b"x" * MiB + b"</t></si>" for _ in range(33)
                )
            },
        ),
        XLSX_LIMITS,
        "The workbook's part “xl/sharedStrings.xml” has more than 32 MB of shared text; the limit is 32 MB.",
        id="much shared text",
    ),
    pytest.param(
        # Python keeps a string with one emoji in 4 bytes a character.
        lambda: xlsx(
            sheet([]),
            parts={
                "xl/sharedStrings.xml": shared_strings(
                    [("<si><t>" + "x" * (3 * MiB) + "😀</t></si>").encode()] * 3
                )
            },
        ),
        XLSX_LIMITS,
        "The workbook's part “xl/sharedStrings.xml” has more than 32 MB of shared text; the limit is 32 MB.",
        id="shared text wide in memory",
    ),
    pytest.param(
        lambda: xlsx(
            sheet([]),
            parts={
                "xl/sharedStrings.xml": b'<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY a "aaaaaaaaaa">'
                b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
                b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
                b"<sst " + MAIN + b"><si><t>&c;</t></si></sst>"
            },
        ),
        XLSX_LIMITS,
        "The workbook's part “xl/sharedStrings.xml” declares a document type or entities, "
        "which a workbook never does.",
        id="entity expansion",
    ),
    pytest.param(
        lambda: xlsx(
            sheet([]),
            parts={"xl/styles.xml": b'<!DOCTYPE s SYSTEM "file:///etc/passwd"><styleSheet ' + MAIN + b"/>"},
        ),
        XLSX_LIMITS,
        "The workbook's part “xl/styles.xml” declares a document type or entities, "
        "which a workbook never does.",
        id="external entity",
    ),
    pytest.param(
        lambda: xlsx(sheet([]), parts={"xl/styles.xml": nested(100_000)}),
        XLSX_LIMITS,
        "The workbook's part “xl/styles.xml” nests elements more than 64 deep; the limit is 64.",
        id="deeply nested",
    ),
    pytest.param(
        lambda: xlsx(sheet([b"<row><c>" + b"<a>" * 100 + b"</a>" * 100 + b"</c></row>"])),
        XLSX_LIMITS,
        "The sheet “Sheet1” nests elements more than 64 deep; the limit is 64.",
        id="deeply nested in a cell",
    ),
    pytest.param(
        lambda: xlsx(
            sheet([]),
            parts={"xl/styles.xml": [b"<styleSheet " + MAIN + b">", b"<xf/>" * 100_001, b"</styleSheet>"]},
        ),
        XLSX_LIMITS,
        "The workbook's part “xl/styles.xml” has more than 100,000 elements outside its cells; "
        "the limit is 100,000.",
        id="many styles",
    ),
    pytest.param(
        lambda: xlsx(sheet([b"<row>" + b"<x/>" * 70_000 + b"</row>"])),
        XLSX_LIMITS,
        "The sheet “Sheet1” has more than 65,536 elements in row 1; the limit is 65,536.",
        id="many elements in a row",
    ),
    pytest.param(
        lambda: xlsx(sheet([b"<row><c><v>" + b"1" * (9 * MiB) + b"</v></c></row>"])),
        XLSX_LIMITS,
        "The sheet “Sheet1” has more than 8 MB in row 1; the limit is 8 MB.",
        id="one long row",
    ),
    pytest.param(
        lambda: xlsx(sheet(f'<row r="{n}" ht="{"1" * 500}"/>'.encode() for n in range(1, 60_000))),
        XLSX_LIMITS,
        "The sheet “Sheet1” has more than 32 MB of row settings (heights and formats); the limit is 32 MB.",
        id="row settings, kept for every row",
    ),
    pytest.param(
        lambda: xlsx(sheet([]), parts={"xl/styles.xml": [b"<styleSheet", *[b"\n" * MiB] * 2, b"/>"]}),
        XLSX_LIMITS,
        "The workbook's part “xl/styles.xml” holds a single tag or comment longer than 1 MB; "
        "the limit is 1 MB.",
        id="one huge tag",
    ),
    pytest.param(
        lambda: xlsx(sheet([]), parts={"xl/theme/theme1.xml": [b"<a>", b" " * (17 * MiB), b"</a>"]}),
        XLSX_LIMITS,
        "The workbook's part “xl/theme/theme1.xml” holds more than 16 MB outside its cells; "
        "the limit is 16 MB.",
        id="a large part that openpyxl keeps whole",
    ),
    pytest.param(
        lambda: xlsx(
            sheet([]),
            parts={
                "xl/styles.xml": [b"<styleSheet " + MAIN + b">", b"<xf/>" * 50_000, b"</styleSheet>"],
                "xl/sharedStrings.xml": shared_strings([b"<si><t>" + b"x" * 100 + b"</t></si>"] * 120_000),
            },
        ),
        XLSX_LIMITS,
        "The workbook would take more than 64 MB of memory to read (text, styles and row settings); "
        "the limit is 64 MB.",
        id="much kept in all",
    ),
    pytest.param(
        lambda: xlsx(sheet([]), parts={"xl/media/padding.bin": [bytes(MiB)] * 201}),
        XLSX_LIMITS,
        "The workbook's part “xl/media/padding.bin” unpacks to 201 MB; the limit is 200 MB.",
        id="zip bomb",
    ),
    pytest.param(
        lambda: xlsx(sheet([]), parts={f"xl/media/padding{n}.bin": [bytes(MiB)] * 5 for n in range(5)}),
        WORKBOOK_LIMITS,
        "The workbook unpacks to 25 MB; the limit is 20 MB.",
        id="zip bomb in parts",
    ),
]


@pytest.mark.parametrize(("build", "limits", "expected"), HOSTILE)
def test_a_hostile_workbook_is_refused_with_a_message(build, limits, expected):
    data = build()
    assert len(data) < 20 * MiB  # within the upload limit
    with pytest.raises(WorkbookRefused) as refused:
        check_workbook(io.BytesIO(data), limits)
    assert str(refused.value) == expected


def test_an_archive_that_understates_a_part_is_refused_as_damaged():
    """zipfile stops reading a part at the size the archive claims for it, so the claimed
    sizes bound what is unpacked; the part then fails its checksum."""
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(xlsx(sheet(empty_cells(100_000))))) as source,
        zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            target.writestr(info.filename, source.read(info))
        target.getinfo("xl/worksheets/sheet1.xml").file_size = 1000

    reason, peak = checked(buffer.getvalue())
    assert reason == "The file is damaged or is not an Excel workbook."
    assert peak < 5 * MiB


def largest_import() -> bytes:
    """MAX_ROWS incidents under the headings, in the Datix shape, each with its own
    reference and description in the shared strings, as Excel writes them."""
    columns = "ABCDEFGH"

    def rows():
        headings = b"".join(f'<c r="{c}1" t="s"><v>{n}</v></c>'.encode() for n, c in enumerate(columns))
        yield b'<row r="1">' + headings + b"</row>"
        for number in range(2, MAX_ROWS + 2):
            yield (
                f'<row r="{number}" spans="1:8"><c r="A{number}" t="s"><v>{8 + number}</v></c>'
                f'<c r="B{number}" s="1"><v>46000</v></c><c r="C{number}" s="1"><v>46001</v></c>'
                f'<c r="D{number}" t="s"><v>0</v></c><c r="E{number}" t="s"><v>1</v></c>'
                f'<c r="F{number}" t="s"><v>2</v></c><c r="G{number}" t="s"><v>{MAX_ROWS + number}</v></c>'
                f'<c r="H{number}" t="s"><v>7</v></c></row>'
            ).encode()

    def strings():
        for heading in columns:
            yield f"<si><t>{heading}</t></si>".encode()
        for number in range(MAX_ROWS + 2):
            yield f"<si><t>W{number}</t></si>".encode()
        for number in range(MAX_ROWS + 2):
            text = f"Delay in escalating an abnormal CTG on the labour ward ({number})."
            yield f"<si><t>{text}</t></si>".encode()

    return xlsx(sheet(rows()), parts={"xl/sharedStrings.xml": shared_strings(strings())})


@pytest.fixture(scope="module")
def largest(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("largest") / "export.xlsx"
    path.write_bytes(largest_import())
    return path


def test_the_largest_import_allowed_passes(largest):
    sheet = open_sheet(largest.open("rb"))
    number, headings = next(sheet.rows)
    assert (number, headings[0]) == (1, "A")


def child(script: str, *args) -> list[str]:
    """What ``script`` prints, run in a process of its own, so that its peak resident size
    is the file's doing. The process may take at most 1 GB more than it has at the start,
    so that a reader which builds what the file holds cannot take the machine."""
    limit = textwrap.dedent(
        """
        import resource, sys
        size = int(open("/proc/self/statm").read().split()[0]) * resource.getpagesize()
        resource.setrlimit(resource.RLIMIT_AS, (size + 1024**3, resource.RLIM_INFINITY))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", limit + textwrap.dedent(script), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return result.stdout.strip().splitlines()


def test_checking_any_file_grows_the_process_by_less_than_100_mb(tmp_path, largest):
    """Every hostile file at the real limits, and the largest import allowed."""
    cases = [(five_million_empty_cells(), XLSX_LIMITS, "16,384 cells in row 1")]
    cases += [(build(), limits, expected) for build, limits, expected in (p.values for p in HOSTILE)]
    files = []
    for number, (data, limits, _) in enumerate(cases):
        (tmp_path / f"{number}.xlsx").write_bytes(data)
        files.append((tmp_path / f"{number}.xlsx", limits))
    files.append((largest, XLSX_LIMITS))
    (tmp_path / "files.pickle").write_bytes(pickle.dumps(files))

    lines = child(
        """
        import pickle
        from pathlib import Path
        from lmns.workbook_limits import WorkbookRefused, check_workbook

        files = pickle.loads(Path(sys.argv[1]).read_bytes())
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        for path, limits in files:
            try:
                check_workbook(path.open("rb"), limits)
                print("passed")
            except WorkbookRefused as error:
                print(error)
        print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - before)
        """,
        tmp_path / "files.pickle",
    )

    *reasons, grown = lines
    assert len(reasons) == len(cases) + 1
    for reason, (_, _, expected) in zip(reasons, cases, strict=False):
        assert expected in reason
    assert reasons[-1] == "passed"
    assert int(grown) < TARGET


READ_ALL = """
    from lmns.imports.parsing import ImportFileError, open_sheet

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    for path in sys.argv[1:]:
        try:
            for number, cells in open_sheet(open(path, "rb")).rows:
                pass
            print("read")
        except (ImportFileError, MemoryError) as error:
            print(type(error).__name__, error)
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - before)
"""


def test_reading_a_workbook_just_within_the_limits_grows_the_import_by_less_than_100_mb(tmp_path):
    """openpyxl keeps the shared strings, styles and row settings while it streams the
    rows: a workbook with as much of each as the limits let through."""
    head = [b'<row r="1"><c t="inlineStr"><is><t>Ref</t></is></c></row>']
    files = {
        "strings": xlsx(
            sheet(head),
            parts={
                "xl/sharedStrings.xml": shared_strings([b"<si><t>" + b"x" * 120 + b"</t></si>"] * 220_000)
            },
        ),
        "styles": xlsx(
            sheet(head),
            parts={
                "xl/styles.xml": [
                    b"<styleSheet " + MAIN + b"><cellXfs>",
                    b'<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>' * 80_000,
                    b"</cellXfs></styleSheet>",
                ]
            },
        ),
        "row settings": xlsx(
            sheet(
                head
                + [
                    (f'<row r="{n}" ' + " ".join(f'k{chr(97 + i)}="12"' for i in range(26)) + "/>").encode()
                    for n in range(2, 18_000)
                ]
            )
        ),
        "wide rows": xlsx(
            sheet(
                head
                + [
                    b"<row>"
                    + (b'<c t="inlineStr"><is><t>' + b"y" * 400 + b"</t></is></c>") * 16_000
                    + b"</row>"
                ]
                * 10
            )
        ),
    }
    for name, data in files.items():
        (tmp_path / f"{name}.xlsx").write_bytes(data)

    *outcomes, grown = child(READ_ALL, *(tmp_path / f"{name}.xlsx" for name in files))

    assert outcomes == ["read"] * len(files)
    assert int(grown) < TARGET


def test_the_import_refuses_the_issues_file_and_grows_by_less_than_100_mb(tmp_path):
    """The import's own reading, from upload to the last row."""
    path = tmp_path / "export.xlsx"
    path.write_bytes(five_million_empty_cells())

    outcome, grown = child(
        """
        from lmns.imports.parsing import ImportFileError, open_sheet

        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        try:
            for number, cells in open_sheet(open(sys.argv[1], "rb")).rows:
                pass
            print("read")
        except (ImportFileError, MemoryError) as error:
            print(type(error).__name__, error)
        print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - before)
        """,
        path,
    )

    assert outcome == (
        "ImportFileError The sheet “Incidents” has more than 16,384 cells in row 1; the limit is 16,384."
    )
    assert int(grown) < TARGET
