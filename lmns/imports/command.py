"""What the import commands share (import_incidents, import_perinatal_returns): finding the
provider and the user named, listing a check's problems, and keeping an import's record only
once it has been applied.

The web import keeps a checked import so that its page can show the preview until someone
applies or discards it. A command prints its preview instead and has no page to come back to,
so a run that applies nothing (a dry run, or a file with problems) must leave no record behind:
otherwise each one left a "Checked" import in the lists for ever (issue #22).
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from lmns.imports.models import ImportStatus
from lmns.models import Provider


def provider_by_ods(code: str) -> Provider:
    provider = Provider.objects.select_related("lmns").filter(ods_code__iexact=code).first()
    if provider is None:
        raise CommandError("There is no provider with that ODS code.")
    return provider


def user_by_name(username: str | None):
    if not username:
        return None
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"There is no user called {username}.")
    return user


def problem_lines(record) -> list[str]:
    """Each problem of a checked import as "row 3, Column: message", for stderr."""
    lines = []
    for problem in record.problems:
        where = ", ".join(
            part for part in (f"row {problem['row']}" if problem["row"] else "", problem["column"]) if part
        )
        lines.append(f"{where}: {problem['message']}" if where else problem["message"])
    return lines


def refuse_unchecked(record) -> None:
    """Stop, in words, if the file could not be checked at all (its record says why)."""
    record.refresh_from_db()
    if record.status == ImportStatus.FAILED:
        raise CommandError(f"{record.error} Nothing was imported.")


@contextmanager
def kept_only_if_applied(record) -> Iterator[None]:
    """Run the command's work on ``record``, then delete the record and its file unless it was
    applied, whether the work returned or stopped with an error."""
    try:
        yield
    finally:
        record.refresh_from_db()
        if record.status != ImportStatus.APPLIED:
            record.file.delete(save=False)
            record.delete()
