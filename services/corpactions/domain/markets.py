"""Markets: which MICs belong to each, its calendar, and its settlement history.

The history is data (`data/markets.toml`): per market, dated rules each with its
source (settlement cycles, record-date deferrals such as Tokyo's 5th-day settlement
before 2009-11-16, settlement holidays such as Canada's 2022-09-30, ex periods such as
the ASX's before 2014-04-14, the first record date of a market that had none before
(Germany, 2017), the large-distribution ex-date rule, the declaration notice period).
A rule is corrected, or a market added, in that file; this module reads and checks it
once.

Which MIC names which market: ISO 10383, from the `iso10383` package (it ships the
registration authority's list, operating and segment MICs with each segment's
operating MIC, active and expired). A MIC is a market's when it is one of the market's
operating MICs or `mics`, or a segment ISO 10383 files under one of its operating MICs
(`XNGS`, `XNMS`, `XNCM` under `XNAS`; `XTKS` under `XJPX`), unless the market
excludes it. The calendar of a market is named by exchange_calendars (its aliases map
`XNAS`, `XASE`, `ARCX`, `BATS` to the `XNYS` calendar, as this file does).
"""

from __future__ import annotations

import datetime as dt
import threading
import tomllib
from collections.abc import Mapping
from decimal import Decimal
from importlib import resources
from itertools import pairwise
from types import MappingProxyType
from typing import Any, Final, NamedTuple


class UnknownMic(LookupError):
    """Neither ISO 10383 nor exchange_calendars knows the MIC."""


class UnsupportedMic(LookupError):
    """A real MIC, but no market here holds its settlement history."""

    def __init__(self, mic: str, why: str | None = None) -> None:
        super().__init__(mic)
        self.mic = mic
        self.why = why


class MarketDataError(ValueError):
    """`markets.toml` breaks one of its own rules (unsourced, out of order, ...)."""


class Cycle(NamedTuple):
    starts: dt.date  # first trade date the cycle applies to
    sessions: int
    source: str


class Deferral(NamedTuple):
    """Trades in [starts, until) whose settlement would fall on a record date settle
    `sessions` settlement days later."""

    starts: dt.date
    until: dt.date
    sessions: int
    source: str


class ExPeriod(NamedTuple):
    """Record dates in [starts, until) go ex `sessions` sessions before the record date
    (counted back from it, or from the session before it), whatever the cycle: the ASX
    "ex period" before 2014-04-14."""

    starts: dt.date
    until: dt.date
    sessions: int
    source: str


class RecordDatesFrom(NamedTuple):
    """The first record date the market knows; before it, it had none (Germany before
    2017): a record date before `starts` is refused with `why`."""

    starts: dt.date
    source: str
    why: str


class SettlementHoliday(NamedTuple):
    day: dt.date
    source: str


class LargeDistribution(NamedTuple):
    min_share_of_price: Decimal
    source: str


class DeclarationNotice(NamedTuple):
    min_calendar_days: int
    source: str


class Market(NamedTuple):
    key: str  # the table's name in markets.toml: "tokyo", "us"
    name: str
    calendar: str  # exchange_calendars name
    operating_mics: frozenset[str]
    mics: frozenset[str]
    excluded_mics: Mapping[str, str]  # MIC -> why it is not this market
    cycles: tuple[Cycle, ...]
    deferrals: tuple[Deferral, ...]
    settlement_holidays: frozenset[dt.date]
    large_distribution: LargeDistribution | None
    declaration_notice: DeclarationNotice | None
    ex_periods: tuple[ExPeriod, ...] = ()
    record_dates_from: RecordDatesFrom | None = None
    # the source of "final dividends are approved at the AGM after the year ends", where so
    final_after_year_end: str | None = None

    def cycle_on(self, trade_date: dt.date) -> int:
        """Settlement cycle (settlement days) in force for a trade on `trade_date`."""
        current = self.cycles[0].sessions
        for cycle in self.cycles:
            if trade_date < cycle.starts:
                break
            current = cycle.sessions
        return current

    def deferral_on(self, trade_date: dt.date) -> int:
        """Extra settlement days for a trade on `trade_date` settling on a record date."""
        for d in self.deferrals:
            if d.starts <= trade_date < d.until:
                return d.sessions
        return 0

    def ex_period_on(self, record_date: dt.date) -> int:
        """Sessions before `record_date` its ex-date falls under an ex-period rule; 0
        where the settlement cycle decides (the general rule)."""
        for p in self.ex_periods:
            if p.starts <= record_date < p.until:
                return p.sessions
        return 0

    def has_record_date(self, record_date: dt.date) -> bool:
        """Whether the market knew record dates on `record_date` (Germany: from 2017)."""
        since = self.record_dates_from
        return since is None or record_date >= since.starts

    @property
    def min_cycle(self) -> int:
        return min(c.sessions for c in self.cycles)

    @property
    def history_starts(self) -> dt.date:
        """The first trade date the held history covers."""
        return self.cycles[0].starts


