"""The core: a board-resolved cash dividend in, its schedule out (or the reasons not).

`schedule_dividend` is a pure function of its arguments: no clock, no I/O, no state
beyond caches of derived data (per-MIC session indexes, calendars.py, and their
ex-dates, exdates.py). Every reason is collected before rejecting, so a publisher sees
all problems at once.

Value objects here are NamedTuples: immutable like frozen dataclasses but cheaper to
build, and `schedule_dividend` runs once per resolution (tests/bench/bench_core.py
measures it). For the same reason its steps are plain functions appending to one list
of reasons, and a message is formatted only when a reason is reported.
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
from corpactions.domain.calendars import CalendarIndex, calendar_index
from corpactions.domain.exdates import (
    ExDates,
    OutOfCalendarRange,
    ex_dates,
    ex_dates_after_payment,
)
from corpactions.domain.fiscal import (
    DividendHistory,
    DividendType,
    FiscalRollUp,
    one_year_earlier,
    roll_up,
)
from corpactions.domain.inputs import (
    BookClosureLike,
    DeclaredTotalLike,
    ListingLike,
    PriceLike,
    ResolutionLike,
    SourceOfFunds,
)
from corpactions.domain.markets import Market, UnknownMic, UnsupportedMic
from corpactions.domain.money import (
    EXACT,
    MAX_RATE_DECIMALS,
    MAX_TOTAL_DIGITS,
    MINOR_UNITS,
    QUANTIZE,
    Rounding,
    decimals_as_written,
    plain,
)
from corpactions.domain.reasons import (
    BOOK_CLOSURE_REVERSED,
    BOOK_CLOSURE_WITHOUT_RECORD_DATE,
    DECLARED_TOTAL_INCONSISTENT,
    DECLARED_TOTAL_UNREACHABLE,
    DERIVED_AMOUNT_OUT_OF_RANGE,
    DERIVED_AMOUNT_ROUNDED,
    DUPLICATE_LISTING,
    EX_DATE_AFTER_PAYMENT,
    EX_DATE_BEFORE_ANNOUNCEMENT,
    HISTORY_CURRENCY_MISMATCH,
    INVALID_DECLARED_UNIT,
    LARGE_DISTRIBUTION_WITHOUT_PAYMENT_DATE,
    LATE_ANNOUNCEMENT,
    NEGATIVE_AMOUNT,
    NON_POSITIVE_AMOUNT,
    NON_POSITIVE_RATE,
    PAYMENT_BEFORE_RECORD,
    PAYMENT_BEFORE_RESOLUTION,
    PAYMENT_DATE_BEYOND_CALENDAR,
    PAYMENT_DATE_NOT_A_SESSION,
    PAYMENT_DATE_OUT_OF_CALENDAR_RANGE,
    PENCE_CURRENCY,
    RECORD_DATE_BEYOND_CALENDAR,
    RECORD_DATE_NOT_IN_USE,
    RECORD_DATE_NOT_IN_USE_LISTING,
    RECORD_DATE_OUT_OF_CALENDAR_RANGE,
    RECORD_DATE_OUTSIDE_FISCAL_YEAR,
    TOO_MANY_DECIMALS,
    TOO_MANY_DIGITS,
    UNKNOWN_CURRENCY,
    UNKNOWN_MIC,
    UNSUPPORTED_MIC,
    UNSUPPORTED_MIC_EXCLUDED,
    UNSUPPORTED_MIC_LISTING,
    DomainRejected,
    Message,
    Reason,
)


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
    # rate x shares_per_unit, in the declared currency: exact, or truncated to 13 decimals
    # (with the warning derived_amount_rounded)
    gross_amount_per_unit: Decimal
    # last cum day, ex-date and their settlement dates on this market; None on a market
    # whose settlement history is not held (an other listing only, warned unsupported_mic)
    dates: ExDates | None
    warnings: tuple[Reason, ...] = ()  # findings about this listing (also in the schedule's)
    # this listing's register: its record date, and the book closure its dates count from
    # (the last registration date, the business day before it); None: the resolution's
    # record date, no closure
    record_date: dt.date | None = None
    book_closure: BookClosureLike | None = None


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

    @property
    def ex_date(self) -> dt.date:
        """The primary listing's ex-date: always known (a primary listing on a market whose
        settlement history is not held is rejected, unlike an other listing)."""
        dates = self.primary.dates
        assert dates is not None
        return dates.ex_date


_ONE: Final = Decimal(1)
_ONE_DAY: Final = dt.timedelta(days=1)
_ZERO: Final = Decimal(0)
_CAPITAL_SURPLUS: Final = SourceOfFunds.CAPITAL_SURPLUS


class _Other(NamedTuple):
    """An other listing with its market's index and dates there (None: not held), its
    rate per unit, what was found about it, and its register's record date and closure."""

    listing: ListingLike
    calendar: CalendarIndex | None
    dates: ExDates | None
    unit_rate: Decimal
    warnings: tuple[Reason, ...]
    record_date: dt.date
    book_closure: BookClosureLike | None


