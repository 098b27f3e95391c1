"""Calendar months as dates on their first day: the unit of monthly returns, the quality view's
periods, improvement plans' reviews and the calendar."""

from datetime import date


def first_of_month(value: date) -> date:
    return value.replace(day=1)


def add_months(month: date, months: int) -> date:
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)
