"""Evidence files are judged by their bytes; the name must then agree with the content."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from lmns import uploads
from lmns.uploads import DOCX, JPEG, PDF, PNG, PPTX, TEXT, XLSX, check_upload, sniff

PDF_BYTES = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01"
JPEG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00"
TEXT_BYTES = b"ward,month,audits\nLabour ward,2026-01,12\n"
# The start of a Windows executable: "MZ", then a DOS header full of nulls.
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48


def office_zip(*names: str) -> bytes:
    """A zip archive holding the given part names, as Office Open XML files are: the same bytes
    on every run, as they are in test ids that each xdist worker must collect alike."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)), "<xml/>")
    return buffer.getvalue()


DOCX_BYTES = office_zip("[Content_Types].xml", "_rels/.rels", "word/document.xml")
XLSX_BYTES = office_zip("[Content_Types].xml", "_rels/.rels", "xl/workbook.xml")
PPTX_BYTES = office_zip("[Content_Types].xml", "_rels/.rels", "ppt/presentation.xml")
DOCM_BYTES = office_zip("[Content_Types].xml", "word/document.xml", "word/vbaProject.bin")


def tampered_zip(*, version: int | None = None, utf8_flag_on_bad_name: bool = False) -> bytes:
    """A Word file whose first central-directory entry is altered the way a crafted file could be."""
    data = bytearray(DOCX_BYTES)
    entry = data.find(b"PK\x01\x02")
    if version is not None:  # "version needed to extract"
        data[entry + 6 : entry + 8] = version.to_bytes(2, "little")
    if utf8_flag_on_bad_name:  # says the name is UTF-8, then gives a byte that cannot be
        data[entry + 8 : entry + 10] = (0x800).to_bytes(2, "little")
        data[entry + 46] = 0xFF
    return bytes(data)


ALLOWED_FILES = [
    (PDF, "audit.pdf", PDF_BYTES),
    (PNG, "chart.png", PNG_BYTES),
    (JPEG, "photo.jpg", JPEG_BYTES),
    (JPEG, "photo.jpeg", JPEG_BYTES),
    (DOCX, "policy.docx", DOCX_BYTES),
    (XLSX, "audit.xlsx", XLSX_BYTES),
    (PPTX, "board.pptx", PPTX_BYTES),
    (TEXT, "notes.txt", TEXT_BYTES),
    (TEXT, "audit.csv", TEXT_BYTES),
]


def _sniff(data: bytes):
    return sniff(data[:2048], io.BytesIO(data))


@pytest.mark.parametrize(("kind", "name", "data"), ALLOWED_FILES, ids=lambda v: getattr(v, "label", None))
def test_sniff_recognises_every_allowed_kind(kind, name, data):
    assert _sniff(data) == kind


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(EXE_BYTES, id="windows-executable"),
        pytest.param(b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 16, id="linux-executable"),
        pytest.param(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00", id="legacy-office"),
        pytest.param(DOCM_BYTES, id="macro-enabled-word"),
        pytest.param(office_zip("word/document.xml"), id="zip-without-content-types"),
        pytest.param(office_zip("[Content_Types].xml", "payload/run.js"), id="zip-not-office"),
        pytest.param(b"PK\x03\x04 not really a zip", id="broken-zip"),
        pytest.param(b"caf\xe9 au lait, latin-1 text", id="not-utf8"),
        pytest.param(b"text with a \x00 null in it", id="null-byte"),
        pytest.param(b"", id="empty"),
    ],
)
def test_sniff_refuses_what_is_not_allowed(data):
    assert _sniff(data) is None


def test_sniff_refuses_a_zip_it_cannot_read_instead_of_failing():
    assert _sniff(tampered_zip(version=100)) is None


def test_a_zip_with_a_garbled_name_gets_the_usual_message():
    with pytest.raises(ValueError) as error:
        check_upload(SimpleUploadedFile("policy.docx", tampered_zip(utf8_flag_on_bad_name=True)))
    assert "This file's content is not one of those." in str(error.value)


