"""The core's calendars and schedule, as extract uses them: a record date the text does
not print (from the ex-date it states), and the dates the text states checked against
the schedule the service will compute (``compute_schedule``).

The calendars are configured here when the caller has not (a horizon of the default
years from today, the trading days from the project's cache), as the worker does.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from corpactions.contracts.board_resolution import BoardResolution
from corpactions.domain.calendars import CalendarIndex


def _index(mic: str) -> CalendarIndex | None:
    from corpactions.domain.calendars import (
        CalendarNotConfigured,
        calendar_index,
        configure,
        configured_horizon,
    )

    try:
        configured_horizon()
    except CalendarNotConfigured:
        from corpactions.calendar_cache import default_cache
        from corpactions.domain.horizon import horizon_for

        configure(horizon_for(dt.date.today()), default_cache())
    try:
        return calendar_index(mic)
    except LookupError:
        return None


def settles(mic: str, day: dt.date, is_last_cum: bool) -> tuple[dt.date, dt.date] | None:
    """(last cum day, the day its trades settle): ``day`` is the ex-date (the last cum
    day is the session before it), or the last cum day itself. None off the calendar."""
    index = _index(mic)
    if index is None:
        return None
    i = index.index_on_or_before(day)
    if i < 1 or index.sessions[i] != day:
        return None
    cum = i if is_last_cum else i - 1
    settle = index.settles[cum]
    if settle >= dt.date.max.toordinal():
        return None
    return index.sessions[cum], dt.date.fromordinal(settle)


def check(model: BoardResolution, stated: dict[str, tuple[dt.date, str]]) -> list[dict[str, Any]]:
    """Review items for the stated dates (``{"ex_date": (date, text), "last_cum_date":
    ...}``) the schedule disagrees with, and for each rule the service would reject the
    resolution by (``reject``: True). Empty when all agree."""
    from corpactions.contracts.schedule import compute_schedule
    from corpactions.domain.reasons import DomainRejected

    if _index(model.security.mic) is None:
        return []
    try:
        view = compute_schedule(model)
    except DomainRejected as exc:
        return [
            {"field": r.field, "reason": str(r), "value": r.code.value, "reject": True}
            for r in exc.reasons
        ]
    except (LookupError, ValueError) as exc:  # a date off the calendar, ...
        return [{"field": "record_date", "reason": f"no schedule: {exc}", "value": None}]
    primary = view.primary_listing
    items = []
    for name, (day, text) in stated.items():
        computed = getattr(primary, name)
        if computed is not None and computed != day:
            items.append(
                {
                    "field": name,
                    "value": computed.isoformat(),
                    "reason": f"the text states {day} ({text!r}); the schedule of record "
                    f"date {model.record_date} on {model.security.mic} gives {computed}: "
                    "check the record date and the market's settlement cycle",
                }
            )
    return items
