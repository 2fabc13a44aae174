"""Fiscal roll-ups: interim + year-end (or quarters) = annual, and the comparisons an
issuer's release prints: against the same period a year earlier and against the latest
forecast (Tokyo Stock Exchange "summary of financial results" layout, as in IIJ's
release of 2016-11-04: FY2016 13.50 + 13.50 forecast = 27.00; FY2015 11.00 + 11.00 =
22.00).

The history is an input value: the service keeps it, the core holds no state.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from enum import StrEnum
from typing import Final, NamedTuple, Protocol

from corpactions.domain.money import EXACT


class DividendType(StrEnum):
    """Which dividend of the fiscal year (ISO 20022 INTE/FINL/REGR/SPEC, plus quarterly)."""

    INTERIM = "interim"
    YEAR_END = "year_end"
    QUARTERLY = "quarterly"
    REGULAR = "regular"
    SPECIAL = "special"


class EntryStatus(StrEnum):
    RESOLVED = "resolved"  # resolved by the board (or AGM)
    FORECAST = "forecast"  # disclosed as a forecast, not yet resolved


class PastDividend(NamedTuple):
    """One dividend (resolved or forecast) the service has seen for this security."""

    fiscal_year_end: dt.date
    dividend_type: DividendType
    amount_per_share: Decimal
    currency: str
    status: EntryStatus = EntryStatus.RESOLVED
    record_date: dt.date | None = None  # places quarterly/regular/special in a quarter
    event_id: str | None = None  # the current resolution supersedes the same event
    disclosed_on: dt.date | None = None  # the latest forecast for a period wins


class DividendHistory(NamedTuple):
    """Past dividends of one security, any order; the core filters what it needs."""

    entries: tuple[PastDividend, ...] = ()


class Component(NamedTuple):
    dividend_type: DividendType
    quarter: int | None  # fiscal quarter 1-4 for quarterly/regular/special, else None
    amount_per_share: Decimal
    status: EntryStatus


class FiscalYear(NamedTuple):
    fiscal_year_end: dt.date
    components: tuple[Component, ...]
    resolved_total: Decimal
    forecast_total: Decimal
    annual_total: Decimal  # resolved + forecast: what the release prints as "annual"

    @property
    def includes_forecast(self) -> bool:
        return any(c.status is EntryStatus.FORECAST for c in self.components)


class Change(NamedTuple):
    reference_amount: Decimal
    change: Decimal  # current - reference; "2.50" for IIJ FY2016 interim vs FY2015
    reference_fiscal_year_end: dt.date | None = None
    reference_disclosed_on: dt.date | None = None


class Forecast(NamedTuple):
    """The latest forecast of a dividend (field names as in the contract's Forecast)."""

    amount: Decimal
    disclosed_on: dt.date


class ForecastLike(Protocol):
    """Anything with a forecast's fields: the contract's Forecast or `Forecast`."""

    @property
    def amount(self) -> Decimal: ...
    @property
    def disclosed_on(self) -> dt.date: ...


class FiscalRollUp(NamedTuple):
    fiscal_year_end: dt.date
    dividend_type: DividendType
    quarter: int | None
    this_year: FiscalYear
    prior_year: FiscalYear | None
    vs_prior_year_same_period: Change | None
    vs_prior_year_annual: Change | None
    vs_forecast: Change | None


_PER_TYPE: Final = frozenset({DividendType.INTERIM, DividendType.YEAR_END})
# A 52/53-week fiscal year ends on a weekday near the same date each year, so the prior
# year's end is looked for within a week of "one year earlier".
_PRIOR_YEAR_WINDOW: Final = 7
_ORDER: Final = {kind: n for n, kind in enumerate(DividendType)}
_ZERO: Final = Decimal(0)
_RESOLVED: Final = EntryStatus.RESOLVED
# Which dividend of a fiscal year: the type, and the quarter for quarterly, regular and
# special dividends (None for interim and year-end).
_Period = tuple[DividendType, int | None]


def fiscal_quarter(fiscal_year_end: dt.date, record_date: dt.date) -> int:
    """Quarter 1-4 of the fiscal year ending `fiscal_year_end` that `record_date` is in."""
    months_before_end = (fiscal_year_end.year - record_date.year) * 12 + (
        fiscal_year_end.month - record_date.month
    )
    return min(4, max(1, 4 - months_before_end // 3))


def one_year_earlier(day: dt.date) -> dt.date:
    """Same day a year earlier; Feb 29 rolls *backward* to Feb 28."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def _period(kind: DividendType, fiscal_year_end: dt.date, record_date: dt.date | None) -> _Period:
    if kind in _PER_TYPE or record_date is None:
        return kind, None
    return kind, fiscal_quarter(fiscal_year_end, record_date)


def _summarise(fiscal_year_end: dt.date, picked: dict[_Period, Component]) -> FiscalYear:
    components = tuple(
        sorted(picked.values(), key=lambda c: (c.quarter or 0, _ORDER[c.dividend_type]))
    )
    resolved = forecast = _ZERO
    for c in components:
        if c.status is EntryStatus.RESOLVED:
            resolved = EXACT.add(resolved, c.amount_per_share)
        else:
            forecast = EXACT.add(forecast, c.amount_per_share)
    return FiscalYear(
        fiscal_year_end=fiscal_year_end,
        components=components,
        resolved_total=resolved,
        forecast_total=forecast,
        annual_total=EXACT.add(resolved, forecast),
    )


def _pick(entries: Iterable[PastDividend]) -> dict[_Period, Component]:
    """Per period: a resolved entry beats a forecast; among forecasts the latest disclosed."""
    best: dict[_Period, PastDividend] = {}
    for e in entries:
        key = _period(e.dividend_type, e.fiscal_year_end, e.record_date)
        held = best.get(key)
        if held is None or _rank(e) >= _rank(held):
            best[key] = e
    return {key: Component(key[0], key[1], e.amount_per_share, e.status) for key, e in best.items()}


def _rank(e: PastDividend) -> tuple[int, int]:
    disclosed = e.disclosed_on.toordinal() if e.disclosed_on else 0
    return (1 if e.status is EntryStatus.RESOLVED else 0, disclosed)


def roll_up(
    *,
    event_id: str,
    dividend_type: DividendType,
    fiscal_year_end: dt.date,
    record_date: dt.date,
    amount_per_share: Decimal,
    currency: str,
    forecast: ForecastLike | None,
    history: DividendHistory | None,
) -> tuple[FiscalRollUp, bool]:
    """The roll-up of the current dividend; the bool says history had other currencies.

    The current resolution replaces any history entry of the same event (a REPL
    superseding what was stored) and any entry of the same fiscal year and period.
    """
    key = _period(dividend_type, fiscal_year_end, record_date)
    if history is not None and history.entries:
        return _roll_up_with_history(
            event_id, key, fiscal_year_end, amount_per_share, currency, forecast, history
        )
    # Most events: the year holds only this dividend, and there is no prior year.
    component = Component(key[0], key[1], amount_per_share, _RESOLVED)
    year = FiscalYear(fiscal_year_end, (component,), amount_per_share, _ZERO, amount_per_share)
    # Positional: fiscal_year_end, dividend_type, quarter, this_year, prior_year,
    # vs_prior_year_same_period, vs_prior_year_annual, vs_forecast.
    rolled = FiscalRollUp(
        fiscal_year_end,
        dividend_type,
        key[1],
        year,
        None,
        None,
        None,
        None if forecast is None else _vs_forecast(amount_per_share, forecast),
    )
    return rolled, False


def _roll_up_with_history(
    event_id: str,
    key: _Period,
    fiscal_year_end: dt.date,
    amount_per_share: Decimal,
    currency: str,
    forecast: ForecastLike | None,
    history: DividendHistory,
) -> tuple[FiscalRollUp, bool]:
    """`roll_up` when the history holds entries: this year with its other periods, the
    prior year, and the latest forecast."""
    this_entries, prior_entries, forecasts, other_currency = _split_history(
        history, event_id, key, fiscal_year_end, currency
    )
    this_picked = _pick(this_entries)
    this_picked[key] = Component(key[0], key[1], amount_per_share, EntryStatus.RESOLVED)
    this_year = _summarise(fiscal_year_end, this_picked)
    prior_year, vs_prior, vs_prior_annual = _vs_prior_year(
        prior_entries, key, amount_per_share, this_year
    )
    rolled = FiscalRollUp(
        fiscal_year_end=fiscal_year_end,
        dividend_type=key[0],
        quarter=key[1],
        this_year=this_year,
        prior_year=prior_year,
        vs_prior_year_same_period=vs_prior,
        vs_prior_year_annual=vs_prior_annual,
        vs_forecast=_vs_latest_forecast(amount_per_share, forecast, forecasts),
    )
    return rolled, other_currency


def _split_history(
    history: DividendHistory,
    event_id: str,
    key: _Period,
    fiscal_year_end: dt.date,
    currency: str,
) -> tuple[list[PastDividend], list[PastDividend], list[PastDividend], bool]:
    """The entries that count, by where they go: this year's other periods, the prior
    year's (its end within a week of one year earlier), and forecasts of this period.
    Entries in another currency are left out (the bool says there were some), as are
    entries of this event and resolved ones of this period: this resolution replaces them.
    """
    this_entries: list[PastDividend] = []
    prior_entries: list[PastDividend] = []
    forecasts: list[PastDividend] = []
    other_currency = False
    prior_end = one_year_earlier(fiscal_year_end).toordinal()
    for e in history.entries:
        if e.currency != currency:
            other_currency = True
            continue
        if e.event_id is not None and e.event_id == event_id:
            continue
        if e.fiscal_year_end == fiscal_year_end:
            if _period(e.dividend_type, e.fiscal_year_end, e.record_date) == key:
                if e.status is EntryStatus.FORECAST:
                    forecasts.append(e)
                continue
            this_entries.append(e)
        elif abs(e.fiscal_year_end.toordinal() - prior_end) <= _PRIOR_YEAR_WINDOW:
            prior_entries.append(e)
    return this_entries, prior_entries, forecasts, other_currency


def _vs_prior_year(
    prior_entries: list[PastDividend],
    key: _Period,
    amount_per_share: Decimal,
    this_year: FiscalYear,
) -> tuple[FiscalYear | None, Change | None, Change | None]:
    """The prior year (the latest end among `prior_entries`), and this dividend and this
    year's annual total against it: same period, annual."""
    if not prior_entries:
        return None, None, None
    prior_fye = max(e.fiscal_year_end for e in prior_entries)
    prior_picked = _pick(e for e in prior_entries if e.fiscal_year_end == prior_fye)
    prior_year = _summarise(prior_fye, prior_picked)
    same = prior_picked.get(key)
    vs_prior = None
    if same is not None:
        vs_prior = Change(
            reference_amount=same.amount_per_share,
            change=EXACT.subtract(amount_per_share, same.amount_per_share),
            reference_fiscal_year_end=prior_fye,
        )
    vs_prior_annual = Change(
        reference_amount=prior_year.annual_total,
        change=EXACT.subtract(this_year.annual_total, prior_year.annual_total),
        reference_fiscal_year_end=prior_fye,
    )
    return prior_year, vs_prior, vs_prior_annual


def _vs_latest_forecast(
    amount_per_share: Decimal, forecast: ForecastLike | None, forecasts: list[PastDividend]
) -> Change | None:
    """Against the latest forecast: the one the resolution cites, else the history's latest."""
    if forecast is None and forecasts:
        latest = max(forecasts, key=_rank)
        return Change(
            reference_amount=latest.amount_per_share,
            change=EXACT.subtract(amount_per_share, latest.amount_per_share),
            reference_disclosed_on=latest.disclosed_on,
        )
    return _vs_forecast(amount_per_share, forecast)


def _vs_forecast(amount_per_share: Decimal, forecast: ForecastLike | None) -> Change | None:
    if forecast is None:
        return None
    return Change(
        reference_amount=forecast.amount,
        change=EXACT.subtract(amount_per_share, forecast.amount),
        reference_disclosed_on=forecast.disclosed_on,
    )
