"""The span of record dates the core schedules: from 2000-01-01 to a horizon set at start-up.

The horizon moves with time: the entry points (worker, `corpactions schedule`) derive it
from their clock when they start, `horizon_for(today, years)`, and hand it to
`calendars.configure`; the core itself never reads a clock. Calendars are built with
room on both sides: from `BUILD_START` (so the first record dates of 2000 find the
sessions of late 1999 they settle from) to `build_end(horizon)` (so the ex-date of a
record date on the horizon still has its own settlement date).
"""

from __future__ import annotations

import datetime as dt
from typing import Final

FIRST_RECORD_DATE: Final = dt.date(2000, 1, 1)
# Three months before the first record date: more than any settlement cycle plus the
# longest run of holidays (Tokyo's year-end closure, Golden Week) needs.
BUILD_START: Final = dt.date(1999, 10, 1)
# Sessions built past the horizon, for the settlement of the dates around it.
_AFTER_HORIZON_DAYS: Final = 92

MIN_HORIZON_YEARS: Final = 10
DEFAULT_HORIZON_YEARS: Final = 10


def horizon_for(today: dt.date, years: int = DEFAULT_HORIZON_YEARS) -> dt.date:
    """The last record date scheduled: 31 December, `years` years after `today`'s year
    (so at least `years` years ahead of today)."""
    if years < 1:
        raise ValueError(f"horizon years must be >= 1, got {years}")
    return dt.date(today.year + years, 12, 31)


def build_end(horizon: dt.date) -> dt.date:
    """The last day a calendar is built to for `horizon`."""
    return horizon + dt.timedelta(days=_AFTER_HORIZON_DAYS)