def _date(raw: Any, where: str) -> dt.date:
    if not isinstance(raw, dt.date) or isinstance(raw, dt.datetime):
        raise MarketDataError(f"{where}: {raw!r} is not a TOML date (YYYY-MM-DD)")
    return raw


def _source(row: Mapping[str, Any], where: str) -> str:
    source = row.get("source")
    if not isinstance(source, str) or not source.strip():
        raise MarketDataError(f"{where}: every rule names its source")
    return source


def _positive_int(raw: Any, where: str) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 1:
        raise MarketDataError(f"{where}: {raw!r} is not a whole number >= 1")
    return raw


def _cycles(where: str, rows: Any) -> tuple[Cycle, ...]:
    cycles = tuple(
        Cycle(
            _date(row["from"], f"{where}.cycles.{n}.from"),
            _positive_int(row["sessions"], f"{where}.cycles.{n}.sessions"),
            _source(row, f"{where}.cycles.{n}"),
        )
        for n, row in enumerate(rows)
    )
    if not cycles:
        raise MarketDataError(f"{where}: a market needs at least one settlement cycle")
    if any(a.starts >= b.starts for a, b in pairwise(cycles)):
        raise MarketDataError(f"{where}.cycles: rows must be in increasing `from` order")
    return cycles


def _spans(where: str, rows: Any, kind: str) -> list[tuple[dt.date, dt.date, int, str]]:
    """Rows of `from`, `until` (exclusive), `sessions` and `source`, checked."""
    spans = []
    for n, row in enumerate(rows):
        at = f"{where}.{kind}.{n}"
        span = (
            _date(row["from"], f"{at}.from"),
            _date(row["until"], f"{at}.until"),
            _positive_int(row["sessions"], f"{at}.sessions"),
            _source(row, at),
        )
        if span[0] >= span[1]:
            raise MarketDataError(f"{at}: `from` >= `until`")
        spans.append(span)
    return spans


def _record_dates_from(where: str, raw: Any) -> RecordDatesFrom | None:
    if raw is None:
        return None
    why = raw.get("why")
    if not isinstance(why, str) or not why.strip():
        raise MarketDataError(f"{where}.record_dates_from: say why (the reason users read)")
    return RecordDatesFrom(
        _date(raw["from"], f"{where}.record_dates_from.from"),
        _source(raw, f"{where}.record_dates_from"),
        why,
    )


def _market(key: str, raw: Mapping[str, Any], shared: Mapping[str, Any]) -> Market:
    where = f"markets.{key}"
    of = raw.get("cycles_of")
    if of is not None:
        if "cycles" in raw:
            raise MarketDataError(f"{where}: give `cycles` or `cycles_of`, not both")
        if not isinstance(of, str) or of not in shared or "cycles" not in shared[of]:
            raise MarketDataError(f"{where}.cycles_of: {of!r} is no market with its own cycles")
        cycles = _cycles(f"markets.{of}", shared[of]["cycles"])
    else:
        cycles = _cycles(where, raw.get("cycles", ()))
    deferrals = tuple(
        Deferral(*span)
        for span in _spans(where, raw.get("record_date_deferrals", ()), "record_date_deferrals")
    )
    ex_periods = tuple(
        ExPeriod(*span) for span in _spans(where, raw.get("ex_periods", ()), "ex_periods")
    )
    holidays = frozenset(
        _date(row["date"], f"{where}.settlement_holidays.{n}")
        for n, row in enumerate(raw.get("settlement_holidays", ()))
        if _source(row, f"{where}.settlement_holidays.{n}")
    )
    large = raw.get("large_distribution")
    notice = raw.get("declaration_notice")
    excluded = {}
    for n, row in enumerate(raw.get("excluded_mics", ())):
        why = row.get("why")
        if not isinstance(why, str) or not why.strip():
            raise MarketDataError(f"{where}.excluded_mics.{n}: say why it is excluded")
        excluded[row["mic"]] = why
    calendar = raw.get("calendar")
    if not isinstance(calendar, str):
        raise MarketDataError(f"{where}: name its exchange_calendars calendar")
    return Market(
        key=key,
        name=str(raw.get("name", key)),
        calendar=calendar,
        operating_mics=frozenset(raw.get("operating_mics", ())),
        mics=frozenset(raw.get("mics", ())),
        excluded_mics=MappingProxyType(excluded),
        cycles=cycles,
        deferrals=deferrals,
        settlement_holidays=holidays,
        large_distribution=(
            None
            if large is None
            else LargeDistribution(
                Decimal(str(large["min_share_of_price"])),
                _source(large, f"{where}.large_distribution"),
            )
        ),
        declaration_notice=(
            None
            if notice is None
            else DeclarationNotice(
                _positive_int(
                    notice["min_calendar_days"], f"{where}.declaration_notice.min_calendar_days"
                ),
                _source(notice, f"{where}.declaration_notice"),
            )
        ),
        ex_periods=ex_periods,
        record_dates_from=_record_dates_from(where, raw.get("record_dates_from")),
        final_after_year_end=(
            None
            if (final := raw.get("final_dividend_after_year_end")) is None
            else _source(final, f"{where}.final_dividend_after_year_end")
        ),
    )


