"""python manage.py import_perinatal_returns FILE --provider ODS --user NAME [--mapping NAME]
[--update-existing] [--confirm-changes] [--dry-run]

The command-line door to the monthly return import (workforce.perinatal.imports): the same
checks, preview and all-or-nothing apply as the web import, through the same services."""

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from lmns import access
from lmns.imports.command import (
    kept_only_if_applied,
    problem_lines,
    provider_by_ods,
    refuse_unchecked,
    user_by_name,
)
from lmns.imports.models import ImportStatus
from workforce.perinatal.imports import services
from workforce.perinatal.imports.checking import ACTION
from workforce.perinatal.imports.models import MonthlyReturnImport


class Command(BaseCommand):
    help = (
        "Check a file of monthly perinatal and workforce figures (xlsx or CSV) for one provider and "
        "import it if every row is clean; with --dry-run, only show what importing it would do. "
        "Only an applied import is kept."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--provider", required=True, help="The provider's ODS code.")
        parser.add_argument(
            "--mapping",
            default="lmns_template",
            help="A mapping of the provider or its LMNS, or a ready-made one (lmns_template, "
            "maternity_dashboard).",
        )
        parser.add_argument(
            "--user",
            required=True,
            help="Username recorded as having imported the figures; the rows are checked in their reach.",
        )
        parser.add_argument(
            "--update-existing",
            action="store_true",
            help="Update months that already have a return (otherwise such a row is a problem).",
        )
        parser.add_argument(
            "--confirm-changes",
            action="store_true",
            help="The figures listed as changing a lot since the previous month were checked and are right.",
        )
        parser.add_argument("--dry-run", action="store_true", help="Check and preview only; import nothing.")

    def handle(
        self, *args, file, provider, mapping, user, update_existing, confirm_changes, dry_run, **options
    ):
        provider = provider_by_ods(provider)
        by = user_by_name(user)
        # As the web import asks: the figures are the provider's, entered by someone who may.
        if not access.can(by, ACTION, provider):
            raise CommandError(f"{user} may not import monthly returns for {provider.name}.")
        try:
            with open(file, "rb") as handle:
                record = services.monthly_import_start(
                    lmns=provider.lmns,
                    provider=provider,
                    mapping_name=mapping,
                    file=File(handle, name=file),
                    by=by,
                    update_existing=update_existing,
                    background=False,
                )
        except OSError as error:
            raise CommandError(f"{file} cannot be read: {error.strerror}.") from None
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        with kept_only_if_applied(record):
            self._check_then_apply(record, by=by, dry_run=dry_run, confirm_changes=confirm_changes)

    def _check_then_apply(self, record: MonthlyReturnImport, *, by, dry_run: bool, confirm_changes: bool):
        refuse_unchecked(record)
        self._report(record)
        if record.problem_count:
            raise CommandError(f"{record.problem_count} problem(s): nothing was imported.")
        if dry_run:
            self.stdout.write("Nothing was imported: this was a dry run.")
            return
        if not record.can_apply:
            self.stdout.write("Nothing to import.")
            return
        if record.flag_count and not confirm_changes:
            raise CommandError(
                "Some figures changed a lot since the previous month (listed above): nothing was "
                "imported. Check them, then run again with --confirm-changes."
            )
        checked_notes = list(record.notes)
        try:
            services.monthly_import_apply_start(
                record=record, by=by, confirm_changes=confirm_changes, background=False
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        record.refresh_from_db()
        if record.status != ImportStatus.APPLIED:
            self._report(record)
            raise CommandError(
                f"{record.error or 'The figures changed since they were checked.'} Nothing was imported."
            )
        self.stdout.write(self.style.SUCCESS(f"Imported (import {record.pk})."))
        # What the outcome signal made of the saved figures: known only once they are saved.
        for note in record.notes:
            if note not in checked_notes:
                self.stdout.write(note)

    def _report(self, record: MonthlyReturnImport) -> None:
        for note in record.notes:
            self.stdout.write(note)
        for line in problem_lines(record):
            self.stderr.write(line)
        for change in record.changes:
            for flag in change["flags"]:
                self.stdout.write(f"row {change['row']}, {change['site']} {change['month_label']}: {flag}")
        if not record.problem_count:
            self.stdout.write(
                f"{record.to_create} created, {record.to_update} updated, {record.unchanged} unchanged"
            )
