"""Fictional demonstration data: one LMNS, five providers, a user per role.

Every name and ODS code here is made up ("ZZ" codes are not issued to real
organisations); the demo password is public and for local demonstrations only.
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from lmns.models import Lmns, Membership, Provider, Role, Unit, UnitType

DEMO_PASSWORD = "safety-demo-only-2026"

DEMO_LMNS = {"code": "northshire", "name": "Northshire and Vale LMNS"}

DEMO_PROVIDERS = [
    (
        "ZZA",
        "Northshire Hospitals NHS Foundation Trust",
        [
            ("ZZA01", "Northshire General Hospital Maternity Unit", UnitType.OBSTETRIC_UNIT),
            ("ZZA02", "Northshire Birth Centre", UnitType.ALONGSIDE_MLU),
            ("ZZA03", "Northshire Neonatal Intensive Care Unit", UnitType.NEONATAL_NICU),
        ],
    ),
    (
        "ZZB",
        "Vale Valley University Hospitals NHS Trust",
        [
            ("ZZB01", "Vale Valley Women's Unit", UnitType.OBSTETRIC_UNIT),
            ("ZZB02", "Vale Valley Local Neonatal Unit", UnitType.NEONATAL_LNU),
        ],
    ),
    (
        "ZZC",
        "Eastmoor and Coast NHS Foundation Trust",
        [
            ("ZZC01", "Eastmoor Maternity Unit", UnitType.OBSTETRIC_UNIT),
            ("ZZC02", "Coast Freestanding Birth Centre", UnitType.FREESTANDING_MLU),
            ("ZZC03", "Eastmoor Special Care Baby Unit", UnitType.NEONATAL_SCU),
        ],
    ),
    (
        "ZZD",
        "Westbridge Teaching Hospitals NHS Trust",
        [
            ("ZZD01", "Westbridge Maternity Centre", UnitType.OBSTETRIC_UNIT),
            ("ZZD02", "Westbridge Neonatal Unit", UnitType.NEONATAL_LNU),
        ],
    ),
    (
        "ZZE",
        "Southfield Community Hospitals NHS Trust",
        [
            ("ZZE01", "Southfield Midwife-led Unit", UnitType.FREESTANDING_MLU),
        ],
    ),
]

# (username, full name, role, ODS code of the provider or None for the LMNS)
DEMO_USERS = [
    ("demo.contributor", "Casey Contributor", Role.PROVIDER_CONTRIBUTOR, "ZZA"),
    ("demo.lead", "Lee Lead", Role.PROVIDER_LEAD, "ZZA"),
    ("demo.guardian", "Gina Guardian", Role.PROVIDER_FTSU_GUARDIAN, "ZZA"),
    ("demo.contributor.vale", "Val Contributor", Role.PROVIDER_CONTRIBUTOR, "ZZB"),
    ("demo.lead.vale", "Vic Lead", Role.PROVIDER_LEAD, "ZZB"),
    ("demo.officer", "Olivia Officer", Role.LMNS_OFFICER, None),
    ("demo.safetylead", "Sam Safety-Lead", Role.LMNS_SAFETY_LEAD, None),
    ("demo.ftsulead", "Fran Speak-Up", Role.LMNS_FTSU_LEAD, None),
    ("demo.board", "Bola Board", Role.BOARD_VIEWER, None),
    ("demo.admin", "Ash Administrator", Role.SYSTEM_ADMINISTRATOR, None),
]


@dataclass
class SeedResult:
    lmns: Lmns
    created_users: list[str]


@transaction.atomic
def demo_seed() -> SeedResult:
    """Create the demo organisations and users; running it again changes nothing."""
    lmns, _ = Lmns.objects.get_or_create(code=DEMO_LMNS["code"], defaults={"name": DEMO_LMNS["name"]})
    providers = {}
    for ods_code, name, units in DEMO_PROVIDERS:
        providers[ods_code], _ = Provider.objects.get_or_create(
            ods_code=ods_code, defaults={"name": name, "lmns": lmns}
        )
        for site_code, site_name, unit_type in units:
            Unit.objects.get_or_create(
                ods_site_code=site_code,
                defaults={"provider": providers[ods_code], "name": site_name, "unit_type": unit_type},
            )

    User = get_user_model()
    created = []
    for username, full_name, role, ods_code in DEMO_USERS:
        first, last = full_name.split(" ", 1)
        user, was_created = User.objects.get_or_create(
            username=username,
            defaults={"first_name": first, "last_name": last, "email": f"{username}@example.invalid"},
        )
        if was_created:
            user.set_password(DEMO_PASSWORD)
            # The demo administrator can also open the Django admin to set up organisations.
            user.is_staff = user.is_superuser = role == Role.SYSTEM_ADMINISTRATOR
            user.save()
            created.append(username)
        organisation = {"provider": providers[ods_code]} if ods_code else {"lmns": lmns}
        Membership.objects.get_or_create(user=user, role=role, **organisation)
    return SeedResult(lmns=lmns, created_users=created)
