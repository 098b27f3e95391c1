"""Every change to a provider's external concerns, CQC ratings and oversight level.

Keyword-only and atomic; a refused change raises ValidationError with a message for the user,
so nothing is half-saved. Callers check access first (lmns.access actions
``record_external_concern``, ``record_cqc_rating`` and ``set_oversight_level``).
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction

from assurance.oversight.models import (
    ConcernStatus,
    CqcMaternityRating,
    ExternalConcern,
    OversightDecision,
    OversightLevel,
)
from lmns.models import Provider

CONCERN_FIELDS = ("source", "source_name", "received_on", "reference", "summary", "response_due_on")


@transaction.atomic
def external_concern_create(
    *,
    provider: Provider,
    by,
    source: str,
    received_on: date,
    summary: str,
    source_name: str = "",
    reference: str = "",
    response_due_on: date | None = None,
) -> ExternalConcern:
    concern = ExternalConcern(
        provider=provider,
        created_by=by,
        source=source,
        source_name=source_name,
        received_on=received_on,
        reference=reference,
        summary=summary,
        response_due_on=response_due_on,
    )
    concern.full_clean()
    concern._history_user = by
    concern.save()
    return concern


@transaction.atomic
def external_concern_update(*, concern: ExternalConcern, by, **fields) -> ExternalConcern:
    """Correct what was logged; the response and status change only through their own steps."""
    concern = ExternalConcern.objects.select_for_update().get(pk=concern.pk)
    unknown = set(fields) - set(CONCERN_FIELDS)
    if unknown:
        raise TypeError(f"Not a field of the concern's details: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(concern, name, value)
    concern.full_clean()
    concern._history_user = by
    concern.save()
    return concern


@transaction.atomic
def external_concern_respond(
    *, concern: ExternalConcern, by, responded_on: date, response_summary: str, close: bool = False
) -> ExternalConcern:
    """Record the response sent; ``close`` when nothing more is expected of the trust."""
    concern = ExternalConcern.objects.select_for_update().get(pk=concern.pk)
    if concern.status == ConcernStatus.CLOSED:
        raise ValidationError("This concern is closed. Reopen it before recording another response.")
    if not response_summary.strip():
        raise ValidationError({"response_summary": "Enter what the response said"})
    concern.responded_on = responded_on
    concern.response_summary = response_summary
    concern.status = ConcernStatus.CLOSED if close else ConcernStatus.RESPONDED
    concern.full_clean()
    concern._history_user = by
    concern.save()
    return concern


@transaction.atomic
def external_concern_set_status(*, concern: ExternalConcern, by, status: str) -> ExternalConcern:
    """Close a concern (answered, or needing no response), or reopen one that needs more."""
    concern = ExternalConcern.objects.select_for_update().get(pk=concern.pk)
    if status not in ConcernStatus.values:
        raise ValidationError("Choose open, responded or closed.")
    if status == ConcernStatus.RESPONDED and not concern.responded_on:
        raise ValidationError("Record the response before marking the concern as responded.")
    concern.status = status
    concern.full_clean()
    concern._history_user = by
    concern.save()
    return concern


@transaction.atomic
def cqc_rating_record(
    *,
    provider: Provider,
    by,
    inspected_on: date,
    published_on: date,
    overall: str,
    report_url: str,
    safe: str = "",
    effective: str = "",
    caring: str = "",
    responsive: str = "",
    well_led: str = "",
) -> CqcMaternityRating:
    """Add a published rating; earlier ratings are kept as the provider's rating history."""
    if CqcMaternityRating.objects.filter(
        provider=provider, published_on=published_on, inspected_on=inspected_on
    ).exists():
        raise ValidationError("This provider already has a rating from that inspection, published that day.")
    rating = CqcMaternityRating(
        provider=provider,
        recorded_by=by,
        inspected_on=inspected_on,
        published_on=published_on,
        overall=overall,
        safe=safe,
        effective=effective,
        caring=caring,
        responsive=responsive,
        well_led=well_led,
        report_url=report_url,
    )
    rating.full_clean()
    rating.save()
    return rating


@transaction.atomic
def oversight_level_set(
    *, provider: Provider, by, level: str, in_mssp: bool, reason: str
) -> OversightDecision:
    """Put a provider on an oversight level. A decision that changes nothing is refused, so the
    history shows only real changes."""
    if level not in OversightLevel.values:
        raise ValidationError({"level": "Choose routine, enhanced or intensive support"})
    if not reason.strip():
        raise ValidationError({"reason": "Enter why the provider is at this level"})
    # Lock the provider so two officers deciding at once leave a consistent latest row.
    Provider.objects.select_for_update().get(pk=provider.pk)
    current = OversightDecision.objects.filter(provider=provider).latest_first().first()
    if current is not None and current.level == level and current.in_mssp == in_mssp:
        raise ValidationError(
            f"{provider.name} is already on {current.get_level_display().lower()} oversight"
            f"{', in' if in_mssp else ', not in'} the Maternity Safety Support Programme."
        )
    decision = OversightDecision(
        provider=provider, decided_by=by, level=level, in_mssp=in_mssp, reason=reason
    )
    decision.full_clean()
    decision.save()
    return decision
