from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from assurance.frameworks import FrameworkFileError
from assurance.visits.template_files import VISIT_TEMPLATES_DIR, load_template_files, template_files


class Command(BaseCommand):
    help = (
        "Load or update the assurance visit templates from their data files (idempotent). "
        "Every file is checked before any is loaded; each file loads completely or not at all."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "files",
            nargs="*",
            help="Template files to load (default: every *.yaml in assurance/visit_templates/).",
        )

    def handle(self, *args, files=(), **options):
        paths = [Path(name) for name in files] or template_files()
        if not paths:
            raise CommandError(f"No visit template files (*.yaml) in {VISIT_TEMPLATES_DIR}.")
        try:
            for template, status in load_template_files(paths):
                sections = template.sections.count()
                self.stdout.write(f"Visit template {template}: {sections} sections, {status}")
        except FrameworkFileError as exc:
            raise CommandError(str(exc)) from exc
