"""Writes for organisations and people, and outgoing email."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction

from lmns.models import Provider, Unit


@transaction.atomic
def unit_create(*, provider: Provider, name: str, ods_site_code: str, unit_type: str, by) -> Unit:
    unit = Unit(provider=provider, name=name, ods_site_code=ods_site_code, unit_type=unit_type)
    unit.full_clean()
    unit.save()
    return unit


@transaction.atomic
def unit_update(*, unit: Unit, name: str, ods_site_code: str, unit_type: str, by) -> Unit:
    """Rename, re-code or re-type a site: a site made up by a migration, or one whose ODS code
    has changed, is corrected here rather than replaced, so its records stay with it."""
    unit.name, unit.ods_site_code, unit.unit_type = name, ods_site_code, unit_type
    unit.full_clean()
    unit.save()
    return unit


def email_send(*, to: list[str], subject: str, body: str) -> int:
    """Send one plain-text email now; returns the number sent (0 or 1)."""
    return EmailMessage(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=to).send()


def email_queue(*, to: list[str], subject: str, body: str) -> None:
    """Send an email from a Celery worker once the current transaction commits; kept and
    sent later if the broker cannot be reached (lmns.outbox)."""
    from lmns.outbox import email_send_on_commit

    email_send_on_commit(to=to, subject=subject, body=body)
