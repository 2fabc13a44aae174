"""Dividend forecasts in a security's history: a revision replaces what it revises.

A forecast is a `PastDividend` with status FORECAST and its `disclosed_on`. Per fiscal
year and period (interim, year-end, or the fiscal quarter of a quarterly, regular or
special dividend), the history keeps one forecast: the latest disclosed. A forecast
disclosed on the same day as the held one replaces it (a same-day correction arrives
later); an older disclosure arriving late changes nothing. Resolved entries are never
touched here: the roll-up already ranks a resolution above any forecast of its period.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from corpactions.domain.fiscal import DividendType, EntryStatus, PastDividend, fiscal_quarter
from corpactions.domain.money import MAX_RATE_DECIMALS, MAX_TOTAL_DIGITS, MINOR_UNITS
from corpactions.domain.reasons import (
    NEGATIVE_AMOUNT,
    TOO_MANY_DECIMALS,
    TOO_MANY_DIGITS,
    UNKNOWN_CURRENCY,
    DomainRejected,
    Reason,
)

Period = tuple[dt.date, DividendType, int | None]

_PER_TYPE = frozenset({DividendType.INTERIM, DividendType.YEAR_END})


def period_of(entry: PastDividend) -> Period:
    """(fiscal year end, dividend type, fiscal quarter or None) of an entry."""
    quarter = None
    if entry.dividend_type not in _PER_TYPE and entry.record_date is not None:
        quarter = fiscal_quarter(entry.fiscal_year_end, entry.record_date)
    return entry.fiscal_year_end, entry.dividend_type, quarter


def apply_forecasts(
    entries: tuple[PastDividend, ...], forecasts: Iterable[PastDividend]
) -> tuple[PastDividend, ...]:
    """`entries` with each forecast applied in turn (see the module docstring); returns
    `entries` itself when nothing changed."""
    held = {period_of(e): n for n, e in enumerate(entries) if e.status is EntryStatus.FORECAST}
    out = list(entries)
    changed = False
    for f in forecasts:
        if f.status is not EntryStatus.FORECAST or f.disclosed_on is None:
            raise ValueError("apply_forecasts takes forecasts with their disclosure date")
        key = period_of(f)
        n = held.get(key)
        if n is None:
            held[key] = len(out)
            out.append(f)
            changed = True
            continue
        current = out[n]
        if current.disclosed_on is not None and current.disclosed_on > f.disclosed_on:
            continue  # a later disclosure is held: this one is stale
        if current != f:
            out[n] = f
            changed = True
    return tuple(out) if changed else entries


def check_forecasts(forecasts: Iterable[PastDividend], field: str = "dividends") -> None:
    """Raise DomainRejected unless every forecast's currency is known and its amount is
    within the input bounds of a rate (13 decimals, 18 digits: ISO 20022
    ActiveCurrencyAnd13DecimalAmount); `field` names the list in the message."""
    reasons: list[Reason] = []
    for n, f in enumerate(forecasts):
        if f.currency not in MINOR_UNITS and not any(r.field == "currency" for r in reasons):
            reasons.append(UNKNOWN_CURRENCY.at("currency", currency=f.currency))
        amount = f.amount_per_share
        where = f"{field}.{n}.amount_per_share"
        if not amount.is_finite() or amount < 0:
            reasons.append(NEGATIVE_AMOUNT.at(where))
            continue
        _, digits, exponent = amount.as_tuple()
        assert isinstance(exponent, int)
        decimals = -exponent if exponent < 0 else 0
        if decimals > MAX_RATE_DECIMALS:
            reasons.append(TOO_MANY_DECIMALS.at(where, decimals=decimals, limit=MAX_RATE_DECIMALS))
        elif max(len(digits) + exponent, 0) + decimals > MAX_TOTAL_DIGITS:
            reasons.append(TOO_MANY_DIGITS.at(where, limit=MAX_TOTAL_DIGITS))
    if reasons:
        raise DomainRejected(reasons)
