"""Invariants over many generated cases (hypothesis).

Expected values here come from independent arithmetic (fractions.Fraction, the
settlement rules read directly from the markets data), never from the function under
test.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from fractions import Fraction
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from corpactions.contracts.board_resolution import BoardResolution
from corpactions.contracts.schedule import compute_schedule
from corpactions.domain.amounts import DeclaredTotal, declared_range, total_amount
from corpactions.domain.calendars import calendar_index
from corpactions.domain.exdates import compute_ex_dates, ex_dates_after_payment
from corpactions.domain.markets import market_of
from corpactions.domain.money import MINOR_UNITS, Rounding

from .resolutions import iij_dict

MICS = ("XTKS", "XNYS", "XNAS")
record_dates = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2036, 12, 15))


def settles_on(mic: str, trade: dt.date, record: dt.date | None = None) -> dt.date:
    """T + n sessions, n from the markets data for the trade date; where the data defers
    a trade settling on the record date's session (Tokyo before 2009-11-16), later."""
    market = market_of(mic)
    sessions = calendar_index(mic).sessions
    day = sessions[sessions.index(trade) + market.cycle_on(trade)]
    if record is not None and day == max(d for d in sessions if d <= record):
        day = sessions[sessions.index(day) + market.deferral_on(trade)]
    return day


@settings(max_examples=300, deadline=None)
@given(mic=st.sampled_from(("XNYS", "XNAS")), payment=record_dates)
def test_a_large_distribution_goes_ex_on_the_first_weekday_session_after_payment(
    mic: str, payment: dt.date
) -> None:
    got = ex_dates_after_payment(calendar_index(mic), payment)
    sessions = set(calendar_index(mic).sessions)
    assert got.ex_date > payment
    # no session strictly between the payment date and the ex-date
    day = payment + dt.timedelta(days=1)
    while day < got.ex_date:
        assert day not in sessions
        day += dt.timedelta(days=1)
    assert got.ex_date in sessions
    assert got.last_cum_date <= payment
    assert settles_on(mic, got.last_cum_date) == got.last_cum_settles_on


@settings(max_examples=400, deadline=None)
@given(mic=st.sampled_from(MICS), record=record_dates)
def test_last_cum_day_settles_by_the_record_date_and_the_ex_date_after_it(
    mic: str, record: dt.date
) -> None:
    got = compute_ex_dates(calendar_index(mic), record)
    sessions = calendar_index(mic).sessions
    assert got.ex_date > got.last_cum_date
    assert got.ex_date == sessions[sessions.index(got.last_cum_date) + 1]  # next session
    assert settles_on(mic, got.last_cum_date, record) <= record
    assert settles_on(mic, got.ex_date, record) > record
    assert got.ex_date <= max(d for d in sessions if d <= record) + dt.timedelta(days=1)


def _printed(total: Fraction, unit: int, decimals: int, rounding: Rounding) -> Fraction:
    step = Fraction(unit) / 10**decimals
    steps = total / step
    n = int(steps // 1) if rounding is Rounding.TRUNCATE else int((steps + Fraction(1, 2)) // 1)
    return n * step / unit


rates = st.builds(
    lambda units, decimals: Decimal(units).scaleb(-decimals),
    st.integers(min_value=1, max_value=2_000_000),
    st.integers(min_value=0, max_value=4),
)


@settings(max_examples=400, deadline=None)
@given(
    rate=rates,
    shares=st.integers(min_value=0, max_value=10**10),
    currency=st.sampled_from(("JPY", "USD", "KWD")),
    unit_exp=st.integers(min_value=0, max_value=6),
    printed_decimals=st.integers(min_value=0, max_value=2),
    rounding=st.sampled_from(list(Rounding)),
)
def test_total_lies_inside_the_range_its_printed_figure_implies(
    rate: Decimal,
    shares: int,
    currency: str,
    unit_exp: int,
    printed_decimals: int,
    rounding: Rounding,
) -> None:
    minor = MINOR_UNITS[currency]
    total = total_amount(rate, shares, currency)
    # Independent: truncate rate x shares to the minor unit with fractions.
    exact = Fraction(rate) * shares
    assert Fraction(total) == Fraction(int(exact * 10**minor // 1), 10**minor)
    unit = 10**unit_exp
    printed = _printed(Fraction(total), unit, printed_decimals, rounding)
    amount = Decimal(printed.numerator) / Decimal(printed.denominator)
    amount = amount.quantize(Decimal(1).scaleb(-printed_decimals))
    rng = declared_range(rate, DeclaredTotal(amount, unit, rounding), currency)
    assert rng.eligible_shares_min <= shares <= rng.eligible_shares_max
    assert Fraction(rng.total_min) <= Fraction(total) < Fraction(rng.total_max_exclusive)
    # The range is tight: one share fewer or more prints differently.
    for outside in (rng.eligible_shares_min - 1, rng.eligible_shares_max + 1):
        if outside >= 0:
            t = Fraction(total_amount(rate, outside, currency))
            assert _printed(t, unit, printed_decimals, rounding) != printed


def _no_float(text: str) -> Any:
    raise AssertionError(f"float {text} in output")


@settings(max_examples=150, deadline=None)
@given(
    mic=st.sampled_from(MICS),
    other=st.sampled_from((None, "XNAS", "XNYS", "XTKS")),
    record=record_dates,
    rate=rates,
    shares=st.one_of(st.none(), st.integers(min_value=0, max_value=10**9)),
    currency=st.sampled_from(("JPY", "USD")),
    declared=st.booleans(),
)
def test_schedule_json_has_no_float_and_ex_date_after_last_cum(
    mic: str,
    other: str | None,
    record: dt.date,
    rate: Decimal,
    shares: int | None,
    currency: str,
    declared: bool,
) -> None:
    fye = dt.date(record.year, 12, 31)
    data = iij_dict(
        security={"isin": "JP3152820001", "local_code": "3774", "mic": mic},
        other_listings=(
            [] if other is None else [{"mic": other, "symbol": "ADR", "shares_per_unit": "0.5"}]
        ),
        record_date=record.isoformat(),
        resolved_on=record.isoformat(),
        payment_date=(record + dt.timedelta(days=30)).isoformat(),
        fiscal_year_end=fye.isoformat(),
        currency=currency,
        gross_amount_per_share=format(rate, "f"),
        eligible_shares=shares,
        declared_total=(
            {"amount": "620", "unit": 1000000, "rounding": "truncate"} if declared else None
        ),
    )
    resolution = BoardResolution.model_validate_json(json.dumps(data))
    doc = json.loads(compute_schedule(resolution).model_dump_json(), parse_float=_no_float)
    for listing in [doc["primary_listing"], *doc["other_listings"]]:
        assert listing["last_cum_date"] < listing["ex_date"]
        assert listing["last_cum_settlement_date"] <= listing["record_date"]
        after = listing["ex_date_settlement_date"]
        assert after is None or after > listing["record_date"]
