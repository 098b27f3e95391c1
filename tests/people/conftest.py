import pytest

from lmns.models import Role
from tests.factories import make_lmns, make_provider, make_user


class Region:
    """Two LMNSs, each with a system administrator; LMNS A has two providers, B one."""

    def __init__(self):
        self.lmns_a = make_lmns("Alpha LMNS", code="alpha")
        self.lmns_b = make_lmns("Beta LMNS", code="beta")
        self.a1 = make_provider(self.lmns_a, "Aardvark Hospitals NHS Trust", "AA1")
        self.a2 = make_provider(self.lmns_a, "Albatross Health NHS Trust", "AA2")
        self.b1 = make_provider(self.lmns_b, "Badger Valley NHS Trust", "BB1")
        self.admin_a = make_user(
            "admin-a", role=Role.SYSTEM_ADMINISTRATOR, lmns=self.lmns_a, first_name="Ada", last_name="Admin"
        )
        self.admin_b = make_user("admin-b", role=Role.SYSTEM_ADMINISTRATOR, lmns=self.lmns_b)
        self.midwife = make_user(
            "midwife-a1",
            role=Role.PROVIDER_CONTRIBUTOR,
            provider=self.a1,
            first_name="Mia",
            last_name="Midwife",
        )
        self.officer = make_user("officer-a", role=Role.LMNS_OFFICER, lmns=self.lmns_a)
        self.badger = make_user(
            "badger-lead", role=Role.PROVIDER_LEAD, provider=self.b1, first_name="Bea", last_name="Badger"
        )
        self.root = make_user("root", is_superuser=True, is_staff=True)


@pytest.fixture
def region(db):
    return Region()
