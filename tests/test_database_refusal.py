"""The database refusing a write: the user is told nothing was saved, and nothing was.

The refusal is real: the connection is made read-only (PostgreSQL's session default,
SQLite's query_only), so every write the request tries is refused by the database itself.
"""

from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.apps import apps
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from lmns.models import Role
from tests.assurance.visit_template_records import make_visit_template
from tests.factories import make_user
from tests.workforce.test_returns import _form

# Transactional: PostgreSQL's read-only default applies to the transactions that follow,
# not to the one a plain django_db test runs inside.
pytestmark = pytest.mark.django_db(transaction=True)


@contextmanager
def database_refuses_writes():
    """The default connection refuses every write inside the block."""
    on, off = {
        "postgresql": (
            "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY",
            "SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE",
        ),
        "sqlite": ("PRAGMA query_only = ON", "PRAGMA query_only = OFF"),
    }[connection.vendor]
    with connection.cursor() as cursor:
        cursor.execute(on)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(off)


def _row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def _assert_refused(response, before):
    assert response.status_code == 503
    page = response.content.decode()
    assert "<h1>Your change was not saved</h1>" in page
    assert "nothing from this page has been saved" in page
    assert _row_counts() == before


def test_a_refused_workforce_return_saves_nothing_and_says_so(client, world, alice, caplog):
    client.force_login(alice)  # the session is a row too: signed in before the refusal
    before = _row_counts()
    with database_refuses_writes():
        response = client.post(reverse("workforce:return-create"), _form(world))
    _assert_refused(response, before)
    # Not swallowed: the refusal is in the log with its traceback.
    [record] = [r for r in caplog.records if r.name == "lmns.middleware"]
    assert record.levelname == "ERROR" and record.exc_info
    assert "POST /workforce/returns/new/" in record.getMessage()


def test_a_refused_visit_with_its_team_and_questions_saves_nothing(client, world):
    officer = make_user("refused.officer", role=Role.LMNS_OFFICER, lmns=world.lmns_a)
    template = make_visit_template()
    client.force_login(officer)
    before = _row_counts()
    with database_refuses_writes():
        response = client.post(
            reverse("assurance:visit-create"),
            {
                "provider": world.a1.pk,
                "visit_on": (timezone.localdate() + timedelta(days=14)).isoformat(),
                "visit_type": "routine",
                "units": [world.a1.units.get().pk],
                "purpose": "Routine visit.",
                "team": "Sam Patel, LMNS lead midwife\nJo Smith, MNVP representative",
                "template": template.pk,
            },
        )
    _assert_refused(response, before)
