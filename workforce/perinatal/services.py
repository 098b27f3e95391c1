"""Every change to perinatal returns, outcome signals and critical safety checks.

A monthly return is one submission: the workforce figures (workforce.services) and the
perinatal figures of each of the provider's birth sites are saved together or not at all, and
the month-on-month changes of all are confirmed together. Saving a return re-runs the LMNS
outcome signal at each of the provider's sites, and every new crossing of a threshold in a
recent month opens a signal for that site with its check due (models.SIGNAL_WINDOW_MONTHS says
why older crossings open none).
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from lmns.models import Provider, Unit
from workforce.models import WorkforceReturn
from workforce.perinatal import selectors
from workforce.perinatal.models import (
    CHECK_WORKING_DAYS,
    OutcomeSignal,
    PerinatalReturn,
    SafetyCheckAction,
    SignalKind,
    check_birth_site,
    signal_window_start,
)
from workforce.perinatal.working_days import add_working_days
from workforce.services import workforce_return_submit, workforce_return_update


class SiteFiguresError(ValidationError):
    """One site's figures refused; ``unit`` says which, so the form or import row is told."""

    def __init__(self, error: ValidationError, unit: Unit):
        super().__init__(error.error_dict if hasattr(error, "error_dict") else error.error_list)
        self.unit = unit


NO_BIRTH_SITE = (
    "{provider} has no birth site (an obstetric or midwife-led unit) on this system, and the perinatal "
    "figures are given for each site. Ask the LMNS to add the provider's sites."
)


def _site_returns(*, provider: Provider, month: date, perinatal: dict, current: dict) -> list:
    """Each site's return with its figures set and checked, and the month-on-month changes to
    confirm; ``current`` holds the sites' returns already saved, by unit id."""
    site_returns, flags = [], []
    for unit, figures in sorted(perinatal.items(), key=lambda item: item[0].birth_site_key):
        site_return = current.get(unit.pk) or PerinatalReturn(unit=unit)
        for name, value in figures.items():
            setattr(site_return, name, value)
        try:
            check_birth_site(unit, provider.pk, "unit")
            site_return.full_clean(exclude=["workforce_return", "unit"], validate_constraints=False)
        except ValidationError as error:
            raise SiteFiguresError(error, unit) from None
        site_flags = selectors.perinatal_flags(unit=unit, month=month, perinatal=site_return)
        site_return.confirmed_changes = "\n".join(site_flags)
        site_returns.append(site_return)
        flags += site_flags
    return site_returns, flags


@transaction.atomic
def monthly_return_submit(
    *,
    provider: Provider,
    month: date,
    by,
    workforce: dict,
    perinatal: dict[Unit, dict],
    confirm_changes: bool = False,
    detect_signals: bool = True,
) -> WorkforceReturn:
    """Submit a provider's workforce figures for a month with the perinatal figures of each of
    its birth sites (``perinatal``: site -> figures), together. An import of many months
    (``detect_signals`` off) runs the outcome signal once, when all are saved."""
    sites = list(Unit.objects.filter(provider=provider).birth_sites())
    if not sites:
        raise ValidationError(NO_BIRTH_SITE.format(provider=provider.name))
    site_returns, flags = _site_returns(provider=provider, month=month, perinatal=perinatal, current={})
    if missing := [site.name for site in sites if site not in perinatal]:
        raise ValidationError(
            "Give the perinatal figures of every birth site of the provider: none were given for "
            + ", ".join(missing)
            + "."
        )
    known = _known_crossings(provider) if detect_signals else None
    # The workforce service confirms all the month's changes together, its training figures' too.
    workforce_return = workforce_return_submit(
        provider=provider,
        month=month,
        by=by,
        confirm_changes=confirm_changes,
        also_flagged=flags,
        **workforce,
    )
    for site_return in site_returns:
        site_return.workforce_return = workforce_return
        site_return.save()
    if detect_signals:
        outcome_signals_detect(provider=provider, by=by, known=known)
    return workforce_return


@transaction.atomic
def monthly_return_update(
    *,
    workforce_return: WorkforceReturn,
    by,
    workforce: dict,
    perinatal: dict[Unit, dict],
    confirm_changes: bool = False,
    detect_signals: bool = True,
) -> WorkforceReturn:
    """Correct a month's figures for the sites in ``perinatal`` (others keep theirs); a return
    from before the perinatal figures, or before a site was added, gains them here."""
    provider = workforce_return.provider
    current = {
        site_return.unit_id: site_return
        for site_return in PerinatalReturn.objects.select_for_update().filter(
            workforce_return=workforce_return
        )
    }
    site_returns, flags = _site_returns(
        provider=provider, month=workforce_return.month, perinatal=perinatal, current=current
    )
    known = _known_crossings(provider) if detect_signals else None
    workforce_return = workforce_return_update(
        workforce_return=workforce_return,
        by=by,
        confirm_changes=confirm_changes,
        also_flagged=flags,
        **workforce,
    )
    for site_return in site_returns:
        site_return.workforce_return = workforce_return
        site_return.save()
    if detect_signals:
        outcome_signals_detect(provider=provider, by=by, known=known)
    return workforce_return


