"""The plausible range of a date typed into the product: a form, an import row or the API.

Nothing the LMNS records happened before 2000 or is planned more than five years ahead, so a
date outside that range is a typing slip ("0001-01-01" for a deadline, "9999-12-31" for a
meeting) that would otherwise sort first or last everywhere and skew every overdue count. Rules
that are tighter (an incident cannot have occurred in the future) stay with their models.
"""

from datetime import date

EARLIEST = date(2000, 1, 1)
YEARS_AHEAD = 5


def latest(today: date) -> date:
    try:
        return today.replace(year=today.year + YEARS_AHEAD)
    except ValueError:  # 29 February
        return today.replace(year=today.year + YEARS_AHEAD, day=28)


def implausible(value: date, *, today: date) -> str:
    """Why ``value`` is out of range, to follow the field's name ("must be ..."), or ""."""
    if value < EARLIEST:
        return f"must be on or after {EARLIEST:%-d %B %Y}"
    if value > (last := latest(today)):
        return f"must be no more than {YEARS_AHEAD} years from today, on or before {last:%-d %B %Y}"
    return ""
