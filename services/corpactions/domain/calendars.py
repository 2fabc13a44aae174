"""Exchange sessions per market, each with its settlement, computed once, then bisected.

exchange_calendars is the maintained source of holidays (no hand-written holiday list
here); a market's settlement rules come from data/markets.toml (markets.py). Building a
calendar goes through pandas and is slow, and asking it per event is far slower than a
bisect over plain tuples, so each market's sessions are materialised once, lazily, for
the configured span, into sorted tuples the hot path only indexes and bisects:

- a trade on session i settles on `settles[i]`: the n-th settlement day after it, n the
  cycle in force on its trade date; settlement days are the sessions less the market's
  settlement holidays;
- if that day is the record date's, it settles on `settles_on_record[i]` instead (a
  record-date deferral: Tokyo's 5th-day settlement before 2009-11-16), else the same.

A settlement past the last built session is `BEYOND` (unknown, later than any date).
The span: record dates from 2000-01-01 to the horizon the entry point configures at
start-up (`configure`, see horizon.py); the core never reads a clock. A calendar whose
holidays exchange_calendars records only to an earlier year (XSES: to 2026-12-31) is
built to that end, and its market's horizon is that end (`limited_by` says why).
"""

from __future__ import annotations

import datetime as dt
import threading
import warnings
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Final, TypeAlias

from corpactions.domain.horizon import BUILD_START, FIRST_RECORD_DATE, build_end
from corpactions.domain.markets import MARKETS, Market, MarketDataError, market_of

BEYOND: Final = dt.date.max.toordinal()


@dataclass(frozen=True, slots=True, eq=False)
class CalendarIndex:
    """One market's sessions and settlements. Compared and hashed by identity (one index
    per market and horizon), so it can key the ex-date memo in exdates.py."""

    market: Market
    tz: dt.tzinfo  # the market's time zone: when its dates begin and end
    first_record_date: dt.date
    horizon: dt.date  # the last record date scheduled
    sessions: tuple[dt.date, ...]
    ordinals: tuple[int, ...]  # sessions[i].toordinal(), for bisect on ints
    cycles: tuple[int, ...]  # settlement cycle in force for a trade on sessions[i]
    settles: tuple[int, ...]  # ordinal of the settlement day of a trade on sessions[i]
    settles_on_record: tuple[int, ...]  # the same when that day is the record date's
    settlement_days: tuple[int, ...]  # ordinals of the sessions on which trades settle
    min_cycle: int  # shortest cycle ever in force: no trade settles sooner
    session_set: frozenset[int]
    # why `horizon` is earlier than the configured one (the calendar's own end), or ""
    limited_by: str = ""

    @property
    def calendar(self) -> str:
        return self.market.calendar

    def index_on_or_before(self, day: dt.date) -> int:
        """Index of the latest session <= day (rolls *backward*); -1 if none."""
        return bisect_right(self.ordinals, day.toordinal()) - 1

    def is_session(self, day: dt.date) -> bool:
        return day.toordinal() in self.session_set

    def record_day(self, record_date: dt.date) -> int:
        """Ordinal of the latest settlement day on or before `record_date` (rolls
        *backward*): the day the register is struck for it; 0 if none."""
        k = bisect_right(self.settlement_days, record_date.toordinal()) - 1
        return self.settlement_days[k] if k >= 0 else 0

    def settlement(self, i: int, record_day: int) -> int:
        """Ordinal of the day a trade on sessions[i] settles, given the record day."""
        s = self.settles[i]
        return self.settles_on_record[i] if s == record_day else s

    def last_cum_index(self, record_date: dt.date) -> int:
        """Index of the last cum-dividend session of `record_date`: the latest session
        whose settlement is on or before its record day; -1 if none is built."""
        r = self.index_on_or_before(record_date)
        day = self.record_day(record_date)
        # A trade settles at least `min_cycle` sessions after it, so no session after
        # r - min_cycle settles by the record date. Walk backward from there to the
        # latest that does: a few steps, across any cycle switch or deferral.
        i = r - self.min_cycle
        settles, on_record = self.settles, self.settles_on_record
        while i >= 0:
            s = settles[i]
            if s == day:
                s = on_record[i]
            if s <= day:
                break
            i -= 1
        return i