def schedule_dividend(
    res: ResolutionLike, history: DividendHistory | None = None
) -> DividendSchedule:
    """Validate `res` and compute its schedule; raise DomainRejected with every reason.

    `history`: this security's earlier dividends and forecasts (an input value; the
    service keeps it), used only for the fiscal roll-up.
    """
    reasons: list[Reason] = []
    _check_values(res, reasons)
    listings = _listing_dates(res, reasons)
    if reasons or listings is None:
        raise DomainRejected(reasons)

    # --- Every input is valid from here on: compute. ---
    index, primary_dates, others, large_on = listings
    warnings: list[Reason] = []
    _warn_on_dates(res, index, primary_dates, large_on, warnings)
    for other in others:
        warnings.extend(other.warnings)
    amounts = _amounts(res, warnings)
    fiscal = _fiscal(res, history, warnings)
    rate = res.gross_amount_per_share
    security = res.security
    return DividendSchedule(
        EventType.CAPD if res.source_of_funds == _CAPITAL_SURPLUS else EventType.DVCA,
        ListingSchedule(
            ListingRole.PRIMARY,
            security.mic,
            security.local_code,
            _ONE,
            rate,
            primary_dates,
            record_date=res.record_date,
            book_closure=res.book_closure,
        ),
        tuple(
            ListingSchedule(
                ListingRole.OTHER,
                o.listing.mic,
                o.listing.symbol,
                o.listing.shares_per_unit,
                o.unit_rate,
                o.dates,
                o.warnings,
                o.record_date,
                o.book_closure,
            )
            for o in others
        ),
        amounts,
        fiscal,
        res.payment_date is not None,
        not res.subject_to_approval,
        tuple(warnings),
    )


# --- Rejections: each check appends what it finds and carries on. ---


def _check_values(res: ResolutionLike, reasons: list[Reason]) -> None:
    """The resolution's own values: currency, rate, dates, share count, declared total
    and forecast (the listings are checked against their markets in _listing_dates)."""
    currency = res.currency
    if currency not in MINOR_UNITS:
        unknown = PENCE_CURRENCY if currency == "GBX" else UNKNOWN_CURRENCY
        reasons.append(unknown.at("currency", currency=currency))
    _positive(res.gross_amount_per_share, "gross_amount_per_share", NON_POSITIVE_RATE, reasons)
    _check_dates(res, reasons)
    minor = MINOR_UNITS.get(currency)
    shares = res.eligible_shares
    if shares is not None and shares < 0:
        reasons.append(NEGATIVE_AMOUNT.at("eligible_shares"))
    elif shares is not None and minor is not None:
        _check_total(res.gross_amount_per_share, shares, minor, reasons)
    declared = res.declared_total
    if declared is not None:
        _not_negative(declared.amount, "declared_total.amount", reasons)
        if not _is_power_of_ten(declared.unit):
            reasons.append(INVALID_DECLARED_UNIT.at("declared_total.unit", unit=declared.unit))
        elif minor is not None and _usable(declared.amount):
            # amount x 10^k: k more integer digits than the amount has
            digits = max(declared.amount.adjusted() + 1, 0) + len(str(declared.unit)) - 1
            if digits + minor > MAX_TOTAL_DIGITS:
                reasons.append(
                    _out_of_range(
                        "declared_total.unit",
                        "declared total",
                        f"{plain(declared.amount)} x {declared.unit}",
                    )
                )
    forecast = res.forecast_per_share
    if forecast is not None:
        _not_negative(forecast.amount, "forecast_per_share.amount", reasons)


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
            TOO_MANY_DECIMALS.at(field.format(n=n), decimals=decimals, limit=MAX_RATE_DECIMALS)
        )
    elif max(len(digits) + exponent, 0) + decimals > MAX_TOTAL_DIGITS:
        reasons.append(TOO_MANY_DIGITS.at(field.format(n=n), limit=MAX_TOTAL_DIGITS))


