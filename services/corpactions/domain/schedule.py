"""The core: a board-resolved cash dividend in, its schedule out (or the reasons not).

`schedule_dividend` is a pure function of its arguments: no clock, no I/O, no state
beyond the per-MIC session indexes it caches (derived data, see calendars.py).
Every reason is collected before rejecting, so a publisher sees all problems at once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Final

from corpactions.domain.amounts import (
    TOTAL_ROUNDING,
    Consistency,
    DeclaredRange,
    DeclaredTotal,
    declared_range,
    total_amount,
)
from corpactions.domain.calendars import (
    CALENDAR_END,
    CALENDAR_START,
    CalendarIndex,
    UnknownMic,
    UnsupportedMic,
    calendar_index,
)
from corpactions.domain.exdates import ExDates, OutOfCalendarRange, ex_dates
from corpactions.domain.fiscal import (
    DividendHistory,
    DividendKind,
    FiscalRollUp,
    Forecast,
    one_year_earlier,
    roll_up,
)
from corpactions.domain.money import (
    EXACT,
    MAX_RATE_DECIMALS,
    MAX_TOTAL_DIGITS,
    MINOR_UNITS,
    Rounding,
    decimals_as_written,
    integer_digits,
)
from corpactions.domain.reasons import DomainRejected, Reason, ReasonCode


class SourceOfFunds(StrEnum):
    RETAINED_EARNINGS = "retained_earnings"
    CAPITAL_SURPLUS = "capital_surplus"


class EventType(StrEnum):
    """ISO 15022 :22F::CAEV: cash dividend, or capital distribution when paid from capital."""

    DVCA = "DVCA"
    CAPD = "CAPD"


class ListingRole(StrEnum):
    PRIMARY = "primary"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Listing:
    mic: str
    symbol: str | None
    shares_per_unit: Decimal  # shares one traded unit represents: 1; an ADS of IIJ 0.5


@dataclass(frozen=True, slots=True)
class DividendInput:
    """What the core needs from a resolution; field names follow the contract's."""

    event_id: str
    resolved_on: dt.date
    dividend_type: DividendKind
    fiscal_year_end: dt.date
    currency: str
    gross_amount_per_share: Decimal
    record_date: dt.date
    payment_date: dt.date | None
    primary: Listing
    other_listings: tuple[Listing, ...] = ()
    eligible_shares: int | None = None
    declared_total: DeclaredTotal | None = None
    forecast: Forecast | None = None
    source_of_funds: SourceOfFunds = SourceOfFunds.RETAINED_EARNINGS
    subject_to_approval: bool = False


@dataclass(frozen=True, slots=True)
class ListingSchedule:
    role: ListingRole
    mic: str
    symbol: str | None
    shares_per_unit: Decimal
    gross_amount_per_unit: Decimal  # rate x shares_per_unit (exact), in the declared currency
    record_date: dt.date
    payment_date: dt.date | None
    last_cum_date: dt.date
    ex_date: dt.date
    settlement_cycle: int  # sessions, in force on the last cum day
    last_cum_settles_on: dt.date
    ex_date_settles_on: dt.date | None


@dataclass(frozen=True, slots=True)
class TotalAmount:
    amount: Decimal
    currency: str
    rounding: Rounding
    eligible_shares: int


@dataclass(frozen=True, slots=True)
class Amounts:
    total: TotalAmount | None
    declared_total: DeclaredTotal | None
    declared_range: DeclaredRange | None
    consistency: Consistency


@dataclass(frozen=True, slots=True)
class DividendSchedule:
    event_type: EventType
    primary: ListingSchedule
    other_listings: tuple[ListingSchedule, ...]
    amounts: Amounts
    fiscal: FiscalRollUp
    complete: bool  # payment date known (ISO 15022 processing status complete/incomplete)
    confirmed: bool  # not awaiting AGM approval (confirmed/unconfirmed)
    warnings: tuple[Reason, ...]


_ONE: Final = Decimal(1)


def _check_number(
    value: Decimal, field: str, reasons: list[Reason], *, positive_code: ReasonCode
) -> None:
    """Finite and > 0 (else `positive_code`), then within the precision bounds."""
    if not value.is_finite() or value <= 0:
        reasons.append(Reason(positive_code, field, f"must be greater than zero, got {value}"))
        return
    _check_precision(value, field, reasons)


def _check_precision(value: Decimal, field: str, reasons: list[Reason]) -> None:
    decimals = decimals_as_written(value)
    if decimals > MAX_RATE_DECIMALS:
        reasons.append(
            Reason(
                ReasonCode.TOO_MANY_DECIMALS,
                field,
                f"{decimals} decimal places; at most {MAX_RATE_DECIMALS} "
                "(ISO 20022 ActiveCurrencyAnd13DecimalAmount)",
            )
        )
    elif integer_digits(value) + decimals > MAX_TOTAL_DIGITS:
        reasons.append(
            Reason(
                ReasonCode.TOO_MANY_DIGITS,
                field,
                f"more than {MAX_TOTAL_DIGITS} digits (ISO 20022 totalDigits)",
            )
        )


