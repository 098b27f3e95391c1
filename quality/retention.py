"""Deleting records that have passed their retention period (docs/data-protection.md).

The deployment's data controller decides the periods, and ``settings.RETENTION`` holds them,
in days, per kind of record below. A kind it does not name is kept for ever, so nothing is
deleted until a period is set. Beat runs ``retention_apply`` nightly;
``manage.py apply_retention --dry-run`` counts what would go and deletes nothing.

A record's history rows hold the same data as the record, so they go with it: the audit
trail is kept as long as the record it describes, and no longer. An incident under legal hold
is never deleted, whatever its age.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from axes.models import AccessFailureLog, AccessLog
from django.apps import apps
from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from incidents.models import Incident, IncidentReferral, IncidentStatus, SafetyAction
from lmns.models import ExportJob, ExportStatus

logger = logging.getLogger(__name__)

# Incidents are deleted this many at a time, each batch in its own transaction, so that a
# first run over years of records holds no lock for long.
BATCH = 200


@dataclass(frozen=True)
class Kind:
    description: str
    # (before, delete) -> how many records are past their period (and, if delete, deleted).
    apply: Callable[[datetime, bool], int]


def _expired_incidents(before: datetime):
    # A closed incident, by the day it happened, unless a safety action raised on it is still
    # open: its actions are part of its record and go with it.
    outstanding = SafetyAction.objects.outstanding().filter(incident__isnull=False).values("incident")
    return Incident.objects.filter(
        status=IncidentStatus.CLOSED, occurred_on__lt=timezone.localdate(before), legal_hold=False
    ).exclude(pk__in=outstanding)


def _incidents(before: datetime, delete: bool) -> int:
    expired = _expired_incidents(before)
    if not delete:
        return expired.count()
    deleted = 0
    while True:
        with transaction.atomic():
            # Locked, and chosen again in each batch, so that a hold placed meanwhile (its
            # service locks the incident too) is always respected.
            pks = list(expired.select_for_update().order_by("pk").values_list("pk", flat=True)[:BATCH])
            if not pks:
                return deleted
            actions = list(SafetyAction.objects.filter(incident__in=pks).values_list("pk", flat=True))
            SafetyAction.objects.filter(pk__in=actions).delete()
            Incident.objects.filter(pk__in=pks).delete()
            # Deleting wrote a last history row for each; those go too.
            SafetyAction.history.filter(id__in=actions).delete()
            Incident.history.filter(id__in=pks).delete()
            IncidentReferral.history.filter(incident_id__in=pks).delete()
        deleted += len(pks)


def _sign_in_log(before: datetime, delete: bool) -> int:
    logs = [model.objects.filter(attempt_time__lt=before) for model in (AccessLog, AccessFailureLog)]
    if not delete:
        return sum(log.count() for log in logs)
    return sum(log.delete()[0] for log in logs)


def _export_jobs(before: datetime, delete: bool) -> int:
    finished = [
        model.objects.filter(status__in=[ExportStatus.DONE, ExportStatus.FAILED], requested_at__lt=before)
        for model in apps.get_models()
        if issubclass(model, ExportJob)
    ]
    if not delete:
        return sum(jobs.count() for jobs in finished)
    deleted = 0
    for jobs in finished:
        for job in jobs.iterator():
            if job.file:
                job.file.delete(save=False)
            job.delete()
            deleted += 1
    return deleted


KINDS = {
    "incidents": Kind(
        "Closed incidents that happened before the period, with their safety actions, referrals and history, "
        "unless under legal hold or with an action still open",
        _incidents,
    ),
    "sign_in_log": Kind("Sign-ins, sign-outs and failed sign-ins (django-axes)", _sign_in_log),
    "export_jobs": Kind("Finished board workbooks and board packs, and their files", _export_jobs),
}


def _unknown_kinds() -> list[str]:
    return sorted(settings.RETENTION.keys() - KINDS.keys())


def retention_apply(*, dry_run: bool = False) -> dict[str, int]:
    """Delete every record past its kind's period in ``settings.RETENTION`` (with ``dry_run``,
    only count them). Returns {kind: how many}, for the kinds that have a period."""
    if unknown := _unknown_kinds():
        raise ImproperlyConfigured(f"RETENTION names unknown kinds of record: {', '.join(unknown)}.")
    now = timezone.now()
    counts = {}
    for name, days in settings.RETENTION.items():
        counts[name] = KINDS[name].apply(now - timedelta(days=days), not dry_run)
        logger.info(
            "Retention: %s %s %s (older than %s days)",
            counts[name],
            name,
            "would be deleted" if dry_run else "deleted",
            days,
        )
    return counts


@checks.register(checks.Tags.compatibility)
def retention_settings_check(app_configs, **kwargs):
    if unknown := _unknown_kinds():
        return [
            checks.Error(
                f"RETENTION names unknown kinds of record: {', '.join(unknown)}.",
                hint=f"The kinds are: {', '.join(KINDS)}.",
                id="lmns.E001",
            )
        ]
    return []