def _known_crossings(provider: Provider) -> set:
    return selectors.crossing_keys(selectors.provider_cusums(provider=provider))


@transaction.atomic
def outcome_signals_detect(
    *, provider: Provider, by=None, today: date | None = None, known: set | None = None
) -> list[OutcomeSignal]:
    """Open a signal for every crossing of the LMNS outcome signal at one of the provider's sites
    that has none yet and is either recent (signal_window_start) or, given ``known`` (the
    crossings before a save through the form or the API), brought about by that save, whatever
    its month. An import of
    many months passes no ``known``: an older crossing then opens none, and
    selectors.past_crossings lists it. A signal already opened stays, even if a correction
    later moves the crossing: its check may have begun, and the log is the record of what was
    seen."""
    today = today or timezone.localdate()
    since = signal_window_start(today)
    opened = []
    for series in selectors.provider_cusums(provider=provider):
        for month, point in series.crossings:
            if month < since and (known is None or (series.unit.pk, series.reference.key, month) in known):
                continue
            signal, created = OutcomeSignal.objects.get_or_create(
                unit=series.unit,
                kind=SignalKind.LMNS,
                measure=series.reference.key,
                month=month,
                defaults={
                    "provider": provider,
                    "level": point.level,
                    "statistic": round(point.statistic, 3),
                    "threshold": series.reference.red if point.level == "red" else series.reference.amber,
                    "raised_on": today,
                    "check_due_on": add_working_days(today, CHECK_WORKING_DAYS),
                    "recorded_by": by,
                },
            )
            if created:
                opened.append(signal)
    return opened


@transaction.atomic
def national_signal_record(
    *,
    provider: Provider,
    unit: Unit,
    by,
    measure: str,
    level: str,
    month: date,
    raised_on: date,
    notes: str = "",
) -> OutcomeSignal:
    """Enter a MOSS signal the trust received from NHS England for one of its sites: its check
    is due, like ours, eight working days from the day it was raised."""
    signal = OutcomeSignal(
        provider=provider,
        unit=unit,
        kind=SignalKind.NATIONAL,
        measure=measure,
        level=level,
        month=month.replace(day=1),
        raised_on=raised_on,
        check_due_on=add_working_days(raised_on, CHECK_WORKING_DAYS),
        notes=notes,
        recorded_by=by,
    )
    signal.full_clean()
    signal.save()
    return signal


@transaction.atomic
def safety_check_record(
    *, signal: OutcomeSignal, by, findings: str, check_completed_on: date | None
) -> OutcomeSignal:
    """Record the critical safety check's findings; completing it shares it with the LMNS."""
    signal = OutcomeSignal.objects.select_for_update().get(pk=signal.pk)
    if check_completed_on is not None:
        if not findings.strip():
            raise ValidationError({"findings": "Enter the findings before completing the check."})
        if check_completed_on < signal.raised_on:
            raise ValidationError(
                {"check_completed_on": "The check cannot be completed before the signal was raised."}
            )
        if check_completed_on > timezone.localdate():
            raise ValidationError({"check_completed_on": "The completion date cannot be in the future."})
    signal.findings = findings
    signal.check_completed_on = check_completed_on
    if check_completed_on is None:
        signal.shared_with_lmns_at = None
    elif signal.shared_with_lmns_at is None:
        signal.shared_with_lmns_at = timezone.now()
    signal.save()
    return signal


@transaction.atomic
def safety_check_action_add(
    *, signal: OutcomeSignal, by, description: str, owner: str, due_on: date
) -> SafetyCheckAction:
    action = SafetyCheckAction(
        signal=signal, description=description, owner=owner, due_on=due_on, created_by=by
    )
    action.full_clean()
    action.save()
    return action


@transaction.atomic
def safety_check_action_complete(*, action: SafetyCheckAction, by) -> SafetyCheckAction:
    action = SafetyCheckAction.objects.select_for_update().get(pk=action.pk)
    if action.completed_on is None:
        action.completed_on = timezone.localdate()
        action.save()
    return action
