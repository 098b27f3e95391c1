from django.conf import settings
from django.core.management.base import BaseCommand

from quality import retention


class Command(BaseCommand):
    help = (
        "Delete the records past their retention period (the RETENTION setting), or with "
        "--dry-run count them and delete nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would be deleted; delete nothing."
        )

    def handle(self, *args, dry_run: bool, **options):
        counts = retention.retention_apply(dry_run=dry_run)
        if not counts:
            self.stdout.write("No retention periods are set (RETENTION): nothing is deleted.")
        done = "would be deleted" if dry_run else "deleted"
        for name in retention.KINDS:
            if name in counts:
                self.stdout.write(
                    f"{name}: {counts[name]} {done} (older than {settings.RETENTION[name]} days)"
                )
            else:
                self.stdout.write(f"{name}: kept for ever (no period in RETENTION)")
