"""Every change to a monthly return import: upload, check, apply, discard; and saving mappings.

Checking reads the file and runs every row through the return's services in a transaction that
is rolled back, so the preview shows what applying would do, every problem and every jump
beyond the usual. Applying checks again, as the person applying it (figures and roles may have
changed since the preview), and keeps every row or none. A file whose rows jump beyond the usual
is applied only once the importer confirms them, and only if applying finds the same jumps the
preview showed. Small files are handled in the request; larger ones by Celery (``tasks``).
"""

import os

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from lmns.imports import runs
from lmns.imports.models import ImportStatus
from lmns.imports.outcome import Outcome
from lmns.imports.parsing import ImportFileError, check_size, file_size, open_sheet
from lmns.imports.runs import queue_task, run_inline
from lmns.models import Lmns, Provider
from workforce.perinatal.imports import fields
from workforce.perinatal.imports.checking import Checker
from workforce.perinatal.imports.models import MonthlyImportMapping, MonthlyReturnImport

# Every row runs through the return's services, so a file is checked in the request only while
# it is small (about a hundred site-months).
INLINE_MAX_BYTES = 32 * 1024


def monthly_import_start(
    *,
    lmns: Lmns,
    provider: Provider | None,
    mapping_name: str,
    file,
    by,
    update_existing: bool = False,
    background: bool = True,
) -> MonthlyReturnImport:
    """Keep an uploaded file (privately) and check it: now if small, else in the background.

    The caller checks that ``by`` may import monthly returns for ``provider`` (or, with no
    provider, at ``lmns``)."""
    if provider is not None and provider.lmns_id != lmns.pk:
        raise ValueError("The provider is not in this LMNS.")
    try:
        size = file_size(file)
        check_size(size)
    except ImportFileError as error:
        raise ValidationError(str(error)) from None
    record = MonthlyReturnImport(
        lmns=lmns,
        provider=provider,
        requested_by=by,
        mapping_name=mapping_name,
        mapping=fields.mapping_resolve(lmns_id=lmns.pk, provider=provider, name=mapping_name),
        original_name=os.path.basename(getattr(file, "name", "") or "upload")[-255:],
        size=size,
        update_existing=update_existing,
    )
    record.file.save(record.original_name, file, save=False)
    record.save()
    if size <= INLINE_MAX_BYTES or not background:
        run_inline(monthly_import_check, record.pk)
        record.refresh_from_db()
    else:
        queue_task(
            "workforce.perinatal.imports.tasks.check_monthly_import",
            record,
            status=ImportStatus.FAILED,
            error="The background service could not be reached, so the file was not checked. "
            "Nothing was imported. Please upload it again in a few minutes.",
        )
    return record


def _outcome_fields(outcome: Outcome, checker: Checker | None) -> dict:
    return {
        "rows": outcome.rows,
        "to_create": outcome.created,
        "to_update": outcome.updated,
        "unchanged": outcome.unchanged,
        "problems": [problem.as_dict() for problem in outcome.problems],
        "problem_count": outcome.problem_count,
        "notes": outcome.notes,
        "changes": outcome.changes,
        "flag_count": checker.flags if checker else 0,
    }


def _run(record: MonthlyReturnImport, *, by, write: bool) -> tuple[Outcome, Checker]:
    checker = Checker(record=record, by=by, write=write)
    try:
        with record.file.open("rb") as file:
            sheet = open_sheet(file)
            record.file_format, record.encoding = sheet.file_format, sheet.encoding
            return checker.run(sheet), checker
    except ImportFileError as error:
        checker.outcome.add_problem(None, "", str(error))
        return checker.outcome, checker


def monthly_import_check(*, import_id: int) -> None:
    """Check an uploaded import and record what applying it would do, and every problem."""
    imports = MonthlyReturnImport.objects.filter(pk=import_id)
    if not imports.filter(status__in=[ImportStatus.QUEUED, ImportStatus.CHECKING]).update(
        status=ImportStatus.CHECKING, progress=0
    ):
        return
    record = imports.select_related("lmns", "provider", "requested_by").get()
    checking = imports.filter(status=ImportStatus.CHECKING)
    try:
        outcome, checker = _run(record, by=record.requested_by, write=False)
    except Exception as error:
        runs.mark_failed(checking, "checked", error)
        raise
    checking.update(
        status=ImportStatus.CHECKED,
        progress=100,
        file_format=record.file_format,
        encoding=record.encoding,
        **_outcome_fields(outcome, checker),
    )


