from datetime import date, timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.core.cache import cache

from assurance import tasks
from assurance.visits import services
from assurance.visits.models import VisitStatus
from assurance.visits.reminders import overdue_recommendation_reminders_send
from lmns.models import Role
from tests.factories import make_finding, make_lmns, make_provider, make_recommendation, make_user, make_visit

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 23)  # a Monday


@pytest.fixture(autouse=True)
def _fresh_cache(settings):
    settings.SITE_URL = "https://safety.example.nhs.uk/"
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def issued(django_capture_on_commit_callbacks):
    lmns = make_lmns()
    provider = make_provider(lmns, "Otter Bay NHS Trust", "OB1")
    officer = make_user(role=Role.LMNS_OFFICER, lmns=lmns)
    owner = make_user("owner", role=Role.PROVIDER_LEAD, provider=provider)
    visit = make_visit(
        provider,
        created_by=officer,
        visit_on=TODAY - timedelta(days=90),
        status=VisitStatus.VISITED,
        summary="s",
    )
    late = make_recommendation(
        make_finding(visit), owner=owner, due_on=TODAY - timedelta(days=3), text="Secret"
    )
    make_recommendation(make_finding(visit), owner=owner, due_on=TODAY + timedelta(days=3))
    services.report_issue(visit=visit, by=officer)
    mail.outbox.clear()
    return {"owner": owner, "officer": officer, "late": late, "visit": visit}


def test_each_owner_gets_one_list_a_week_without_the_text(issued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert overdue_recommendation_reminders_send(today=TODAY) == 1
        assert overdue_recommendation_reminders_send(today=TODAY + timedelta(days=1)) == 0
    assert [message.to for message in mail.outbox] == [[issued["owner"].email]]
    body = mail.outbox[0].body
    assert "Otter Bay NHS Trust, visit of 25 August 2026: due 20 November 2026, 3 days overdue" in body
    assert "https://safety.example.nhs.uk" + issued["late"].get_absolute_url() in body
    assert "Secret" not in body


def test_answers_waiting_on_the_lmns_and_unissued_reports_are_left_out(issued):
    services.recommendation_respond(
        recommendation=issued["late"], by=issued["owner"], text="Done", request_closure=True
    )
    assert overdue_recommendation_reminders_send(today=TODAY) == 0
    draft = make_visit(issued["visit"].provider, created_by=issued["officer"], status=VisitStatus.VISITED)
    make_recommendation(make_finding(draft), owner=issued["owner"], due_on=TODAY - timedelta(days=9))
    assert overdue_recommendation_reminders_send(today=TODAY) == 0


def test_beat_runs_the_task_weekly():
    entry = settings.CELERY_BEAT_SCHEDULE["overdue-recommendation-reminders"]
    assert entry["task"] == "assurance.tasks.send_overdue_recommendation_reminders"
    assert tasks.send_overdue_recommendation_reminders.name == entry["task"]
