"""What an uploaded evidence file really is, judged by its content, not its name.

A file whose bytes do not match an allowed type is refused, whatever its
extension says, so that nothing executable or unreadable reaches the board.
"""

import io
import zipfile
from dataclasses import dataclass

MAX_EVIDENCE_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class FileKind:
    label: str
    content_type: str
    extensions: tuple[str, ...]


PDF = FileKind("PDF", "application/pdf", (".pdf",))
PNG = FileKind("PNG image", "image/png", (".png",))
JPEG = FileKind("JPEG image", "image/jpeg", (".jpg", ".jpeg"))
DOCX = FileKind(
    "Word document", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", (".docx",)
)
XLSX = FileKind(
    "Excel workbook", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",)
)
PPTX = FileKind(
    "PowerPoint presentation",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    (".pptx",),
)
TEXT = FileKind("text or CSV file", "text/plain", (".txt", ".csv"))

ALLOWED = (PDF, PNG, JPEG, DOCX, XLSX, PPTX, TEXT)
ALLOWED_DESCRIPTION = "PDF, Word, Excel, PowerPoint, PNG, JPEG, text or CSV"

# Office Open XML files are zip archives; the folder inside says which kind.
_OFFICE_FOLDERS = {"word/": DOCX, "xl/": XLSX, "ppt/": PPTX}


def sniff(head: bytes, whole) -> FileKind | None:
    """The kind of file from its first bytes (and, for zip-based Office files, its contents)."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"PK\x03\x04"):
        return _office_kind(whole)
    if _is_plain_text(head):
        return TEXT
    return None


def _office_kind(whole) -> FileKind | None:
    try:
        with zipfile.ZipFile(whole) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, NotImplementedError, ValueError):
        # Damaged or crafted archives (unsupported zip versions, garbled names) are refused.
        return None
    if "[Content_Types].xml" not in names:
        return None
    # Macro-enabled documents carry a vbaProject part: refused.
    if any(name.endswith("vbaProject.bin") for name in names):
        return None
    for folder, kind in _OFFICE_FOLDERS.items():
        if any(name.startswith(folder) for name in names):
            return kind
    return None


def _is_plain_text(head: bytes) -> bool:
    if not head or b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        # The sample may end part-way through a multi-byte character.
        if error.start < len(head) - 3:
            return False
    return True


def kind_of(uploaded) -> FileKind | None:
    """The kind of an uploaded file by its content (None if not an allowed kind);
    ValueError if it is empty or too big."""
    if uploaded.size == 0:
        raise ValueError("The file is empty.")
    if uploaded.size > MAX_EVIDENCE_BYTES:
        raise ValueError(f"The file must be smaller than {MAX_EVIDENCE_BYTES // (1024 * 1024)} MB.")
    uploaded.seek(0)
    data = uploaded.read()
    uploaded.seek(0)
    return sniff(data[:2048], io.BytesIO(data))


def check_upload(uploaded) -> FileKind:
    """The kind of an uploaded file, whose name must also say so; or ValueError with a
    message for the person uploading it."""
    kind = kind_of(uploaded)
    if kind is None:
        raise ValueError(
            f"The file must be a {ALLOWED_DESCRIPTION}. This file's content is not one of those."
        )
    name = (uploaded.name or "").lower()
    if not name.endswith(kind.extensions):
        expected = " or ".join(kind.extensions)
        article = "an" if kind.label[0] in "AEIOU" else "a"
        raise ValueError(
            f"The file's content is {article} {kind.label}, but its name does not end in {expected}."
        )
    return kind
