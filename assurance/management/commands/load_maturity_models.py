from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from assurance.frameworks import FrameworkFileError
from assurance.maturity.files import MODELS_DIR, load_model_files, model_files
from lmns.models import Lmns


class Command(BaseCommand):
    help = (
        "Load maturity models from their data files as drafts for each LMNS (or the one named), "
        "adding only versions an LMNS does not have: a loaded model is the LMNS's to correct."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "files",
            nargs="*",
            help="Model files to load (default: every *.yaml in assurance/maturity_models/).",
        )
        parser.add_argument("--lmns", help="The code of the one LMNS to load them for.")

    def handle(self, *args, files=(), lmns=None, **options):
        paths = [Path(name) for name in files] or model_files()
        if not paths:
            raise CommandError(f"No maturity model files (*.yaml) in {MODELS_DIR}.")
        lmnss = Lmns.objects.order_by("code")
        if lmns:
            lmnss = lmnss.filter(code=lmns)
            if not lmnss.exists():
                raise CommandError(f"No LMNS has the code {lmns}.")
        try:
            for model, made in load_model_files(lmnss=lmnss, paths=paths):
                self.stdout.write(
                    f"{model.lmns.code}: {model}: {'loaded as a draft' if made else 'already loaded'}"
                )
        except FrameworkFileError as exc:
            raise CommandError(str(exc)) from exc