def _is_power_of_ten(n: int) -> bool:
    while n >= 10 and n % 10 == 0:
        n //= 10
    return n == 1


def _listing_dates(
    listing: Listing, field: str, record_date: dt.date, reasons: list[Reason]
) -> tuple[CalendarIndex, ExDates] | None:
    try:
        index = calendar_index(listing.mic)
    except UnknownMic:
        reasons.append(
            Reason(ReasonCode.UNKNOWN_MIC, field, f"no exchange calendar for MIC {listing.mic!r}")
        )
        return None
    except UnsupportedMic:
        reasons.append(
            Reason(
                ReasonCode.UNSUPPORTED_MIC,
                field,
                f"no settlement-cycle history held for MIC {listing.mic!r}",
            )
        )
        return None
    try:
        return index, ex_dates(index, record_date)
    except OutOfCalendarRange:
        reasons.append(
            Reason(
                ReasonCode.RECORD_DATE_OUT_OF_CALENDAR_RANGE,
                "record_date",
                f"{record_date.isoformat()} needs {listing.mic} sessions outside the "
                f"calendar built for {CALENDAR_START.isoformat()}..{CALENDAR_END.isoformat()}",
            )
        )
        return None


def schedule_dividend(
    inp: DividendInput, history: DividendHistory | None = None
) -> DividendSchedule:
    """Validate `inp` and compute its schedule; raise DomainRejected with every reason."""
    reasons: list[Reason] = []
    warnings: list[Reason] = []
    rate = inp.gross_amount_per_share

    if inp.currency not in MINOR_UNITS:
        reasons.append(
            Reason(
                ReasonCode.UNKNOWN_CURRENCY,
                "currency",
                f"{inp.currency!r} is not an ISO 4217 currency this service supports",
            )
        )
    _check_number(
        rate, "gross_amount_per_share", reasons, positive_code=ReasonCode.NON_POSITIVE_RATE
    )

    if inp.payment_date is not None:
        if inp.payment_date < inp.record_date:
            reasons.append(
                Reason(
                    ReasonCode.PAYMENT_BEFORE_RECORD,
                    "payment_date",
                    f"payment {inp.payment_date.isoformat()} is before record date "
                    f"{inp.record_date.isoformat()}",
                )
            )
        if inp.payment_date < inp.resolved_on:
            reasons.append(
                Reason(
                    ReasonCode.PAYMENT_BEFORE_RESOLUTION,
                    "payment_date",
                    f"payment {inp.payment_date.isoformat()} is before the resolution of "
                    f"{inp.resolved_on.isoformat()}",
                )
            )
    # An announcement after the record date is valid: Japanese interim dividends are
    # resolved weeks after it (IIJ: record 2016-09-30, resolved 2016-11-04).

    if inp.eligible_shares is not None and inp.eligible_shares < 0:
        reasons.append(
            Reason(ReasonCode.NON_POSITIVE_AMOUNT, "eligible_shares", "must not be negative")
        )
    declared = inp.declared_total
    if declared is not None:
        if not declared.amount.is_finite() or declared.amount < 0:
            reasons.append(
                Reason(
                    ReasonCode.NON_POSITIVE_AMOUNT, "declared_total.amount", "must not be negative"
                )
            )
        else:
            _check_precision(declared.amount, "declared_total.amount", reasons)
        if not _is_power_of_ten(declared.unit):
            reasons.append(
                Reason(
                    ReasonCode.INVALID_DECLARED_UNIT,
                    "declared_total.unit",
                    f"unit {declared.unit} is not a power of ten (1, 1000, 1000000, ...)",
                )
            )
    if inp.forecast is not None:
        if not inp.forecast.amount_per_share.is_finite() or inp.forecast.amount_per_share < 0:
            reasons.append(
                Reason(
                    ReasonCode.NON_POSITIVE_AMOUNT,
                    "forecast_per_share.amount",
                    "must not be negative",
                )
            )
        else:
            _check_precision(inp.forecast.amount_per_share, "forecast_per_share.amount", reasons)

    primary = _listing_dates(inp.primary, "security.mic", inp.record_date, reasons)
    others: list[tuple[Listing, tuple[CalendarIndex, ExDates] | None]] = []
    seen = {(inp.primary.mic, inp.primary.symbol)}
    for n, listing in enumerate(inp.other_listings):
        _check_number(
            listing.shares_per_unit,
            f"other_listings.{n}.shares_per_unit",
            reasons,
            positive_code=ReasonCode.NON_POSITIVE_AMOUNT,
        )
        if (listing.mic, listing.symbol) in seen:
            reasons.append(
                Reason(
                    ReasonCode.DUPLICATE_LISTING,
                    f"other_listings.{n}",
                    f"{listing.mic} {listing.symbol} is listed twice",
                )
            )
        seen.add((listing.mic, listing.symbol))
        others.append(
            (listing, _listing_dates(listing, f"other_listings.{n}.mic", inp.record_date, reasons))
        )

    if reasons:
        raise DomainRejected(reasons)
    assert primary is not None  # no reasons, so every listing was resolved

    # --- From here every input is valid: compute. ---
    fye = inp.fiscal_year_end
    if not one_year_earlier(fye) < inp.record_date <= fye:
        warnings.append(
            Reason(
                ReasonCode.RECORD_DATE_OUTSIDE_FISCAL_YEAR,
                "record_date",
                f"record date {inp.record_date.isoformat()} is outside the fiscal year "
                f"ending {fye.isoformat()}",
            )
        )
    index = primary[0]
    if (
        inp.payment_date is not None
        and inp.payment_date <= CALENDAR_END
        and not index.is_session(inp.payment_date)
    ):
        warnings.append(
            Reason(
                ReasonCode.PAYMENT_DATE_NOT_A_SESSION,
                "payment_date",
                f"{inp.payment_date.isoformat()} is not a {index.mic} session",
            )
        )

    total: TotalAmount | None = None
    if inp.eligible_shares is not None:
        total = TotalAmount(
            amount=total_amount(rate, inp.eligible_shares, inp.currency, TOTAL_ROUNDING),
            currency=inp.currency,
            rounding=TOTAL_ROUNDING,
            eligible_shares=inp.eligible_shares,
        )
    rng: DeclaredRange | None = None
    consistency = Consistency.NOT_CHECKED
    if declared is not None:
        rng = declared_range(rate, declared, inp.currency, TOTAL_ROUNDING)
        if not rng.reachable:
            warnings.append(
                Reason(
                    ReasonCode.DECLARED_TOTAL_UNREACHABLE,
                    "declared_total",
                    f"no whole number of shares at {rate} gives a total that prints as "
                    f"{declared.amount} x {declared.unit} ({declared.rounding.value})",
                )
            )
        if inp.eligible_shares is not None:
            if rng.contains(inp.eligible_shares):
                consistency = Consistency.CONSISTENT
            else:
                consistency = Consistency.INCONSISTENT
                warnings.append(
                    Reason(
                        ReasonCode.DECLARED_TOTAL_INCONSISTENT,
                        "eligible_shares",
                        f"{inp.eligible_shares} is outside {rng.eligible_shares_min}.."
                        f"{rng.eligible_shares_max}, the range the declared total implies",
                    )
                )

    fiscal, other_currency = roll_up(
        event_id=inp.event_id,
        dividend_type=inp.dividend_type,
        fiscal_year_end=fye,
        record_date=inp.record_date,
        amount_per_share=rate,
        currency=inp.currency,
        forecast=inp.forecast,
        history=history,
    )
    if other_currency:
        warnings.append(
            Reason(
                ReasonCode.HISTORY_CURRENCY_MISMATCH,
                "currency",
                f"history entries not in {inp.currency} were left out of the roll-up",
            )
        )

    return DividendSchedule(
        event_type=(
            EventType.CAPD
            if inp.source_of_funds is SourceOfFunds.CAPITAL_SURPLUS
            else EventType.DVCA
        ),
        primary=_listing_schedule(ListingRole.PRIMARY, inp, inp.primary, primary[1]),
        other_listings=tuple(
            _listing_schedule(ListingRole.OTHER, inp, listing, dates[1])
            for listing, dates in others
            if dates is not None
        ),
        amounts=Amounts(
            total=total, declared_total=declared, declared_range=rng, consistency=consistency
        ),
        fiscal=fiscal,
        complete=inp.payment_date is not None,
        confirmed=not inp.subject_to_approval,
        warnings=tuple(warnings),
    )


def _listing_schedule(
    role: ListingRole, inp: DividendInput, listing: Listing, dates: ExDates
) -> ListingSchedule:
    spu = listing.shares_per_unit
    return ListingSchedule(
        role=role,
        mic=listing.mic,
        symbol=listing.symbol,
        shares_per_unit=spu,
        gross_amount_per_unit=(
            inp.gross_amount_per_share
            if spu == _ONE
            else EXACT.multiply(inp.gross_amount_per_share, spu)
        ),
        record_date=inp.record_date,
        payment_date=inp.payment_date,
        last_cum_date=dates.last_cum_date,
        ex_date=dates.ex_date,
        settlement_cycle=dates.settlement_cycle,
        last_cum_settles_on=dates.last_cum_settles_on,
        ex_date_settles_on=dates.ex_date_settles_on,
    )
