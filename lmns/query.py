"""Values read from a query string. Junk is the asker's mistake: it answers 400, never 500.

Python's ``date()`` and ``int()`` accept more than any page can use (a year of 9999 has no
next month; twenty digits overflow the database's integers), so every value a page reads
from its query string comes through here, and every date must be ``plausible``: from
``EARLIEST_DATE`` to the end of the year ``YEARS_AHEAD`` years from now.
"""

import re
from datetime import date

from django.core.exceptions import BadRequest
from django.utils import timezone

from lmns import dates

# The range of dates any page may be asked about is the range of dates anyone may type
# (lmns.dates), widened to the end of the last year so that a whole year can be asked about.
EARLIEST_DATE = dates.EARLIEST
YEARS_AHEAD = dates.YEARS_AHEAD

# Database integers are 64-bit at most: a longer id cannot name a row.
MAX_ID_DIGITS = 18

_MONTH = re.compile(r"(\d{4})-(\d{2})")


class BadQuery(BadRequest, ValueError):
    """A query-string value that is not one. Django answers 400 for it; it is also a
    ValueError, for callers that turn it into a form or API error of their own."""


def latest_date(today: date | None = None) -> date:
    today = today or timezone.localdate()
    return date(today.year + YEARS_AHEAD, 12, 31)


def plausible(day: date, today: date | None = None) -> bool:
    return EARLIEST_DATE <= day <= latest_date(today)


def plausible_range_text(today: date | None = None) -> str:
    return f"between {EARLIEST_DATE:%Y} and {latest_date(today):%Y}"


def _checked(day: date, name: str) -> date:
    if not plausible(day):
        raise BadQuery(f"The {name} must be {plausible_range_text()}.")
    return day


def parse_month(text: str, name: str = "month") -> date:
    """'2026-03' as the first of that month."""
    found = _MONTH.fullmatch(text) if text.isascii() else None
    try:
        day = date(int(found[1]), int(found[2]), 1) if found else None
    except ValueError:
        day = None
    if day is None:
        raise BadQuery(f"Give the {name} as YYYY-MM, for example 2026-03.")
    return _checked(day, name)


def optional_id(query, name: str) -> int | None:
    """The record id ``query[name]`` names, or None when it is absent or empty."""
    text = query.get(name, "")
    if not text:
        return None
    if not (text.isascii() and text.isdigit() and len(text) <= MAX_ID_DIGITS):
        raise BadQuery(f"{name} must be a record number.")
    return int(text)
