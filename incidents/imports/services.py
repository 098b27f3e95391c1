"""Every change to an import: upload, check, apply, discard; and saving mappings.

Checking reads the file and writes nothing but the import's own record. Applying checks
again, because incidents and reference data may have changed since the preview, and
writes every row or none: one transaction, rolled back if any row has a problem.
Small files are handled in the request; larger ones by Celery (``tasks``), the import
record carrying the progress the user watches.
"""

import logging
import os

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from incidents.imports import mapping as mappings
from incidents.imports.models import ImportMapping, ImportStatus, IncidentImport
from incidents.imports.validation import Checker, Outcome
from lmns import pid
from lmns.imports import runs
from lmns.imports.parsing import ImportFileError, check_size, file_size, open_sheet
from lmns.imports.runs import queue_task, run_inline
from lmns.models import Provider

logger = logging.getLogger(__name__)

# Files up to this size are checked and applied while the user waits for the page.
INLINE_MAX_BYTES = 512 * 1024
# Checking is most of the work; the percent shown stops short of done until it is saved.
CHECKED_PERCENT = 99


class _RollBack(Exception):
    pass


def incident_import_start(
    *, provider: Provider, mapping_name: str, file, by, background: bool = True
) -> IncidentImport:
    """Keep an uploaded export (privately) and check it, now if small or ``background`` is
    off (the management command), else in the background.

    The caller checks that ``by`` may record incidents at ``provider``.
    """
    try:
        size = file_size(file)
        check_size(size)
    except ImportFileError as error:
        raise ValidationError(str(error)) from None
    mapping = mappings.mapping_resolve(provider=provider, name=mapping_name)
    incident_import = IncidentImport(
        provider=provider,
        requested_by=by,
        mapping_name=mapping_name,
        mapping=mapping,
        original_name=os.path.basename(getattr(file, "name", "") or "upload")[-255:],
        size=size,
    )
    incident_import.file.save(incident_import.original_name, file, save=False)
    incident_import.save()
    if size <= INLINE_MAX_BYTES or not background:
        run_inline(incident_import_check, incident_import.pk)
        incident_import.refresh_from_db()
    else:
        queue_task(
            "incidents.imports.tasks.check_incident_import",
            incident_import,
            status=ImportStatus.FAILED,
            error="The background service could not be reached, so the file was not checked. "
            "Nothing was imported. Please upload it again in a few minutes.",
        )
    return incident_import


def _outcome_fields(outcome: Outcome) -> dict:
    return {
        "rows": outcome.rows,
        "to_create": outcome.created,
        "to_update": outcome.updated,
        "unchanged": outcome.unchanged,
        "problems": [problem.as_dict() for problem in outcome.problems],
        "problem_count": outcome.problem_count,
        "warnings": [warning.as_dict() for warning in outcome.warnings],
        "warning_count": outcome.warning_count,
        "notes": outcome.notes,
        "changes": outcome.changes,
    }


def _run(incident_import: IncidentImport, *, write: bool, progress=None) -> Outcome:
    """Check (and, with ``write``, save) the import's file; a file that cannot be read at all
    comes back as an outcome with one problem."""
    checker = Checker(
        provider=incident_import.provider,
        mapping=incident_import.mapping,
        write=write,
        by=incident_import.requested_by,
        source_import=incident_import,
    )
    try:
        with incident_import.file.open("rb") as file:
            sheet = open_sheet(file)
            incident_import.file_format, incident_import.encoding = sheet.file_format, sheet.encoding
            return checker.run(sheet, progress)
    except ImportFileError as error:
        checker.outcome.add_problem(None, "", str(error))
        return checker.outcome


def incident_import_check(*, import_id: int) -> None:
    """Check an uploaded import and record what applying it would do, and every problem."""
    imports = IncidentImport.objects.filter(pk=import_id)
    # Claimed in one statement; a check interrupted by a dying worker runs again.
    if not imports.filter(status__in=[ImportStatus.QUEUED, ImportStatus.CHECKING]).update(
        status=ImportStatus.CHECKING, progress=0
    ):
        return
    incident_import = imports.select_related("provider", "requested_by").get()
    # Only while it is still being checked: a second run of the task, delivered twice, must
    # not put back to "checked" an import that the user has since started to apply.
    checking = imports.filter(status=ImportStatus.CHECKING)
    reported = 0

    def progress(fraction: float) -> None:
        nonlocal reported
        percent = min(CHECKED_PERCENT, int(fraction * 100))
        if percent > reported:
            checking.update(progress=percent)
            reported = percent

    try:
        outcome = _run(incident_import, write=False, progress=progress)
    except Exception as error:
        runs.mark_failed(checking, "checked", error)
        raise
    checking.update(
        status=ImportStatus.CHECKED,
        progress=100,
        file_format=incident_import.file_format,
        encoding=incident_import.encoding,
        **_outcome_fields(outcome),
    )


