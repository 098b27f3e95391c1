"""Deadlines that apps above incidents put on the calendar (workforce returns, SCORE survey
windows, framework deadlines). The calendar cannot import those apps, which import incidents;
each registers a source from its AppConfig.ready() instead, and the calendar reads them all.

A source is called as ``source(user=, first=, last=)`` and returns the calendar entries
(incidents.calendar.selectors.Entry) from ``first`` to ``last`` that ``user`` may see.
"""

from collections.abc import Callable

_sources: list[Callable] = []


def deadline_source_register(source: Callable) -> None:
    if source not in _sources:
        _sources.append(source)


def deadline_sources() -> tuple[Callable, ...]:
    return tuple(_sources)
