import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from quality.load_data import LoadDataRefused, analyze, generate


class Command(BaseCommand):
    help = (
        "Fill a fresh database with generated load data: LMNSs, providers and years of incidents, "
        "learning, assessments, visits, workforce returns and concerns. For measuring, never live."
    )

    def add_arguments(self, parser):
        parser.add_argument("--providers", type=int, default=30)
        parser.add_argument("--years", type=int, default=5)
        parser.add_argument("--lmnss", type=int, help="LMNSs to share the providers (default: one per 6).")
        parser.add_argument(
            "--seed", type=int, default=1, help="The same seed on the same day makes the same data."
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Generate even though the database has providers of its own. Never use on a live system.",
        )

    def handle(self, *args, providers, years, lmnss, seed, force, **options):
        started = time.perf_counter()
        try:
            result = generate(
                providers=providers,
                years=years,
                lmnss=lmnss or max(1, round(providers / 6)),
                seed=seed,
                today=timezone.localdate(),
                force=force,
            )
        except LoadDataRefused as exc:
            raise CommandError(str(exc)) from exc
        analyze()
        for table, count in sorted(result.rows.items()):
            self.stdout.write(f"{table:24} {count:>9,}")
        self.stdout.write(f"Generated in {time.perf_counter() - started:.1f} s (seed {seed}).")
