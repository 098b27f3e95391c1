"""Which way the apps import one another: the import-linter contracts in pyproject.toml (the
base package imports no feature app; quality > assurance > workforce > incidents > lmns), and
no module importing another's private (underscored) names."""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("lmns", "incidents", "assurance", "workforce", "quality")
CONTRACTS = ("The base package imports no feature app", "Each app imports only the apps below it")

# In a process of its own: the linter puts the working folder on sys.path and sets up logging.
LINT = (
    "import sys\n"
    "from importlinter.cli import lint_imports\n"
    "sys.exit(lint_imports(config_filename='pyproject.toml', no_cache=True, no_logo=True))\n"
)


def test_import_contracts_are_kept():
    result = subprocess.run(
        [sys.executable, "-c", LINT], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    report = result.stdout + result.stderr
    assert result.returncode == 0, report
    for name in CONTRACTS:
        assert f"{name} KEPT" in report, report


def private_imports(source: str) -> list[str]:
    """``from module import _name`` statements in a module's source, as "module._name"."""
    return [
        f"{node.module}.{alias.name}"
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.ImportFrom) and node.module
        for alias in node.names
        if alias.name.startswith("_") and not alias.name.startswith("__")
    ]


def test_private_imports_are_found():
    assert private_imports("from incidents.exports import _text, write_table\n") == [
        "incidents.exports._text"
    ]
    assert private_imports("from lmns import spreadsheets\nfrom x import __version__\n") == []


def test_no_module_imports_another_modules_private_names():
    found = [
        f"{path.relative_to(ROOT)}: {name}"
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        if "migrations" not in path.parts
        for name in private_imports(path.read_text())
    ]
    assert found == []


# lmns.months is the one copy: a second, written by hand, has been wrong at a year's end before.
MONTH_HELPERS = {"first_of_month", "add_months", "next_month", "previous_month"}


def month_helpers_defined(source: str) -> list[str]:
    """Module-level functions in a module's source that redo lmns.months's work."""
    return [
        node.name
        for node in ast.parse(source).body
        if isinstance(node, ast.FunctionDef) and node.name in MONTH_HELPERS
    ]


def test_month_helpers_are_found():
    assert month_helpers_defined("def next_month(m):\n    pass\ndef other():\n    pass\n") == ["next_month"]


def test_month_helpers_are_defined_only_in_lmns_months():
    found = [
        f"{path.relative_to(ROOT)}: {name}"
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        if path != ROOT / "lmns" / "months.py"
        for name in month_helpers_defined(path.read_text())
    ]
    assert found == []
