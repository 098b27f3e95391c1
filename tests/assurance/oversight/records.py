"""External concerns for tests, and for the access matrix one concern per provider, made on first
use so tests/conftest.py's World needs no change."""

from datetime import timedelta

from django.utils import timezone

from assurance.oversight import services
from assurance.oversight.models import ConcernSource, ExternalConcern


def make_concern(provider, *, by, source=ConcernSource.CORONER, due_in_days=30, **extra) -> ExternalConcern:
    today = timezone.localdate()
    fields = {
        "received_on": today - timedelta(days=10),
        "reference": f"R28-{provider.ods_code}",
        "summary": "The coroner asks how the unit escalates a deteriorating woman in triage.",
        "response_due_on": today + timedelta(days=due_in_days),
        **extra,
    }
    return services.external_concern_create(provider=provider, by=by, source=source, **fields)


def concern_record(world, provider) -> dict:
    records = world.records.setdefault(("oversight", provider.pk), {})
    concern = records.get("concern")
    # A record made by an earlier test is gone once that test's transaction rolled back.
    if concern is None or not ExternalConcern.objects.filter(pk=concern.pk).exists():
        concern = records["concern"] = make_concern(provider, by=world.personas["superuser"])
    return {"pk": concern.pk}
