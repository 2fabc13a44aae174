"""Last cum-dividend day and ex-date from a record date.

Rule (DOMAIN.md, as applied by JPX and by FINRA/NYSE under SEC Rule 15c6-1): the last
cum-dividend day is the latest session T whose settlement date, T + n sessions with n
the cycle in force on T, is on or before the record date; a record date that is not a
session counts as the session before it (roll *backward*). The ex-date is the session
after T (roll *forward*).

Around a cycle change two trade dates can settle on the same day, so one session never
becomes an ex-date: US record 2017-09-06 gives last cum 08-31 and ex 09-01, record
2017-09-07 gives last cum 09-05 and ex 09-06; nothing went ex on 2017-09-05.

Distributions of 25% or more of the share's value go ex, on US markets, on the first
business day after the payable date (FINRA Rule 11140(b)(2)): `ex_dates_after_payment`.
The last cum day is then the session before it, which settles after the record date
(those trades carry due bills). The resolution gives the price it is measured against.
"""

from __future__ import annotations

import datetime as dt
from typing import Final, NamedTuple

from corpactions.domain.calendars import CALENDAR_END, CALENDAR_START, CalendarIndex

_FIRST: Final = CALENDAR_START.toordinal()
_LAST: Final = CALENDAR_END.toordinal()


class OutOfCalendarRange(ValueError):
    """The record date (or the sessions the rule needs) lies outside the built calendar."""


class ExDates(NamedTuple):
    last_cum_date: dt.date
    ex_date: dt.date
    settlement_cycle: int  # cycle in force on the last cum day (sessions)
    last_cum_settles_on: dt.date  # <= record date (but after it, past payment, when large)
    ex_date_cycle: int
    ex_date_settles_on: dt.date | None  # > record date; None past the calendar's end


# Results of `ex_dates` per index and record-date ordinal. The rule is a pure function
# of the index, so memoising is safe; each index's memo is bounded by the calendar's span
# (~11,000 days), and the indexes themselves are built once per MIC and kept.
_memos: dict[CalendarIndex, dict[int, ExDates]] = {}


def ex_dates(index: CalendarIndex, record_date: dt.date) -> ExDates:
    """Last cum day and ex-date of `record_date` on `index`'s market (memoised per day)."""
    ordinal = record_date.toordinal()
    try:  # a hit costs two subscripts; a miss (once per index and day) an exception
        return _memos[index][ordinal]
    except KeyError:
        pass
    found = compute_ex_dates(index, record_date)
    _memos.setdefault(index, {})[ordinal] = found
    return found


def compute_ex_dates(index: CalendarIndex, record_date: dt.date) -> ExDates:
    """The rule itself (no memo): bisect to the record date, then walk back."""
    if not _FIRST <= record_date.toordinal() <= _LAST:
        raise OutOfCalendarRange(record_date)
    r = index.index_on_or_before(record_date)  # roll backward to a session
    cycles = index.cycles
    # settle(i) = i + cycles[i] >= i + min_cycle, so no session after r - min_cycle can
    # settle by r. Walk backward from there to the latest i that does: at most
    # (max cycle - min cycle) extra steps, which also handles both sides of a switch.
    i = r - index.min_cycle
    while i >= 0 and i + cycles[i] > r:
        i -= 1
    if i < 0:
        raise OutOfCalendarRange(record_date)
    return _last_cum_at(index, i)  # its settlement is <= r, so inside the calendar


def ex_dates_after_payment(index: CalendarIndex, payment_date: dt.date) -> ExDates:
    """Ex-date on the first session after `payment_date` (FINRA Rule 11140(b)(2), a
    distribution of 25% or more); the last cum day is the session before it."""
    if not _FIRST <= payment_date.toordinal() <= _LAST:
        raise OutOfCalendarRange(payment_date)
    last = index.index_on_or_before(payment_date)  # a payment on a holiday: the same
    if last < 0 or last + index.cycles[last] >= len(index.sessions):
        raise OutOfCalendarRange(payment_date)
    return _last_cum_at(index, last)


def _last_cum_at(index: CalendarIndex, i: int) -> ExDates:
    """The dates when sessions[i] is the last cum day (its settlement inside the
    calendar): the ex-date is the next session."""
    sessions, cycles = index.sessions, index.cycles
    ex = i + 1
    ex_settle = ex + cycles[ex]
    return ExDates(
        last_cum_date=sessions[i],
        ex_date=sessions[ex],
        settlement_cycle=cycles[i],
        last_cum_settles_on=sessions[i + cycles[i]],
        ex_date_cycle=cycles[ex],
        ex_date_settles_on=sessions[ex_settle] if ex_settle < len(sessions) else None,
    )
