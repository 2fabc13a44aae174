"""The core: a board-resolved cash dividend in, its schedule out (or the reasons not).

`schedule_dividend` is a pure function of its arguments: no clock, no I/O, no state
beyond caches of derived data (per-MIC session indexes and their ex-dates, see
calendars.py). Every reason is collected before rejecting, so a publisher sees all
problems at once.

Value objects here are NamedTuples: immutable like frozen dataclasses but about 2.5x
cheaper to build (measured: 0.9 vs 2.1 us for 12 fields), which matters at the
100,000 resolutions/s the service is sized for.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_DOWN, Decimal
from enum import StrEnum
from typing import Final, NamedTuple

from corpactions.domain.amounts import (
    TOTAL_ROUNDING,
    Consistency,
    DeclaredRange,
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
from corpactions.domain.exdates import (
    ExDates,
    OutOfCalendarRange,
    ex_dates,
    ex_dates_after_payment,
)
from corpactions.domain.fiscal import DividendHistory, FiscalRollUp, one_year_earlier, roll_up
from corpactions.domain.inputs import (
    DeclaredTotalLike,
    ListingLike,
    PriceLike,
    ResolutionLike,
    SourceOfFunds,
)
from corpactions.domain.money import (
    EXACT,
    MAX_RATE_DECIMALS,
    MAX_TOTAL_DIGITS,
    MINOR_UNITS,
    QUANTIZE,
    Rounding,
)
from corpactions.domain.reasons import DomainRejected, Reason, ReasonCode
from corpactions.domain.settlement import EX_AFTER_PAYMENT_WHEN_LARGE, LARGE_DISTRIBUTION_SHARE


class EventType(StrEnum):
    """ISO 15022 :22F::CAEV: cash dividend, or capital distribution when paid from capital."""

    DVCA = "DVCA"
    CAPD = "CAPD"


class ListingRole(StrEnum):
    PRIMARY = "primary"
    OTHER = "other"


class ListingSchedule(NamedTuple):
    role: ListingRole
    mic: str
    symbol: str | None
    shares_per_unit: Decimal
    gross_amount_per_unit: Decimal  # rate x shares_per_unit (exact), in the declared currency
    dates: ExDates  # last cum day, ex-date and their settlement dates on this market


class TotalAmount(NamedTuple):
    amount: Decimal
    currency: str
    rounding: Rounding
    eligible_shares: int


class Amounts(NamedTuple):
    total: TotalAmount | None
    declared_total: DeclaredTotalLike | None
    declared_range: DeclaredRange | None
    consistency: Consistency


class DividendSchedule(NamedTuple):
    event_type: EventType
    primary: ListingSchedule
    other_listings: tuple[ListingSchedule, ...]
    amounts: Amounts
    fiscal: FiscalRollUp
    complete: bool  # payment date known (ISO 15022 processing status complete/incomplete)
    confirmed: bool  # not awaiting AGM approval (confirmed/unconfirmed)
    warnings: tuple[Reason, ...]


_ONE: Final = Decimal(1)
_ZERO: Final = Decimal(0)
_CAPITAL_SURPLUS: Final = SourceOfFunds.CAPITAL_SURPLUS


def _precision(value: Decimal, field: str, reasons: list[Reason], n: int = 0) -> None:
    """At most 13 decimals as written and 18 digits in all (ISO 20022 amount types).

    `field` may hold "{n}", filled in only when a reason is reported (keeps the
    valid path free of string formatting).
    """
    _, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int), "callers check is_finite() first"
    decimals = -exponent if exponent < 0 else 0
    if decimals > MAX_RATE_DECIMALS:
        reasons.append(
            Reason(
                ReasonCode.TOO_MANY_DECIMALS,
                field.format(n=n),
                f"{decimals} decimal places; at most {MAX_RATE_DECIMALS} "
                "(ISO 20022 ActiveCurrencyAnd13DecimalAmount)",
            )
        )
    elif max(len(digits) + exponent, 0) + decimals > MAX_TOTAL_DIGITS:
        reasons.append(
            Reason(
                ReasonCode.TOO_MANY_DIGITS,
                field.format(n=n),
                f"more than {MAX_TOTAL_DIGITS} digits (ISO 20022 totalDigits)",
            )
        )


def _positive(value: Decimal, field: str, code: ReasonCode, reasons: list[Reason]) -> None:
    if value.is_finite() and value > _ZERO:
        _precision(value, field, reasons)
    else:
        reasons.append(Reason(code, field, f"must be greater than zero, got {value}"))


def _not_negative(value: Decimal, field: str, reasons: list[Reason]) -> None:
    if value.is_finite() and value >= _ZERO:
        _precision(value, field, reasons)
    else:
        reasons.append(Reason(ReasonCode.NON_POSITIVE_AMOUNT, field, "must not be negative"))


def _is_power_of_ten(n: int) -> bool:
    while n >= 10 and n % 10 == 0:
        n //= 10
    return n == 1


def _dates_on(
    mic: str, field: str, record_date: dt.date, reasons: list[Reason], n: int = 0
) -> tuple[CalendarIndex, ExDates] | None:
    """Last cum day and ex-date on `mic`; `field` may hold "{n}" (see _precision)."""
    try:
        index = calendar_index(mic)
    except UnknownMic:
        reasons.append(
            Reason(
                ReasonCode.UNKNOWN_MIC, field.format(n=n), f"no exchange calendar for MIC {mic!r}"
            )
        )
        return None
    except UnsupportedMic:
        reasons.append(
            Reason(
                ReasonCode.UNSUPPORTED_MIC,
                field.format(n=n),
                f"no settlement-cycle history held for MIC {mic!r}",
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
                f"{record_date.isoformat()} needs {mic} sessions outside the calendar "
                f"built for {CALENDAR_START.isoformat()}..{CALENDAR_END.isoformat()}",
            )
        )
        return None


def _is_large(rate: Decimal, price: PriceLike | None, reasons: list[Reason]) -> bool:
    """Is the distribution 25% or more of the reference price (FINRA Rule 11140(b)(2))?"""
    if price is None:
        return False
    amount = price.amount
    _positive(amount, "reference_price.amount", ReasonCode.NON_POSITIVE_AMOUNT, reasons)
    if not (amount.is_finite() and amount > _ZERO and rate.is_finite()):
        return False
    return rate * LARGE_DISTRIBUTION_SHARE >= amount  # exact: both have <= 18 digits


def _after_payment(
    listings: list[tuple[str, CalendarIndex, ExDates]],
    payment: dt.date | None,
    reasons: list[Reason],
) -> list[ExDates]:
    """Each listing's dates under the large-distribution rule where it governs (US
    markets: ex on the first session after payment), else as given."""
    out = []
    for mic, index, dates in listings:
        if mic in EX_AFTER_PAYMENT_WHEN_LARGE:
            if payment is None:
                reasons.append(
                    Reason(
                        ReasonCode.LARGE_DISTRIBUTION_WITHOUT_PAYMENT_DATE,
                        "payment_date",
                        f"a distribution of 25% or more of the reference price goes ex on "
                        f"{mic} the business day after payment (FINRA Rule 11140(b)(2)): "
                        "the payment date is needed to schedule it",
                    )
                )
                return []
            try:
                dates = ex_dates_after_payment(index, payment)
            except OutOfCalendarRange:
                reasons.append(
                    Reason(
                        ReasonCode.PAYMENT_DATE_OUT_OF_CALENDAR_RANGE,
                        "payment_date",
                        f"{payment.isoformat()} needs {mic} sessions outside the calendar "
                        f"built for {CALENDAR_START.isoformat()}..{CALENDAR_END.isoformat()}",
                    )
                )
                return []
        out.append(dates)
    return out


def _check_dates(res: ResolutionLike, reasons: list[Reason]) -> None:
    payment = res.payment_date
    if payment is None:
        return
    if payment < res.record_date:
        reasons.append(
            Reason(
                ReasonCode.PAYMENT_BEFORE_RECORD,
                "payment_date",
                f"payment {payment.isoformat()} is before record date "
                f"{res.record_date.isoformat()}",
            )
        )
    if payment < res.resolved_on:
        reasons.append(
            Reason(
                ReasonCode.PAYMENT_BEFORE_RESOLUTION,
                "payment_date",
                f"payment {payment.isoformat()} is before the resolution of "
                f"{res.resolved_on.isoformat()}",
            )
        )
    # No check of the resolution against the record or ex-date: an announcement after
    # the record date is valid (IIJ's FY2016 interim: record 2016-09-30, resolved
    # 2016-11-04), as is usual for Japanese interim dividends.


def schedule_dividend(
    res: ResolutionLike, history: DividendHistory | None = None
) -> DividendSchedule:
    """Validate `res` and compute its schedule; raise DomainRejected with every reason.

    `history`: this security's earlier dividends and forecasts (an input value; the
    service keeps it), used only for the fiscal roll-up.
    """
    reasons: list[Reason] = []
    rate = res.gross_amount_per_share
    currency = res.currency
    record_date = res.record_date

    if currency not in MINOR_UNITS:
        reasons.append(
            Reason(
                ReasonCode.UNKNOWN_CURRENCY,
                "currency",
                f"{currency!r} is not an ISO 4217 currency this service supports",
            )
        )
    _positive(rate, "gross_amount_per_share", ReasonCode.NON_POSITIVE_RATE, reasons)
    _check_dates(res, reasons)
    shares = res.eligible_shares
    if shares is not None and shares < 0:
        reasons.append(
            Reason(ReasonCode.NON_POSITIVE_AMOUNT, "eligible_shares", "must not be negative")
        )
    declared = res.declared_total
    if declared is not None:
        _not_negative(declared.amount, "declared_total.amount", reasons)
        if not _is_power_of_ten(declared.unit):
            reasons.append(
                Reason(
                    ReasonCode.INVALID_DECLARED_UNIT,
                    "declared_total.unit",
                    f"unit {declared.unit} is not a power of ten (1, 1000, 1000000, ...)",
                )
            )
    forecast = res.forecast_per_share
    if forecast is not None:
        _not_negative(forecast.amount, "forecast_per_share.amount", reasons)

    large = _is_large(rate, res.reference_price, reasons)
    security = res.security
    primary = _dates_on(security.mic, "security.mic", record_date, reasons)
    others: list[tuple[ListingLike, CalendarIndex, ExDates]] = []
    if res.other_listings:
        seen = {(security.mic, security.local_code)}
        for n, listing in enumerate(res.other_listings):
            spu = listing.shares_per_unit
            if not (spu.is_finite() and spu > _ZERO):
                reasons.append(
                    Reason(
                        ReasonCode.NON_POSITIVE_AMOUNT,
                        f"other_listings.{n}.shares_per_unit",
                        f"must be greater than zero, got {spu}",
                    )
                )
            else:
                _precision(spu, "other_listings.{n}.shares_per_unit", reasons, n)
            key = (listing.mic, listing.symbol)
            if key in seen:
                reasons.append(
                    Reason(
                        ReasonCode.DUPLICATE_LISTING,
                        f"other_listings.{n}",
                        f"{listing.mic} {listing.symbol} is listed twice",
                    )
                )
            seen.add(key)
            found = _dates_on(listing.mic, "other_listings.{n}.mic", record_date, reasons, n)
            if found is not None:
                others.append((listing, *found))

    primary_dates = primary[1] if primary is not None else None
    large_on: list[str] = []
    if large and primary is not None:
        listed = [(security.mic, *primary), *((o.mic, i, d) for o, i, d in others)]
        moved = _after_payment(listed, res.payment_date, reasons)
        if moved:
            primary_dates = moved[0]
            others = [(o, i, d) for (o, i, _), d in zip(others, moved[1:], strict=True)]
            large_on = [mic for mic, _, _ in listed if mic in EX_AFTER_PAYMENT_WHEN_LARGE]

    if reasons or primary is None or primary_dates is None:
        raise DomainRejected(reasons)

    # --- Every input is valid from here on: compute. ---
    warnings: list[Reason] = []
    fye = res.fiscal_year_end
    # Inside the fiscal year: one_year_earlier(fye) < record <= fye. That span is 365
    # or 366 days, so only a distance of exactly 365 days needs the calendar roll.
    days_before_end = fye.toordinal() - record_date.toordinal()
    if not (
        0 <= days_before_end < 365
        or (days_before_end == 365 and one_year_earlier(fye) < record_date)
    ):
        warnings.append(
            Reason(
                ReasonCode.RECORD_DATE_OUTSIDE_FISCAL_YEAR,
                "record_date",
                f"record date {record_date.isoformat()} is outside the fiscal year "
                f"ending {fye.isoformat()}",
            )
        )
    index = primary[0]
    payment = res.payment_date
    if large_on:
        price = res.reference_price
        assert price is not None and payment is not None
        warnings.append(
            Reason(
                ReasonCode.EX_DATE_AFTER_PAYMENT,
                "reference_price",
                f"{rate} is 25% or more of the reference price {price.amount} "
                f"({price.priced_on.isoformat()}): on {', '.join(sorted(set(large_on)))} it "
                f"goes ex on the first business day after payment {payment.isoformat()} "
                "(FINRA Rule 11140(b)(2)); trades until then carry due bills",
            )
        )
    if payment is not None and payment <= CALENDAR_END and not index.is_session(payment):
        warnings.append(
            Reason(
                ReasonCode.PAYMENT_DATE_NOT_A_SESSION,
                "payment_date",
                f"{payment.isoformat()} is not a {index.mic} session",
            )
        )

    total: TotalAmount | None = None
    if shares is not None:
        total = TotalAmount(
            total_amount(rate, shares, currency, TOTAL_ROUNDING),
            currency,
            TOTAL_ROUNDING,
            shares,
        )
    rng: DeclaredRange | None = None
    consistency = Consistency.NOT_CHECKED
    if declared is not None:
        rng = declared_range(rate, declared, currency, TOTAL_ROUNDING)
        if rng.eligible_shares_min > rng.eligible_shares_max:
            warnings.append(
                Reason(
                    ReasonCode.DECLARED_TOTAL_UNREACHABLE,
                    "declared_total",
                    f"no whole number of shares at {rate} gives a total that prints as "
                    f"{declared.amount} x {declared.unit} ({declared.rounding})",
                )
            )
        if shares is not None:
            if rng.eligible_shares_min <= shares <= rng.eligible_shares_max:
                consistency = Consistency.CONSISTENT
            else:
                consistency = Consistency.INCONSISTENT
                warnings.append(
                    Reason(
                        ReasonCode.DECLARED_TOTAL_INCONSISTENT,
                        "eligible_shares",
                        f"{shares} is outside {rng.eligible_shares_min}.."
                        f"{rng.eligible_shares_max}, the range the declared total implies",
                    )
                )

    fiscal, other_currency = roll_up(
        event_id=res.event_id,
        dividend_type=res.dividend_type,
        fiscal_year_end=fye,
        record_date=record_date,
        amount_per_share=rate,
        currency=currency,
        forecast=forecast,
        history=history,
    )
    if other_currency:
        warnings.append(
            Reason(
                ReasonCode.HISTORY_CURRENCY_MISMATCH,
                "currency",
                f"history entries not in {currency} were left out of the roll-up",
            )
        )

    return DividendSchedule(
        EventType.CAPD if res.source_of_funds == _CAPITAL_SURPLUS else EventType.DVCA,
        ListingSchedule(
            ListingRole.PRIMARY, security.mic, security.local_code, _ONE, rate, primary_dates
        ),
        tuple(
            ListingSchedule(
                ListingRole.OTHER,
                listing.mic,
                listing.symbol,
                listing.shares_per_unit,
                per_unit(rate, listing.shares_per_unit),
                dates,
            )
            for listing, _, dates in others
        ),
        Amounts(total, declared, rng, consistency),
        fiscal,
        payment is not None,
        not res.subject_to_approval,
        tuple(warnings),
    )


def per_unit(rate: Decimal, shares_per_unit: Decimal) -> Decimal:
    """Rate per traded unit: rate x shares_per_unit, exact. Trailing zeros beyond the
    rate's own decimals are dropped (JPY 13.50 x 0.5 = 6.75, not 6.750); digits never are.
    """
    product = EXACT.multiply(rate, shares_per_unit)
    rate_exponent = rate.as_tuple().exponent
    product_exponent = product.as_tuple().exponent
    assert isinstance(rate_exponent, int) and isinstance(product_exponent, int)
    # Coarsest exponent first; ROUND_DOWN is only tried, kept when nothing was dropped.
    for exponent in range(rate_exponent, product_exponent, -1):
        coarser = product.quantize(_ONE.scaleb(exponent), rounding=ROUND_DOWN, context=QUANTIZE)
        if coarser == product:
            return coarser
    return product
