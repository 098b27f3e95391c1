"""Retention (quality.retention): off until periods are set, a dry run that deletes nothing,
and a real run that deletes only what has expired, never what is under legal hold."""

import datetime
import io
from datetime import timedelta

import pytest
from axes.models import AccessFailureLog, AccessLog
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.utils import timezone

from incidents.models import ActionStatus, Incident, IncidentReferral, IncidentStatus, SafetyAction
from lmns.models import BoardPackJob, ExportStatus, Role
from lmns.settings import _retention_periods
from quality import retention
from quality.tasks import apply_retention
from tests.factories import make_action, make_incident, make_lmns, make_provider, make_user

pytestmark = pytest.mark.django_db

YEAR = 365


@pytest.fixture
def records():
    """Two of each kind, one past a year's period and one within it, and past it: an
    incident under legal hold, one still open and one with an action still open."""
    provider = make_provider()
    owner = make_user(role=Role.PROVIDER_LEAD, provider=provider)
    today = timezone.localdate()
    old, recent = today - timedelta(days=2 * YEAR), today - timedelta(days=30)

    def incident(occurred_on, **fields):
        return make_incident(
            provider,
            occurred_on=occurred_on,
            reported_on=occurred_on,
            **{"status": IncidentStatus.CLOSED, **fields},
        )

    made = {
        "expired": incident(old, pmrt_referred_on=old),
        "recent": incident(recent),
        "held": incident(old, legal_hold=True, pmrt_referred_on=old),
        "open": incident(old, status=IncidentStatus.UNDER_REVIEW),
        "open action": incident(old),
    }
    made["expired"].summary = "Changed once, so that it has history."
    made["expired"].save()
    made["done action"] = make_action(
        provider, owner=owner, incident=made["expired"], status=ActionStatus.COMPLETED, completed_on=old
    )
    make_action(provider, owner=owner, incident=made["open action"])

    long_ago = timezone.now() - timedelta(days=2 * YEAR)
    for model in (AccessLog, AccessFailureLog):
        for when in (long_ago, timezone.now()):
            log = model.objects.create(username="someone", ip_address="192.0.2.1", user_agent="test")
            model.objects.filter(pk=log.pk).update(attempt_time=when)

    lmns = make_lmns()
    requester = make_user(role=Role.LMNS_OFFICER, lmns=lmns)
    for age, when in (("old", long_ago), ("new", timezone.now())):
        job = BoardPackJob.objects.create(
            lmns=lmns, requested_by=requester, month=datetime.date(2024, 1, 1), status=ExportStatus.DONE
        )
        job.file.save(f"{job.pk}/pack.xlsx", ContentFile(b"pack"))
        BoardPackJob.objects.filter(pk=job.pk).update(requested_at=when)
        made[f"{age} job"] = job
    return made


def _counts():
    return (
        Incident.objects.count(),
        SafetyAction.objects.count(),
        AccessLog.objects.count() + AccessFailureLog.objects.count(),
        BoardPackJob.objects.count(),
    )


def test_retention_is_off_unless_configured(settings, records):
    assert settings.RETENTION == {}
    before = _counts()
    assert apply_retention() == {}
    assert _counts() == before


def test_the_setting_is_kind_equals_days():
    assert _retention_periods("") == {}
    assert _retention_periods(" incidents=3650, sign_in_log=365 ,") == {"incidents": 3650, "sign_in_log": 365}
    for bad in ("incidents", "incidents=ten years", "incidents=0", "=30"):
        with pytest.raises(ImproperlyConfigured, match="kind=days"):
            _retention_periods(bad)


def test_an_unknown_kind_is_refused_by_the_run_and_the_system_check(settings):
    settings.RETENTION = {"incidnets": 3650}
    with pytest.raises(ImproperlyConfigured, match="incidnets"):
        retention.retention_apply()
    assert [error.id for error in retention.retention_settings_check(None)] == ["lmns.E001"]


def test_a_dry_run_reports_counts_and_deletes_nothing(settings, records):
    settings.RETENTION = {"incidents": YEAR, "sign_in_log": YEAR, "export_jobs": YEAR}
    before = _counts()
    output = io.StringIO()
    call_command("apply_retention", "--dry-run", stdout=output)
    assert output.getvalue().splitlines() == [
        "incidents: 1 would be deleted (older than 365 days)",
        "sign_in_log: 2 would be deleted (older than 365 days)",
        "export_jobs: 1 would be deleted (older than 365 days)",
    ]
    assert _counts() == before


def test_the_command_says_when_nothing_is_configured(records):
    output = io.StringIO()
    call_command("apply_retention", "--dry-run", stdout=output)
    assert (
        output.getvalue().splitlines()[0] == "No retention periods are set (RETENTION): nothing is deleted."
    )


def test_a_run_deletes_only_what_has_expired_and_never_what_is_held(settings, records):
    settings.RETENTION = {"incidents": YEAR, "sign_in_log": YEAR, "export_jobs": YEAR}
    expired, action = records["expired"], records["done action"]
    old_job, new_job = records["old job"], records["new job"]
    old_file = old_job.file.name

    assert apply_retention() == {"incidents": 1, "sign_in_log": 2, "export_jobs": 1}

    kept = {records[name].pk for name in ("recent", "held", "open", "open action")}
    assert set(Incident.objects.values_list("pk", flat=True)) == kept
    # Its history (created, changed, deleted) goes with it: nothing of it is left.
    assert not Incident.history.filter(id=expired.pk).exists()
    assert not SafetyAction.objects.filter(pk=action.pk).exists()
    assert not SafetyAction.history.filter(id=action.pk).exists()
    assert Incident.history.filter(id=records["held"].pk).exists()
    # Its referrals and their history too.
    assert not IncidentReferral.history.filter(incident_id=expired.pk).exists()
    assert IncidentReferral.objects.filter(incident=records["held"]).exists()
    assert IncidentReferral.history.filter(incident_id=records["held"].pk).exists()
    assert AccessLog.objects.count() == AccessFailureLog.objects.count() == 1
    assert list(BoardPackJob.objects.values_list("pk", flat=True)) == [new_job.pk]
    assert not old_job.file.storage.exists(old_file)
    assert new_job.file.storage.exists(new_job.file.name)
    # Run again: nothing more has expired.
    assert apply_retention() == {"incidents": 0, "sign_in_log": 0, "export_jobs": 0}


def test_only_the_kinds_configured_are_touched(settings, records):
    settings.RETENTION = {"sign_in_log": YEAR}
    incidents, actions, _logs, jobs = _counts()
    assert apply_retention() == {"sign_in_log": 2}
    assert _counts() == (incidents, actions, 2, jobs)


def test_lifting_a_hold_lets_the_next_run_delete_it(settings, records):
    settings.RETENTION = {"incidents": YEAR}
    apply_retention()
    Incident.objects.filter(pk=records["held"].pk).update(legal_hold=False)
    assert apply_retention() == {"incidents": 1}
    assert not Incident.objects.filter(pk=records["held"].pk).exists()
