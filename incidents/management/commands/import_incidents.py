"""python manage.py import_incidents FILE --provider ODS [--mapping NAME] [--apply [--pid-checked]]
[--user NAME]"""

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from incidents.imports import services
from incidents.imports.models import ImportStatus, IncidentImport
from lmns.imports.command import (
    kept_only_if_applied,
    problem_lines,
    provider_by_ods,
    refuse_unchecked,
    user_by_name,
)


class Command(BaseCommand):
    help = (
        "Check an export of incidents (xlsx or CSV) for one provider and show what importing it would do; "
        "with --apply, import it if every row is clean. Only an applied import is kept."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--provider", required=True, help="The provider's ODS code.")
        parser.add_argument(
            "--mapping", default="datix", help="A mapping of the provider, or datix or lfpse."
        )
        parser.add_argument("--apply", action="store_true", help="Import the file if it has no problems.")
        parser.add_argument(
            "--pid-checked",
            action="store_true",
            help="The cells reported as looking like personal data were checked and identify nobody.",
        )
        parser.add_argument("--user", help="Username recorded as having imported the incidents.")

    def handle(self, *args, file, provider, mapping, apply, user, pid_checked, **options):
        provider = provider_by_ods(provider)
        by = user_by_name(user)
        try:
            with open(file, "rb") as handle:
                incident_import = services.incident_import_start(
                    provider=provider,
                    mapping_name=mapping,
                    file=File(handle, name=file),
                    by=by,
                    background=False,
                )
        except OSError as error:
            raise CommandError(f"{file} cannot be read: {error.strerror}.") from None
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        with kept_only_if_applied(incident_import):
            self._check_then_apply(incident_import, by=by, apply=apply, pid_checked=pid_checked)

    def _check_then_apply(self, incident_import: IncidentImport, *, by, apply: bool, pid_checked: bool):
        refuse_unchecked(incident_import)
        self._report(incident_import)
        if incident_import.problem_count:
            raise CommandError(f"{incident_import.problem_count} problem(s): nothing was imported.")
        if not apply:
            self.stdout.write("Nothing was imported: run again with --apply to import.")
            return
        if not incident_import.can_apply:
            self.stdout.write("Nothing to import.")
            return
        if incident_import.warning_count and not pid_checked:
            raise CommandError(
                "Some cells look like personal data (listed above): nothing was imported. "
                "Check them, then run again with --pid-checked."
            )
        services.incident_import_apply_start(
            incident_import=incident_import, by=by, pid_checked=pid_checked, background=False
        )
        incident_import.refresh_from_db()
        self._report(incident_import)
        if incident_import.status != ImportStatus.APPLIED:
            raise CommandError("The file changed meaning since it was checked: nothing was imported.")
        self.stdout.write(self.style.SUCCESS(f"Imported (import {incident_import.pk})."))

    def _report(self, incident_import: IncidentImport) -> None:
        for note in incident_import.notes:
            self.stdout.write(note)
        for line in problem_lines(incident_import):
            self.stderr.write(line)
        for warning in incident_import.warnings:
            self.stdout.write(f"row {warning['row']}, {warning['column']}: {warning['message']}")
        if not incident_import.problem_count:
            self.stdout.write(
                f"{incident_import.to_create} created, {incident_import.to_update} updated, "
                f"{incident_import.unchanged} unchanged"
            )