def _positive(
    value: Decimal, field: str, message: Message, reasons: list[Reason], n: int = 0
) -> None:
    """`value` > 0 and within the precision bounds; `field` may hold "{n}" (see _precision)."""
    if value.is_finite() and value > _ZERO:
        _precision(value, field, reasons, n)
    else:
        reasons.append(message.at(field.format(n=n), value=value))


def _not_negative(value: Decimal, field: str, reasons: list[Reason]) -> None:
    if value.is_finite() and value >= _ZERO:
        _precision(value, field, reasons)
    else:
        reasons.append(NEGATIVE_AMOUNT.at(field))


def _usable(value: Decimal) -> bool:
    """Finite, positive and within 18 integer digits: a value whose derived amounts are
    worth bounding (any other is rejected by its own check)."""
    return value.is_finite() and value > _ZERO and value.adjusted() < MAX_TOTAL_DIGITS


def _check_total(rate: Decimal, shares: int, minor: int, reasons: list[Reason]) -> None:
    """rate x shares, at the currency's `minor` places, has at most 18 digits (ISO 20022
    totalDigits, as the inputs). The places are fixed, so no quantizing brings a longer
    one within: rejected. Integer arithmetic, so a share count of any size is exact."""
    # The integer part has at most (rate's integer digits + the count's digits) digits and
    # at least one fewer: only near the bound is the exact product needed.
    if not _usable(rate):
        return
    digits = max(rate.adjusted() + 1, 0) + len(str(shares))
    if digits + minor <= MAX_TOTAL_DIGITS:
        return
    p, q = rate.as_integer_ratio()
    whole = p * shares // q
    if (len(str(whole)) if whole else 0) + minor > MAX_TOTAL_DIGITS:
        reasons.append(_out_of_range("eligible_shares", "total", f"{plain(rate)} x {shares}"))


def _out_of_range(field: str, what: str, amount: str) -> Reason:
    return DERIVED_AMOUNT_OUT_OF_RANGE.at(field, what=what, amount=amount, limit=MAX_TOTAL_DIGITS)


def _is_power_of_ten(n: int) -> bool:
    while n >= 10 and n % 10 == 0:
        n //= 10
    return n == 1


def _check_dates(res: ResolutionLike, reasons: list[Reason]) -> None:
    payment = res.payment_date
    if payment is None:
        return
    if payment < res.record_date:
        reasons.append(
            PAYMENT_BEFORE_RECORD.at("payment_date", payment=payment, record_date=res.record_date)
        )
    if payment < res.resolved_on:
        reasons.append(
            PAYMENT_BEFORE_RESOLUTION.at(
                "payment_date", payment=payment, resolved_on=res.resolved_on
            )
        )
    # No check of the resolution against the record or ex-date: an announcement after
    # the record date is valid (IIJ's FY2016 interim: record 2016-09-30, resolved
    # 2016-11-04), as is usual for Japanese interim dividends.