def build_sessions(
    market: Market,
    sessions: Sequence[dt.date],
    tz: dt.tzinfo,
    first_record_date: dt.date,
    horizon: dt.date,
    limited_by: str = "",
) -> CalendarIndex:
    """The index of `market` over `sessions` (sorted trading days)."""
    days = tuple(sessions)
    holidays = market.settlement_holidays
    settlement_days = tuple(d.toordinal() for d in days if d not in holidays)
    ordinals = tuple(d.toordinal() for d in days)
    n_days = len(settlement_days)
    cycles: list[int] = []
    settles: list[int] = []
    on_record: list[int] = []
    # The cycle and the deferral are constant between the days the market's rules
    # change: looked up once per such span (a calendar is built at each start-up).
    for start, end in _spans(days, _rule_changes(market)):
        cycle = market.cycle_on(days[start])
        deferral = market.deferral_on(days[start])
        # the first settlement day after the trade date, then cycle - 1 more
        ks = [bisect_right(settlement_days, day) + cycle - 1 for day in ordinals[start:end]]
        cycles.extend([cycle] * (end - start))
        settles.extend(settlement_days[k] if k < n_days else BEYOND for k in ks)
        deferred = [k + deferral for k in ks]
        on_record.extend(settlement_days[k] if k < n_days else BEYOND for k in deferred)
    return CalendarIndex(
        market=market,
        tz=tz,
        first_record_date=first_record_date,
        horizon=horizon,
        sessions=days,
        ordinals=ordinals,
        cycles=tuple(cycles),
        settles=tuple(settles),
        settles_on_record=tuple(on_record),
        settlement_days=settlement_days,
        min_cycle=market.min_cycle,
        session_set=frozenset(ordinals),
        limited_by=limited_by,
    )


def _rule_changes(market: Market) -> list[dt.date]:
    """The days on which the market's settlement cycle or record-date deferral may
    change (each cycle's start, each deferral's start and end), sorted."""
    days = {c.starts for c in market.cycles}
    for d in market.deferrals:
        days.update((d.starts, d.until))
    return sorted(days)


def _spans(days: Sequence[dt.date], changes: Sequence[dt.date]) -> list[tuple[int, int]]:
    """`days` (sorted) cut at each of `changes`: (start, end) index ranges, none empty."""
    cuts = [0, *(bisect_left(days, change) for change in changes), len(days)]
    return [(a, b) for a, b in pairwise(cuts) if a < b]


# --- the registry: one index per market, built once for the configured horizon ---------


class CalendarNotConfigured(RuntimeError):
    """No horizon was configured: entry points call `configure` at start-up."""


class HorizonBeyondCalendar(ValueError):
    """The calendar library cannot build a market's sessions as far as the horizon."""


SessionsSource: TypeAlias = Callable[
    [str, dt.date, dt.date], tuple[list[dt.date], dt.tzinfo, dt.date]
]
"""(calendar, first day, last day) -> (sessions, time zone, the last day built): where
trading days come from. The last day built is earlier than the one asked for when the
library records the calendar's holidays only to an earlier day (its bound_max)."""


def trading_days(
    calendar: str, start: dt.date, end: dt.date
) -> tuple[list[dt.date], dt.tzinfo, dt.date]:
    """The sessions exchange_calendars computes for `calendar` from `start` to `end` (or
    to the calendar's own end, if earlier), its time zone and the last day built. The only
    place pandas is touched: the library's DatetimeIndex becomes dates. Raises ValueError
    beyond the library's bounds (bound_min)."""
    import exchange_calendars

    with warnings.catch_warnings():
        # exchange_calendars 4.13 calls Series.values on tz-aware data, which pandas 3.1
        # deprecates (Pandas4Warning); the sessions it returns are unaffected.
        warnings.filterwarnings("ignore", message="Series.values returning an ndarray")
        # ... and DatetimeIndex.weekday in its lunar-holiday calendars (XHKG, XKRX), the
        # same deprecation, the same sessions.
        warnings.filterwarnings("ignore", message="DatetimeIndex.weekday is deprecated")
        bound = _bound_max(calendar)
        if bound is not None and bound < end:
            end = bound
        built = exchange_calendars.get_calendar(
            calendar, start=start.isoformat(), end=end.isoformat()
        )
    return [ts.date() for ts in built.sessions], built.tz, end