def monthly_import_apply_start(
    *, record: MonthlyReturnImport, by, confirm_changes: bool = False, background: bool = True
) -> None:
    """Apply a checked import with no problems, now if small, else in the background. An
    import whose rows jump beyond the usual is applied only when ``confirm_changes`` says the
    importer checked them, as the return form asks.

    The caller checks that ``by`` may import monthly returns for the import's provider or LMNS."""
    if not record.can_apply:
        raise ValidationError(
            "Only a checked import with no problems and something to change can be applied."
        )
    if record.flag_count and not confirm_changes:
        raise ValidationError(
            "Some figures changed a lot since the previous month. Check the changes listed, then "
            "confirm that they are right; or correct the file and upload it again."
        )
    claimed = MonthlyReturnImport.objects.filter(
        pk=record.pk, status=ImportStatus.CHECKED, problem_count=0
    ).update(status=ImportStatus.APPLYING, progress=0, error="", applied_by=by)
    if not claimed:
        raise ValidationError("This import is already being applied.")
    if record.size <= INLINE_MAX_BYTES or not background:
        run_inline(monthly_import_apply, record.pk)
    else:
        queue_task(
            "workforce.perinatal.imports.tasks.apply_monthly_import",
            record,
            status=ImportStatus.CHECKED,
            error="The background service could not be reached, so nothing was applied. "
            "Please try applying again in a few minutes.",
        )


def _flags(changes: list[dict]) -> list:
    return [(change["row"], change["flags"]) for change in changes if change["flags"]]


def monthly_import_apply(*, import_id: int) -> None:
    """Check the import again, as the person applying it, and keep every row; or, if any row
    now has a problem or a jump the preview did not show, none (the preview is then redone).

    The import is locked while it is applied, so that a task delivered twice is applied once."""
    imports = MonthlyReturnImport.objects.filter(pk=import_id, status=ImportStatus.APPLYING)
    failure = None
    with transaction.atomic():
        record = (
            imports.select_for_update(of=("self",))
            .select_related("lmns", "provider", "requested_by", "applied_by")
            .first()
        )
        if record is None:
            return
        previewed = _flags(record.changes)
        try:
            # The checker keeps the rows only if none has a problem; the jumps are compared
            # after, and the whole undone if they differ from those confirmed.
            with transaction.atomic():
                outcome, checker = _run(record, by=record.applied_by, write=True)
                if not outcome.problem_count and _flags(outcome.changes) != previewed:
                    raise _NewFlags
        except _NewFlags:
            imports.update(
                status=ImportStatus.CHECKED,
                progress=100,
                error="Figures changed since the preview, so the changes to confirm are not the same. "
                "Nothing was imported: check the changes below and apply again.",
                applied_by=None,
                **_outcome_fields(outcome, checker),
            )
            return
        except Exception as error:
            runs.mark_failed(imports, "applied", error)
            failure = error
        else:
            if outcome.problem_count:
                imports.update(
                    status=ImportStatus.CHECKED,
                    progress=100,
                    applied_by=None,
                    **_outcome_fields(outcome, checker),
                )
                return
            imports.update(
                status=ImportStatus.APPLIED,
                progress=100,
                applied_at=timezone.now(),
                file="",
                **_outcome_fields(outcome, checker),
            )
    if failure:
        raise failure
    record.file.delete(save=False)


class _NewFlags(Exception):
    pass


@transaction.atomic
def monthly_import_discard(*, record: MonthlyReturnImport, by) -> None:
    runs.discard(record)


# --- Mappings -----------------------------------------------------------------------------


@transaction.atomic
def monthly_import_mapping_save(
    *,
    lmns: Lmns,
    provider: Provider | None,
    name: str,
    columns: dict,
    by,
    mapping: MonthlyImportMapping | None = None,
    based_on: str = "",
) -> MonthlyImportMapping:
    """Create or change an LMNS's or provider's mapping, refusing one that could never import a row.

    The caller checks that ``by`` may import monthly returns where the mapping belongs."""
    fields.check_mapping(columns)
    mapping = mapping or MonthlyImportMapping(lmns=lmns, provider=provider, based_on=based_on)
    mapping.name, mapping.columns = name.strip(), columns
    mapping.full_clean()
    mapping.save()
    return mapping
