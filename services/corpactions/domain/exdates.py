"""Last cum-dividend day and ex-date from a record date.

Rule (DOMAIN.md, as applied by JPX and by FINRA/NYSE under SEC Rule 15c6-1): the last
cum-dividend day is the latest session T whose settlement date, T + n settlement days
with n the cycle in force on T, is on or before the record date; a record date that is
not a settlement day counts as the one before it (roll *backward*). The ex-date is the
session after T (roll *forward*). Where a market defers a trade settling on a record
date (Tokyo's 5th-day settlement until trades of 2009-11-13), that trade settles later
and so is not cum: the last cum day is one session earlier (record 2009-03-31: last cum
03-25, ex 03-26). The settlement of every session is precomputed (calendars.py).

Around a cycle change two trade dates can settle on the same day, so one session never
becomes an ex-date: US record 2017-09-06 gives last cum 08-31 and ex 09-01, record
2017-09-07 gives last cum 09-05 and ex 09-06; nothing went ex on 2017-09-05.

Where a market fixed the ex-date by an "ex period" instead (the ASX until record dates
of 2014-04-17: ex 4 business days before the record date, CBA ex 2014-02-17 for record
02-21), the ex-date is that many sessions before the record date (or the session before
it) and the last cum day the session before; the cycle does not enter.

Distributions of 25% or more of the share's value go ex, on US markets, on the first
business day after the payable date (FINRA Rule 11140(b)(2)): `ex_dates_after_payment`.
The last cum day is then the session before it, which settles after the record date
(those trades carry due bills). The resolution gives the price it is measured against.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from corpactions.domain.calendars import BEYOND, CalendarIndex


class OutOfCalendarRange(ValueError):
    """The date (or the sessions the rule needs) lies outside the span scheduled:
    `first`..`horizon` (record dates from 2000-01-01 to the configured horizon)."""

    def __init__(
        self, day: dt.date, first: dt.date, horizon: dt.date, limited_by: str = ""
    ) -> None:
        super().__init__(f"{day} is outside {first}..{horizon}")
        self.day, self.first, self.horizon = day, first, horizon
        self.limited_by = limited_by  # why the horizon is the calendar's own end, or ""


def _out_of_range(index: CalendarIndex, day: dt.date) -> OutOfCalendarRange:
    return OutOfCalendarRange(day, index.first_record_date, index.horizon, index.limited_by)


class ExDates(NamedTuple):
    last_cum_date: dt.date
    ex_date: dt.date
    settlement_cycle: int  # cycle in force on the last cum day (sessions)
    # <= record date (but after it, past payment, when large; and under an ex period,
    # whose ex-date trades may settle by the record date too)
    last_cum_settles_on: dt.date
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
    if not index.first_record_date <= record_date <= index.horizon:
        raise _out_of_range(index, record_date)
    period = index.market.ex_period_on(record_date)
    if period:
        i = index.index_on_or_before(record_date) - period - 1
    else:
        i = index.last_cum_index(record_date)
    if i < 0:
        raise _out_of_range(index, record_date)
    return _last_cum_at(index, i, index.record_day(record_date))


def ex_dates_after_payment(index: CalendarIndex, payment_date: dt.date) -> ExDates:
    """Ex-date on the first session after `payment_date` (FINRA Rule 11140(b)(2), a
    distribution of 25% or more); the last cum day is the session before it."""
    if not index.first_record_date <= payment_date <= index.horizon:
        raise _out_of_range(index, payment_date)
    last = index.index_on_or_before(payment_date)  # a payment on a holiday: the same
    if last < 0 or index.settles[last] == BEYOND:
        raise _out_of_range(index, payment_date)
    return _last_cum_at(index, last, 0)  # no record day: no deferral applies


def _last_cum_at(index: CalendarIndex, i: int, record_day: int) -> ExDates:
    """The dates when sessions[i] is the last cum day (its settlement inside the
    calendar): the ex-date is the next session."""
    sessions, cycles = index.sessions, index.cycles
    ex = i + 1
    ex_settle = index.settlement(ex, record_day)
    return ExDates(
        last_cum_date=sessions[i],
        ex_date=sessions[ex],
        settlement_cycle=cycles[i],
        last_cum_settles_on=dt.date.fromordinal(index.settlement(i, record_day)),
        ex_date_cycle=cycles[ex],
        ex_date_settles_on=None if ex_settle == BEYOND else dt.date.fromordinal(ex_settle),
    )
