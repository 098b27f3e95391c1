from datetime import date

import pytest

from lmns.models import Role
from tests.factories import make_lmns, make_provider, make_user

# A fixed "today" keeps the periods and overdue dates of these tests stable.
TODAY = date(2026, 11, 20)


class Trust:
    """One LMNS with two providers (ours and a sibling), a provider of another LMNS, and
    a user per role that matters to the quality view."""

    def __init__(self):
        self.lmns = make_lmns("Quality LMNS", code="quality")
        self.provider = make_provider(self.lmns, "Quail Hospitals NHS Trust", "QQA")
        self.sibling = make_provider(self.lmns, "Quince Health NHS Trust", "QQB")
        self.elsewhere = make_provider(make_lmns("Other LMNS", code="other"), "Otter NHS Trust", "OOA")
        self.lead = make_user("q-lead", role=Role.PROVIDER_LEAD, provider=self.provider)
        self.board = make_user("q-board", role=Role.BOARD_VIEWER, provider=self.provider)
        self.guardian = make_user("q-guardian", role=Role.PROVIDER_FTSU_GUARDIAN, provider=self.provider)
        self.officer = make_user("q-officer", role=Role.LMNS_OFFICER, lmns=self.lmns)
        self.safety_lead = make_user("q-safety", role=Role.LMNS_SAFETY_LEAD, lmns=self.lmns)
        self.other_officer = make_user("q-other", role=Role.LMNS_OFFICER, lmns=self.elsewhere.lmns)


@pytest.fixture
def trust(db):
    return Trust()


@pytest.fixture
def today(monkeypatch):
    """Pin timezone.localdate() for the code under test."""
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)
    return TODAY