def test_sniff_accepts_text_whose_sample_ends_mid_character():
    # The 2 KB sample can cut a multi-byte character in half; that is still text.
    data = b"a" * 2047 + "é".encode()
    assert _sniff(data) == TEXT


@pytest.mark.parametrize(("kind", "name", "data"), ALLOWED_FILES, ids=lambda v: getattr(v, "label", None))
def test_check_upload_accepts_every_allowed_kind_with_a_matching_name(kind, name, data):
    assert check_upload(SimpleUploadedFile(name, data)) == kind


def test_check_upload_ignores_the_case_of_the_extension():
    assert check_upload(SimpleUploadedFile("AUDIT.PDF", PDF_BYTES)) == PDF


def test_check_upload_leaves_the_file_ready_to_be_saved_whole():
    upload = SimpleUploadedFile("audit.pdf", PDF_BYTES)
    upload.read(5)
    check_upload(upload)
    assert upload.read() == PDF_BYTES


@pytest.mark.parametrize(
    ("name", "data", "content", "expected"),
    [
        ("audit.pdf", PNG_BYTES, "a PNG image", ".png"),
        ("chart.png", PDF_BYTES, "a PDF", ".pdf"),
        ("audit", PDF_BYTES, "a PDF", ".pdf"),
        ("photo.png", JPEG_BYTES, "a JPEG image", ".jpg or .jpeg"),
        ("policy.xlsx", DOCX_BYTES, "a Word document", ".docx"),
        ("board.pdf", PPTX_BYTES, "a PowerPoint presentation", ".pptx"),
        ("page.html", TEXT_BYTES, "a text or CSV file", ".txt or .csv"),
    ],
)
def test_check_upload_refuses_a_name_that_does_not_match_the_content(name, data, content, expected):
    with pytest.raises(ValueError) as error:
        check_upload(SimpleUploadedFile(name, data))
    assert str(error.value) == f"The file's content is {content}, but its name does not end in {expected}."


def test_the_mismatch_message_for_an_excel_workbook_reads_well():
    with pytest.raises(ValueError) as error:
        check_upload(SimpleUploadedFile("audit.docx", XLSX_BYTES))
    assert str(error.value) == "The file's content is an Excel workbook, but its name does not end in .xlsx."


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("setup.exe", EXE_BYTES),
        ("setup.pdf", EXE_BYTES),
        ("macro.docx", DOCM_BYTES),
        ("macro.docm", DOCM_BYTES),
    ],
)
def test_check_upload_refuses_content_that_is_not_allowed_whatever_the_name(name, data):
    with pytest.raises(ValueError) as error:
        check_upload(SimpleUploadedFile(name, data))
    assert str(error.value) == (
        "The file must be a PDF, Word, Excel, PowerPoint, PNG, JPEG, text or CSV. "
        "This file's content is not one of those."
    )


def test_check_upload_refuses_an_empty_file():
    with pytest.raises(ValueError, match=r"^The file is empty\.$"):
        check_upload(SimpleUploadedFile("audit.pdf", b""))


def test_check_upload_refuses_a_file_over_the_limit(monkeypatch):
    monkeypatch.setattr(uploads, "MAX_EVIDENCE_BYTES", len(PDF_BYTES) - 1)
    with pytest.raises(ValueError, match=r"^The file must be smaller than"):
        check_upload(SimpleUploadedFile("audit.pdf", PDF_BYTES))


def test_check_upload_accepts_a_file_exactly_at_the_limit(monkeypatch):
    monkeypatch.setattr(uploads, "MAX_EVIDENCE_BYTES", len(PDF_BYTES))
    assert check_upload(SimpleUploadedFile("audit.pdf", PDF_BYTES)) == PDF


def test_the_limit_is_20_mb_and_says_so():
    assert uploads.MAX_EVIDENCE_BYTES == 20 * 1024 * 1024
    big = SimpleUploadedFile("audit.pdf", PDF_BYTES)
    big.size = uploads.MAX_EVIDENCE_BYTES + 1  # claimed size: no need to write 20 MB
    with pytest.raises(ValueError, match=r"^The file must be smaller than 20 MB\.$"):
        check_upload(big)
