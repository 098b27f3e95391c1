"""Every module, name and file the README, docs/ and the stylesheet's comments point a reader to
exists: a move (lmns.quality to quality.quality, say) leaves no reference to where it was."""

import importlib
import re
from pathlib import Path

from lmns.celery import app

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
PACKAGES = "lmns|incidents|assurance|workforce|quality"
# In the docs, a dotted name or a path is written as code; in the stylesheet, in its comments.
DOC_NAME = re.compile(rf"`((?:{PACKAGES})(?:\.[A-Za-z_]\w*)+)(?:\(\))?`")
DOC_PATH = re.compile(rf"`((?:{PACKAGES}|templates|static|tests|docs|bench)/[\w./-]*\w)`")
CSS_NAME = re.compile(rf"\(((?:{PACKAGES})(?:\.[A-Za-z_]\w*)+)\)")


def resolves(name: str) -> bool:
    """Whether ``name`` is a module, a name in one, or a Celery task's registered name (some keep
    the name they had before their module moved, quality/tasks.py)."""
    app.loader.import_default_modules()
    if name in app.tasks:
        return True
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        try:
            found = importlib.import_module(".".join(parts[:end]))
        except ImportError:
            continue
        for attribute in parts[end:]:
            if not hasattr(found, attribute):
                return False
            found = getattr(found, attribute)
        return True
    return False


def test_resolves_tells_a_moved_name_from_a_present_one():
    assert resolves("lmns.spreadsheets.set_cell")
    assert resolves("lmns.tasks.apply_retention")  # a task's registered name
    assert not resolves("lmns.quality")
    assert not resolves("incidents.exports._set")


def test_the_docs_name_only_modules_and_files_that_exist():
    missing = [
        f"{doc.relative_to(ROOT)}: {reference}"
        for doc in DOCS
        for reference in sorted(set(DOC_NAME.findall(doc.read_text())))
        if not reference.endswith((".py", ".html", ".md", ".css")) and not resolves(reference)
    ] + [
        f"{doc.relative_to(ROOT)}: {path}"
        for doc in DOCS
        for path in sorted(set(DOC_PATH.findall(doc.read_text())))
        if "*" not in path and not (ROOT / path).exists()
    ]
    assert missing == []


def test_the_stylesheet_names_only_modules_that_exist():
    css = (ROOT / "static" / "css" / "app.css").read_text()
    assert [name for name in CSS_NAME.findall(css) if not resolves(name)] == []