_lock = threading.Lock()
_horizon: dt.date | None = None
_source: SessionsSource = trading_days
_by_market: dict[str, CalendarIndex] = {}
_by_mic: dict[str, CalendarIndex] = {}


def configure(horizon: dt.date, source: SessionsSource | None = None) -> None:
    """Schedule record dates up to `horizon` (see horizon.py), with sessions from
    `source` (default `trading_days`; calendar_cache.py gives a cached one that needs no
    pandas); a new horizon or source drops the indexes built for the old one."""
    global _horizon, _source
    if horizon < FIRST_RECORD_DATE:
        raise ValueError(f"horizon {horizon} is before {FIRST_RECORD_DATE}")
    source = source or trading_days
    with _lock:
        if horizon != _horizon or source is not _source:
            _by_market.clear()
            _by_mic.clear()
            _horizon = horizon
            _source = source


def configured_horizon() -> dt.date:
    if _horizon is None:
        raise CalendarNotConfigured(
            "no calendar horizon configured: call corpactions.domain.configure_calendars"
            "(horizon) at start-up (the worker and `corpactions schedule` do)"
        )
    return _horizon


def calendar_index(mic: str) -> CalendarIndex:
    """The index of the market `mic` names, built on first use. Raises UnknownMic,
    UnsupportedMic, CalendarNotConfigured."""
    index = _by_mic.get(mic)
    if index is not None:
        return index
    market = market_of(mic)
    index = _index_of(market)
    _by_mic[mic] = index
    return index


def preload() -> None:
    """Build every market's index up front (service start-up), so no event pays for it."""
    for market in MARKETS:
        _index_of(market)


def _index_of(market: Market) -> CalendarIndex:
    horizon = configured_horizon()
    index = _by_market.get(market.key)
    if index is None:
        with _lock:  # one build per market even if two threads ask first
            index = _by_market.get(market.key)
            if index is None:
                index = _build(market, horizon)
                _by_market[market.key] = index
    return index


def _build(market: Market, horizon: dt.date) -> CalendarIndex:
    end = build_end(horizon)
    try:
        sessions, tz, built_to = _source(market.calendar, BUILD_START, end)
    except ValueError as e:  # the library's bounds (bound_min / bound_max)
        raise HorizonBeyondCalendar(
            f"exchange_calendars cannot build {market.calendar} for "
            f"{BUILD_START}..{end} (horizon {horizon}): {e}"
        ) from e
    # A calendar whose holidays are recorded only to some year (XSES to 2026-12-31) is
    # built to there: its market schedules record dates up to that end, not to the
    # configured horizon, and says so.
    limited_by = ""
    if built_to < horizon:
        horizon = built_to
        limited_by = (
            f"exchange_calendars records the {market.calendar} calendar's holidays "
            f"only to {built_to}"
        )
    if market.history_starts > sessions[0]:
        raise MarketDataError(
            f"markets.{market.key}: its settlement history starts {market.history_starts}, "
            f"after the first session built ({sessions[0]})"
        )
    return build_sessions(market, sessions, tz, FIRST_RECORD_DATE, horizon, limited_by=limited_by)


def _bound_max(name: str) -> dt.date | None:
    """The last day exchange_calendars can build `name` to (its holidays' own end), or
    None when unbounded."""
    from exchange_calendars import calendar_utils

    # The library's registry of calendar classes by name (private, but the one way to ask
    # a class for its bound without building it; pinned with the library in the lock).
    cls = calendar_utils._default_calendar_factories.get(calendar_utils.resolve_alias(name))
    bound = cls.bound_max() if cls is not None else None
    return None if bound is None else bound.date()