def _listing_dates(
    res: ResolutionLike, reasons: list[Reason]
) -> tuple[CalendarIndex, ExDates, list[_Other], list[str]] | None:
    """The primary listing's index and dates, the other listings with theirs, and the
    MICs where a large distribution goes ex after payment; None without a primary.

    Dates follow the settlement cycle, except that a distribution of 25% or more of the
    reference price goes ex after payment where that rule governs.
    """
    price = _reference_price(res.gross_amount_per_share, res.reference_price, reasons)
    security = res.security
    closure = res.book_closure
    register = _register_date(res.record_date, closure, "book_closure", reasons)
    primary = (
        None
        if register is None
        else _dates_on(security.mic, "security.mic", res.record_date, register, reasons)
    )
    others = _other_listings(res, reasons) if res.other_listings else []
    if primary is None:
        return None
    index, primary_dates = primary
    large_on: list[str] = []
    if price is not None:
        rate = res.gross_amount_per_share
        listed = [
            (security.mic, index, primary_dates),
            *((o.listing.mic, o.calendar, o.dates) for o in others),
        ]
        moved = _after_payment(listed, rate, price, res.payment_date, reasons)
        if moved:
            primary_dates = moved[0][1] or primary_dates
            others = [o._replace(dates=d) for o, (_, d) in zip(others, moved[1:], strict=True)]
            large_on = [mic for mic, _ in moved if mic]
    return index, primary_dates, others, large_on


def _other_listings(res: ResolutionLike, reasons: list[Reason]) -> list[_Other]:
    """Each other listing's units, uniqueness, rate per unit and dates on its market; a
    market whose history is not held leaves that listing without dates, with a warning."""
    out: list[_Other] = []
    security = res.security
    rate = res.gross_amount_per_share
    seen = {(security.mic, security.local_code)}
    for n, listing in enumerate(res.other_listings):
        found: list[Reason] = []
        spu = listing.shares_per_unit
        _positive(spu, "other_listings.{n}.shares_per_unit", NON_POSITIVE_AMOUNT, reasons, n)
        unit_rate = _unit_rate(rate, spu, n, reasons, found)
        key = (listing.mic, listing.symbol)
        if key in seen:
            reasons.append(
                DUPLICATE_LISTING.at(f"other_listings.{n}", mic=listing.mic, symbol=listing.symbol)
            )
        seen.add(key)
        record_date, closure = _register_of(res, listing, n, reasons)
        register = _register_date(record_date, closure, f"other_listings.{n}.book_closure", reasons)
        dated = (
            None
            if register is None
            else _dates_on(
                listing.mic, "other_listings.{n}.mic", record_date, register, reasons, n, found
            )
        )
        index, dates = dated if dated is not None else (None, None)
        out.append(_Other(listing, index, dates, unit_rate, tuple(found), record_date, closure))
    return out


def _register_of(
    res: ResolutionLike, listing: ListingLike, n: int, reasons: list[Reason]
) -> tuple[dt.date, BookClosureLike | None]:
    """The record date and book closure of an other listing's register: its own when it
    gives a record date (HSBC 2014: Hong Kong register 05-22, UK register 05-23), else
    the resolution's (the same register, e.g. an ADS)."""
    own = listing.record_date
    if own is None:
        return res.record_date, res.book_closure
    payment = res.payment_date
    if payment is not None and payment < own:
        reasons.append(
            PAYMENT_BEFORE_RECORD.at(
                f"other_listings.{n}.record_date", payment=payment, record_date=own
            )
        )
    return own, listing.book_closure


def _register_date(
    record_date: dt.date, closure: BookClosureLike | None, field: str, reasons: list[Reason]
) -> dt.date | None:
    """The day the cum-dividend rule counts settlement to: the record date, or with a book
    closure the day before it starts (rolled back to the last registration date, the
    settlement day before the closure, by the rule itself). None when the closure is
    invalid (reason added)."""
    if closure is None:
        return record_date
    first, last = closure.first_day, closure.last_day
    if first > last:
        reasons.append(BOOK_CLOSURE_REVERSED.at(field, first_day=first, last_day=last))
        return None
    if not first <= record_date <= last:
        reasons.append(
            BOOK_CLOSURE_WITHOUT_RECORD_DATE.at(
                field, record_date=record_date, first_day=first, last_day=last
            )
        )
        return None
    if first == dt.date.min:  # no day before it: out of every calendar's range anyway
        return first
    return first - _ONE_DAY