def load_markets(text: str) -> tuple[Market, ...]:
    """Parse and check a markets file (the format `data/markets.toml` documents)."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise MarketDataError(f"markets file: {e}") from None
    tables = raw.get("markets", {})
    markets = tuple(_market(key, table, tables) for key, table in tables.items())
    claimed: dict[str, str] = {}
    for m in markets:
        for mic in m.operating_mics | m.mics:
            if mic in claimed:
                raise MarketDataError(f"{mic} is claimed by {claimed[mic]} and {m.key}")
            claimed[mic] = m.key
    return markets


MARKETS: Final = load_markets(
    resources.files("corpactions.domain").joinpath("data", "markets.toml").read_text("utf-8")
)


# --- MIC -> market ---------------------------------------------------------------------


class MicDirectory:
    """Resolves MICs to markets (cached; ISO 10383 and the calendar names load lazily)."""

    def __init__(self, markets: tuple[Market, ...]) -> None:
        self.markets = markets
        self._direct: dict[str, Market] = {}
        self._by_operating: dict[str, Market] = {}
        self._excluded: dict[str, str] = {}
        for m in markets:
            for mic in m.operating_mics | m.mics:
                self._direct[mic] = m
            for mic in m.operating_mics:
                self._by_operating[mic] = m
            self._excluded.update(m.excluded_mics)
        self._cache: dict[str, Market] = dict(self._direct)
        self._lock = threading.Lock()

    def market_of(self, mic: str) -> Market:
        """The market `mic` names; raises UnsupportedMic (a real MIC whose market is not
        held, or an excluded segment) or UnknownMic."""
        found = self._cache.get(mic)
        if found is not None:
            return found
        why = self._excluded.get(mic)
        if why is not None:
            raise UnsupportedMic(mic, why)
        operating = iso10383_operating_mics()
        if mic in operating:
            market = self._by_operating.get(operating[mic] or "")
            if market is not None:
                with self._lock:
                    self._cache[mic] = market
                return market
            raise UnsupportedMic(mic)
        if mic in _calendar_names():
            raise UnsupportedMic(mic)
        raise UnknownMic(mic)

    def accepted_mics(self, market: Market) -> frozenset[str]:
        """Every MIC that names `market` (for the README and tests)."""
        operating = iso10383_operating_mics()
        segments = {
            mic
            for mic, op in operating.items()
            if op in market.operating_mics and mic not in market.excluded_mics
        }
        return frozenset(segments | market.operating_mics | market.mics)


_iso10383: dict[str, str | None] | None = None
_calendar_names_cache: frozenset[str] | None = None
_load_lock = threading.Lock()


def iso10383_operating_mics() -> Mapping[str, str | None]:
    """ISO 10383: every MIC (active or expired) -> its operating MIC, None for an
    operating MIC itself. Loaded on first use (the package takes ~0.2 s to import)."""
    global _iso10383
    if _iso10383 is None:
        with _load_lock:
            if _iso10383 is None:
                from iso10383 import MIC

                table: dict[str, str | None] = {}
                for member in MIC:
                    entry = member.value
                    op = entry.operating_mic
                    table[entry.mic] = None if op is None or op.mic == entry.mic else op.mic
                _iso10383 = table
    return _iso10383


def _calendar_names() -> frozenset[str]:
    global _calendar_names_cache
    if _calendar_names_cache is None:
        import exchange_calendars

        _calendar_names_cache = frozenset(
            exchange_calendars.get_calendar_names(include_aliases=True)
        )
    return _calendar_names_cache


DIRECTORY: Final = MicDirectory(MARKETS)


def market_of(mic: str) -> Market:
    """`DIRECTORY.market_of(mic)`."""
    return DIRECTORY.market_of(mic)
