from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from assurance import demo as assurance_demo
from assurance.maturity import demo as maturity_demo
from assurance.oversight import demo as oversight_demo
from assurance.sbl import demo as sbl_demo
from assurance.visits import demo as visits_demo
from incidents import demo as incidents_demo
from incidents.calendar import demo as calendar_demo
from incidents.highlights import demo as highlights_demo
from incidents.improvement import demo as improvement_demo
from lmns.demo import DEMO_PASSWORD, DEMO_USERS, demo_seed
from workforce import demo as workforce_demo
from workforce.champions import demo as champions_demo
from workforce.perinatal import demo as perinatal_demo
from workforce.score import demo as score_demo


class Command(BaseCommand):
    help = "Create a fictional LMNS with five providers and one demo user per role (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="Run even with DEBUG off. Never use on a live system."
        )

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "Refusing to create demo users with DEBUG off: this looks like a real deployment. "
                "Use --force only on a demonstration system."
            )
        result = demo_seed()
        incidents_demo.demo_seed(lmns=result.lmns)
        improvement_demo.demo_seed(lmns=result.lmns)  # after the learning its plan grew from
        highlights_demo.demo_seed(lmns=result.lmns)  # on the plan just made
        assurance_demo.demo_seed(lmns=result.lmns)
        workforce_demo.demo_seed(lmns=result.lmns)
        perinatal_demo.demo_seed(lmns=result.lmns)  # each workforce return gains its perinatal half
        champions_demo.demo_seed(lmns=result.lmns)
        score_demo.demo_seed(lmns=result.lmns)
        visits_demo.demo_seed(lmns=result.lmns)
        oversight_demo.demo_seed(lmns=result.lmns)
        sbl_demo.demo_seed(lmns=result.lmns)
        calendar_demo.demo_seed(lmns=result.lmns)
        maturity_demo.demo_seed(lmns=result.lmns)
        self.stdout.write(
            f"Demo data ready: {result.lmns.name} with its providers, units, incidents, learning and visits."
        )
        if result.created_users:
            roles = {username: role.label for username, _, role, _ in DEMO_USERS}
            self.stdout.write(f"Demo users created (password for all: {DEMO_PASSWORD}, demo only):")
            for username in result.created_users:
                self.stdout.write(f"  {username:24} {roles[username]}")
        else:
            self.stdout.write("Demo users already exist; see the README for their names.")