def _unit_rate(
    rate: Decimal, spu: Decimal, n: int, reasons: list[Reason], found: list[Reason]
) -> Decimal:
    """rate x shares_per_unit within the input bounds: truncated to 13 decimals (warned),
    rejected beyond 18 digits. Either operand invalid: rejected elsewhere, 0 here."""
    if not (_usable(rate) and _usable(spu)):
        return _ZERO
    if max(decimals_as_written(rate), decimals_as_written(spu)) > MAX_RATE_DECIMALS:
        return _ZERO  # rejected (too_many_decimals); and past EXACT's precision, maybe
    exact = per_unit(rate, spu)
    decimals = decimals_as_written(exact)
    integer_digits = max(exact.adjusted() + 1, 0)
    if integer_digits > MAX_TOTAL_DIGITS:
        reasons.append(
            DERIVED_AMOUNT_OUT_OF_RANGE.at(
                f"other_listings.{n}.shares_per_unit",
                what="rate per unit",
                amount=plain(exact),
                limit=MAX_TOTAL_DIGITS,
            )
        )
        return _ZERO
    places = min(MAX_RATE_DECIMALS, MAX_TOTAL_DIGITS - integer_digits)
    if decimals <= places:
        return exact
    rounded = exact.quantize(_ONE.scaleb(-places), rounding=ROUND_DOWN, context=QUANTIZE)
    found.append(
        DERIVED_AMOUNT_ROUNDED.at(
            f"other_listings.{n}.shares_per_unit",
            exact=plain(exact),
            rounded=plain(rounded),
            limit=places,
        )
    )
    return rounded


def _dates_on(
    mic: str,
    field: str,
    record_date: dt.date,
    register: dt.date,
    reasons: list[Reason],
    n: int = 0,
    warnings: list[Reason] | None = None,
) -> tuple[CalendarIndex, ExDates] | None:
    """Last cum day and ex-date on `mic` for `record_date`, counted to `register` (the
    record date, or the day before a book closure); `field` may hold "{n}" (see
    _precision). With `warnings` (an other listing), a market not held, or one without
    record dates then, is a warning there, not a reason."""
    try:
        index = calendar_index(mic)
    except UnknownMic:
        reasons.append(UNKNOWN_MIC.at(field.format(n=n), mic=mic))
        return None
    except UnsupportedMic as e:
        if e.why is not None:
            finding = UNSUPPORTED_MIC_EXCLUDED.at(field.format(n=n), mic=mic, why=e.why)
        elif warnings is not None:
            finding = UNSUPPORTED_MIC_LISTING.at(field.format(n=n), mic=mic)
        else:
            finding = UNSUPPORTED_MIC.at(field.format(n=n), mic=mic)
        (reasons if warnings is None else warnings).append(finding)
        return None
    market = index.market
    if not market.has_record_date(record_date):
        since = market.record_dates_from
        assert since is not None
        message = RECORD_DATE_NOT_IN_USE if warnings is None else RECORD_DATE_NOT_IN_USE_LISTING
        at = "record_date" if warnings is None else field.format(n=n)
        finding = message.at(at, record_date=record_date, mic=mic, why=since.why)
        (reasons if warnings is None else warnings).append(finding)
        return None
    try:
        return index, ex_dates(index, register)
    except OutOfCalendarRange as e:
        # named by the record date given, even when a book closure moved the count
        outside = OutOfCalendarRange(record_date, e.first, e.horizon, e.limited_by)
        reasons.append(
            _outside_calendar(RECORD_DATE_OUT_OF_CALENDAR_RANGE, "record_date", outside, mic)
        )
        return None


