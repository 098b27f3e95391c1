from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from assurance.frameworks import FRAMEWORKS_DIR, FrameworkFileError, framework_files, load_parsed, parse_files
from assurance.sbl.care_bundle import CareBundleFileError, care_bundle_load
from assurance.sbl.models import SblElement, SblIntervention


class Command(BaseCommand):
    help = (
        "Load or update the compliance frameworks, and the visit templates, from their data files "
        "(idempotent). "
        "Every file is checked before any is loaded; each file loads completely or not at all."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "files",
            nargs="*",
            help="Framework files to load (default: every *.yaml in assurance/frameworks/).",
        )

    def handle(self, *args, files=(), **options):
        paths = [Path(name) for name in files] or framework_files()
        if not paths:
            raise CommandError(f"No framework files (*.yaml) in {FRAMEWORKS_DIR}.")
        try:
            for data in parse_files(paths):
                result = load_parsed(data)
                self.stdout.write(
                    f"{result.framework}: {result.actions} actions, {result.requirements} requirements, "
                    f"{result.status}"
                )
        except FrameworkFileError as exc:
            raise CommandError(str(exc)) from exc
        if not files:
            # The visit templates are reference data of the same kind, loaded by the same step.
            call_command("load_visit_templates", stdout=self.stdout)
            # So is the Saving Babies' Lives care bundle: only what is missing is added.
            try:
                added = care_bundle_load(element_model=SblElement, intervention_model=SblIntervention)
            except CareBundleFileError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(f"Saving Babies' Lives care bundle: {added} entries added")