def incident_import_apply_start(
    *, incident_import: IncidentImport, by, pid_checked: bool = False, background: bool = True
) -> None:
    """Apply a checked import with no problems: now if small (or ``background`` is off),
    else in the background. An import with cells that look like personal data is applied only
    once the importer says (``pid_checked``) that they checked them.

    The caller checks that ``by`` may record incidents at the import's provider.
    """
    if not incident_import.can_apply:
        raise ValidationError(
            "Only a checked import with no problems and something to change can be applied."
        )
    if incident_import.warning_count and not pid_checked:
        raise ValidationError(
            "Check the cells listed as looking like personal data, then tick "
            f"“{pid.CHECKED_LABEL}”; or correct the file and upload it again."
        )
    claimed = IncidentImport.objects.filter(
        pk=incident_import.pk, status=ImportStatus.CHECKED, problem_count=0
    ).update(status=ImportStatus.APPLYING, progress=0, error="")
    if not claimed:
        raise ValidationError("This import is already being applied.")
    if incident_import.size <= INLINE_MAX_BYTES or not background:
        run_inline(incident_import_apply, incident_import.pk)
    else:
        queue_task(
            "incidents.imports.tasks.apply_incident_import",
            incident_import,
            status=ImportStatus.CHECKED,
            error="The background service could not be reached, so nothing was applied. "
            "Please try applying again in a few minutes.",
        )


def incident_import_apply(*, import_id: int) -> None:
    """Check the import again and write every row, or, if any row now has a problem, none.

    The import is locked while it is applied, so that the task delivered twice (acknowledged
    late, it may be) is applied once: the second run waits, then finds it no longer applying.
    Progress is not shown while applying: the rows are written in one transaction,
    which the page polling for progress cannot see into.
    """
    imports = IncidentImport.objects.filter(pk=import_id, status=ImportStatus.APPLYING)
    failure = None
    with transaction.atomic():
        incident_import = (
            imports.select_for_update(of=("self",)).select_related("provider", "requested_by").first()
        )
        if incident_import is None:
            return
        try:
            with transaction.atomic():
                outcome = _run(incident_import, write=True)
                if outcome.problem_count:
                    raise _RollBack
        except _RollBack:
            imports.update(status=ImportStatus.CHECKED, progress=100, **_outcome_fields(outcome))
            return
        except IntegrityError:
            # Someone recorded one of these references in the moment between check and write.
            logger.info("Import %s clashed with a new incident", import_id, exc_info=True)
            imports.update(
                status=ImportStatus.CHECKED,
                problem_count=1,
                problems=[
                    {
                        "row": None,
                        "column": "",
                        "message": "An incident in this file was recorded by "
                        "someone else while it was being applied. Upload the file again.",
                    }
                ],
            )
            return
        except Exception as error:
            runs.mark_failed(imports, "applied", error)
            failure = error
        else:
            imports.update(
                status=ImportStatus.APPLIED,
                progress=100,
                applied_at=timezone.now(),
                file="",
                **_outcome_fields(outcome),
            )
    if failure:
        raise failure
    incident_import.file.delete(save=False)


@transaction.atomic
def incident_import_discard(*, incident_import: IncidentImport, by) -> None:
    runs.discard(incident_import)


# --- Mappings -----------------------------------------------------------------------------


@transaction.atomic
def import_mapping_save(
    *,
    provider: Provider,
    name: str,
    columns: dict,
    values: dict,
    by,
    mapping: ImportMapping | None = None,
    based_on: str = "",
) -> ImportMapping:
    """Create or change a provider's mapping, refusing one that could never import a row."""
    mappings.check_mapping(columns, values, provider=provider)
    mapping = mapping or ImportMapping(provider=provider, based_on=based_on)
    mapping.name, mapping.columns, mapping.values = name.strip(), columns, values
    mapping.full_clean()
    mapping.save()
    return mapping