def _outside_calendar(message: Message, field: str, e: OutOfCalendarRange, mic: str) -> Reason:
    if e.limited_by:  # the market's own calendar ends before the configured horizon
        message = _BEYOND[message.code]
        return message.at(field, day=e.day, mic=mic, start=e.first, end=e.horizon, why=e.limited_by)
    return message.at(field, day=e.day, mic=mic, start=e.first, end=e.horizon)


_BEYOND: Final = {
    RECORD_DATE_OUT_OF_CALENDAR_RANGE.code: RECORD_DATE_BEYOND_CALENDAR,
    PAYMENT_DATE_OUT_OF_CALENDAR_RANGE.code: PAYMENT_DATE_BEYOND_CALENDAR,
}


def _reference_price(
    rate: Decimal, price: PriceLike | None, reasons: list[Reason]
) -> Decimal | None:
    """The reference price a large distribution is measured against, when given and
    valid (FINRA Rule 11140(b)(2)); whether the rate is large is each market's rule."""
    if price is None:
        return None
    amount = price.amount
    _positive(amount, "reference_price.amount", NON_POSITIVE_AMOUNT, reasons)
    if not (_usable(amount) and rate.is_finite()):
        return None
    return amount


def _after_payment(
    listings: list[tuple[str, CalendarIndex | None, ExDates | None]],
    rate: Decimal,
    price: Decimal,
    payment: dt.date | None,
    reasons: list[Reason],
) -> list[tuple[str, ExDates | None]]:
    """Each listing's dates under the large-distribution rule where its market has one
    and the rate reaches its share of the price (US markets: 25% or more goes ex on the
    first session after payment), with its MIC; else ("", the dates as given). Empty
    when a reason was found."""
    out: list[tuple[str, ExDates | None]] = []
    for mic, index, dates in listings:
        rule = index.market.large_distribution if index is not None else None
        if index is None or rule is None or rate < EXACT.multiply(price, rule.min_share_of_price):
            out.append(("", dates))
            continue
        if payment is None:
            reasons.append(LARGE_DISTRIBUTION_WITHOUT_PAYMENT_DATE.at("payment_date", mic=mic))
            return []
        try:
            out.append((mic, ex_dates_after_payment(index, payment)))
        except OutOfCalendarRange as e:
            reasons.append(
                _outside_calendar(PAYMENT_DATE_OUT_OF_CALENDAR_RANGE, "payment_date", e, mic)
            )
            return []
    return out


# --- Warnings and amounts: the schedule is computed; a human may need to look. ---


def _warn_on_dates(
    res: ResolutionLike,
    index: CalendarIndex,
    dates: ExDates,
    large_on: list[str],
    warnings: list[Reason],
) -> None:
    """Record date outside the fiscal year, a late declaration, ex-date moved past
    payment, payment on a day the primary market is closed."""
    record_date = res.record_date
    fye = res.fiscal_year_end
    # Inside the fiscal year: one_year_earlier(fye) < record <= fye. That span is 365
    # or 366 days, so only a distance of exactly 365 days needs the calendar roll.
    days_before_end = fye.toordinal() - record_date.toordinal()
    if not (
        0 <= days_before_end < 365
        or (days_before_end == 365 and one_year_earlier(fye) < record_date)
        or _final_after_year_end(res, index.market, fye, record_date)
    ):
        warnings.append(
            RECORD_DATE_OUTSIDE_FISCAL_YEAR.at(
                "record_date", record_date=record_date, fiscal_year_end=fye
            )
        )
    _warn_if_late(res, index, dates, warnings)
    payment = res.payment_date
    if large_on:
        price = res.reference_price
        assert price is not None and payment is not None
        warnings.append(
            EX_DATE_AFTER_PAYMENT.at(
                "reference_price",
                rate=res.gross_amount_per_share,
                price=price.amount,
                priced_on=price.priced_on,
                mics=", ".join(sorted(set(large_on))),
                payment=payment,
            )
        )
    if payment is not None and payment <= index.horizon and not index.is_session(payment):
        warnings.append(
            PAYMENT_DATE_NOT_A_SESSION.at("payment_date", payment=payment, mic=res.security.mic)
        )


