"""When a date event is due: a date at a market-local time of day, as an instant in UTC.

The time zone is the primary market's, from the maintained exchange calendar. Cached:
many actions share a date, and the zone lookup is what costs.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any

from corpactions.domain import calendar_index


@lru_cache(maxsize=65_536)  # many actions share a date; the zone lookup is the cost
def arrival(day: dt.date, mic: str, at: dt.time) -> dt.datetime:
    tz = calendar_index(mic).tz  # from the maintained exchange calendar
    return dt.datetime.combine(day, at, tzinfo=tz).astimezone(dt.UTC)


@lru_cache(maxsize=65_536)  # restored actions share their dates
def placed(due: dt.datetime, mic: str, at: dt.time) -> dt.datetime:
    """The date ``due`` falls on in ``mic``'s time zone, at ``at`` local time."""
    return arrival(due.astimezone(calendar_index(mic).tz).date(), mic, at)


@lru_cache(maxsize=65_536)
def as_of(due: dt.datetime, mic: str) -> dict[str, Any]:
    """The instant a date event stands for, in UTC and in the market's own time."""
    tz = calendar_index(mic).tz
    return {"as_of": due, "as_of_local": due.astimezone(tz).isoformat(), "time_zone": str(tz)}
