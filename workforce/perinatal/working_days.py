"""Working days in England: Monday to Friday, less England's bank holidays.

The bank holidays come from the maintained ``holidays`` package, never a hand list, so that
substitute days (Boxing Day 2026 falls on a Saturday: Monday 28 December is the holiday) and
one-off holidays are right without anyone editing this code.
"""

from datetime import date, timedelta

import holidays

_ENGLAND = holidays.country_holidays("GB", subdiv="ENG")


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _ENGLAND


def add_working_days(start: date, days: int) -> date:
    """The ``days``-th working day after ``start``: the day itself does not count, so a check
    due "within eight working days" of a signal raised on a Wednesday is due eight working
    days later, whatever day of the week the signal was raised."""
    if days < 1:
        raise ValueError("Count at least one working day.")
    day = start
    while days:
        day += timedelta(days=1)
        if is_working_day(day):
            days -= 1
    return day