def _final_after_year_end(
    res: ResolutionLike, market: Market, fye: dt.date, record_date: dt.date
) -> bool:
    """A year-end (final) dividend whose record date falls in the year after its fiscal
    year, on a market where finals are approved at the AGM after the year ends (London,
    Euronext, Germany, SIX, ASX, Hong Kong, Singapore: `final_dividend_after_year_end`)."""
    return (
        res.dividend_type == DividendType.YEAR_END
        and market.final_after_year_end is not None
        and fye < record_date
        and one_year_earlier(record_date) <= fye
    )


def _warn_if_late(
    res: ResolutionLike, index: CalendarIndex, dates: ExDates, warnings: list[Reason]
) -> None:
    """Where the primary market requires notice (US: SEC Rule 10b-17, 10 calendar days
    before the record date): a later declaration, and one after the ex-date. The primary
    market's rule governs the declaration: a Tokyo issuer's interim, resolved after its
    record date as usual, stays without a warning even with a US ADS (whose dates its
    depositary sets)."""
    notice = index.market.declaration_notice
    if notice is None:
        return
    resolved_on = res.resolved_on
    record_date = res.record_date
    days = record_date.toordinal() - resolved_on.toordinal()
    if days >= notice.min_calendar_days:
        return
    mic = res.security.mic
    warnings.append(
        LATE_ANNOUNCEMENT.at(
            "resolved_on",
            resolved_on=resolved_on,
            days=days,
            record_date=record_date,
            mic=mic,
            required=notice.min_calendar_days,
            source=notice.source,
        )
    )
    if resolved_on > dates.ex_date:
        warnings.append(
            EX_DATE_BEFORE_ANNOUNCEMENT.at(
                "resolved_on", resolved_on=resolved_on, ex_date=dates.ex_date, mic=mic
            )
        )


def _amounts(res: ResolutionLike, warnings: list[Reason]) -> Amounts:
    """The total when the share count is known; what the declared total implies, and
    whether the two agree."""
    rate = res.gross_amount_per_share
    currency = res.currency
    shares = res.eligible_shares
    total: TotalAmount | None = None
    if shares is not None:
        total = TotalAmount(
            total_amount(rate, shares, currency, TOTAL_ROUNDING),
            currency,
            TOTAL_ROUNDING,
            shares,
        )
    declared = res.declared_total
    if declared is None:
        return Amounts(total, None, None, Consistency.NOT_CHECKED)
    rng = declared_range(rate, declared, currency, TOTAL_ROUNDING)
    if rng.eligible_shares_min > rng.eligible_shares_max:
        warnings.append(
            DECLARED_TOTAL_UNREACHABLE.at(
                "declared_total",
                rate=rate,
                amount=declared.amount,
                unit=declared.unit,
                rounding=declared.rounding,
            )
        )
    if shares is None:
        return Amounts(total, declared, rng, Consistency.NOT_CHECKED)
    if rng.eligible_shares_min <= shares <= rng.eligible_shares_max:
        return Amounts(total, declared, rng, Consistency.CONSISTENT)
    warnings.append(
        DECLARED_TOTAL_INCONSISTENT.at(
            "eligible_shares",
            shares=shares,
            low=rng.eligible_shares_min,
            high=rng.eligible_shares_max,
        )
    )
    return Amounts(total, declared, rng, Consistency.INCONSISTENT)


def _fiscal(
    res: ResolutionLike, history: DividendHistory | None, warnings: list[Reason]
) -> FiscalRollUp:
    """The fiscal roll-up, warning when history in another currency was left out."""
    currency = res.currency
    fiscal, other_currency = roll_up(
        event_id=res.event_id,
        dividend_type=res.dividend_type,
        fiscal_year_end=res.fiscal_year_end,
        record_date=res.record_date,
        amount_per_share=res.gross_amount_per_share,
        currency=currency,
        forecast=res.forecast_per_share,
        history=history,
    )
    if other_currency:
        warnings.append(HISTORY_CURRENCY_MISMATCH.at("currency", currency=currency))
    return fiscal


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
