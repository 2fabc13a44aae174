"""Machine-readable reasons a resolution is rejected or warned about, and their wording.

Codes are part of the public contract (stderr of `corpactions schedule`, dead-letter
records): other teams match on them, so a code is never renamed, only added. Each
message is a template kept here beside its code (as exchange_calendars keeps its errors
in errors.py), so every finding the core can report reads in one place; the checks
pass only the values.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Final, NamedTuple


class ReasonCode(StrEnum):
    """Every code the core emits. The value is what crosses the wire."""

    # Rejections: the resolution cannot be scheduled.
    UNKNOWN_CURRENCY = "unknown_currency"
    NON_POSITIVE_RATE = "non_positive_rate"
    NON_POSITIVE_AMOUNT = "non_positive_amount"
    TOO_MANY_DECIMALS = "too_many_decimals"
    TOO_MANY_DIGITS = "too_many_digits"
    UNKNOWN_MIC = "unknown_mic"
    UNSUPPORTED_MIC = "unsupported_mic"
    RECORD_DATE_OUT_OF_CALENDAR_RANGE = "record_date_out_of_calendar_range"
    PAYMENT_DATE_OUT_OF_CALENDAR_RANGE = "payment_date_out_of_calendar_range"
    PAYMENT_BEFORE_RECORD = "payment_before_record"
    PAYMENT_BEFORE_RESOLUTION = "payment_before_resolution"
    INVALID_DECLARED_UNIT = "invalid_declared_unit"
    DUPLICATE_LISTING = "duplicate_listing"
    LARGE_DISTRIBUTION_WITHOUT_PAYMENT_DATE = "large_distribution_without_payment_date"
    DERIVED_AMOUNT_OUT_OF_RANGE = "derived_amount_out_of_range"
    RECORD_DATE_NOT_IN_USE = "record_date_not_in_use"
    INVALID_BOOK_CLOSURE = "invalid_book_closure"
    # Warnings: the schedule is computed, but a human should look.
    DECLARED_TOTAL_INCONSISTENT = "declared_total_inconsistent"
    DECLARED_TOTAL_UNREACHABLE = "declared_total_unreachable"
    RECORD_DATE_OUTSIDE_FISCAL_YEAR = "record_date_outside_fiscal_year"
    PAYMENT_DATE_NOT_A_SESSION = "payment_date_not_a_session"
    HISTORY_CURRENCY_MISMATCH = "history_currency_mismatch"
    EX_DATE_AFTER_PAYMENT = "ex_date_after_payment"
    LATE_ANNOUNCEMENT = "late_announcement"
    EX_DATE_BEFORE_ANNOUNCEMENT = "ex_date_before_announcement"
    DERIVED_AMOUNT_ROUNDED = "derived_amount_rounded"
    # UNSUPPORTED_MIC and RECORD_DATE_NOT_IN_USE are also warnings: on an other listing,
    # which then keeps no dates.


class Reason(NamedTuple):
    """One finding: `code` for machines, `field` (dotted path into the resolution, as
    pydantic reports it: "other_listings.0.mic"), `message` for people."""

    code: ReasonCode
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.code.value} {self.field}: {self.message}"


class Message(NamedTuple):
    """A code and the text it is reported with: a `str.format` template over the values
    the check passes (a date renders as its ISO form, a Decimal as written)."""

    code: ReasonCode
    template: str

    def at(self, field: str, **values: object) -> Reason:
        """This finding at `field` (a dotted path into the resolution)."""
        return Reason(self.code, field, self.template.format(**values))


# Rejections. Some codes have more than one wording; a message's name says which.
UNKNOWN_CURRENCY: Final = Message(
    ReasonCode.UNKNOWN_CURRENCY, "{currency!r} is not an ISO 4217 currency this service supports"
)
PENCE_CURRENCY: Final = Message(
    ReasonCode.UNKNOWN_CURRENCY,
    "{currency!r} is pence sterling, a quotation unit, not an ISO 4217 currency: give "
    "the rate in GBP (pounds; 1 GBX = 0.01 GBP)",
)
NON_POSITIVE_RATE: Final = Message(
    ReasonCode.NON_POSITIVE_RATE, "must be greater than zero, got {value}"
)
NON_POSITIVE_AMOUNT: Final = Message(
    ReasonCode.NON_POSITIVE_AMOUNT, "must be greater than zero, got {value}"
)
NEGATIVE_AMOUNT: Final = Message(ReasonCode.NON_POSITIVE_AMOUNT, "must not be negative")
TOO_MANY_DECIMALS: Final = Message(
    ReasonCode.TOO_MANY_DECIMALS,
    "{decimals} decimal places; at most {limit} (ISO 20022 ActiveCurrencyAnd13DecimalAmount)",
)
TOO_MANY_DIGITS: Final = Message(
    ReasonCode.TOO_MANY_DIGITS, "more than {limit} digits (ISO 20022 totalDigits)"
)
UNKNOWN_MIC: Final = Message(
    ReasonCode.UNKNOWN_MIC, "{mic!r} is neither an ISO 10383 MIC nor an exchange calendar"
)
UNSUPPORTED_MIC: Final = Message(
    ReasonCode.UNSUPPORTED_MIC, "no settlement history held for the market of MIC {mic!r}"
)
UNSUPPORTED_MIC_EXCLUDED: Final = Message(
    ReasonCode.UNSUPPORTED_MIC, "MIC {mic!r} is not a supported market: {why}"
)
UNSUPPORTED_MIC_LISTING: Final = Message(
    ReasonCode.UNSUPPORTED_MIC,
    "no settlement history held for the market of MIC {mic!r}: this listing has no dates",
)
_OUTSIDE_CALENDAR: Final = (
    "{day} is outside the dates scheduled on {mic}, {start}..{end}: the end is the "
    "calendar horizon set at start-up (CORPACTIONS_CALENDAR_HORIZON_YEARS)"
)
RECORD_DATE_OUT_OF_CALENDAR_RANGE: Final = Message(
    ReasonCode.RECORD_DATE_OUT_OF_CALENDAR_RANGE, _OUTSIDE_CALENDAR
)
PAYMENT_DATE_OUT_OF_CALENDAR_RANGE: Final = Message(
    ReasonCode.PAYMENT_DATE_OUT_OF_CALENDAR_RANGE, _OUTSIDE_CALENDAR
)
_BEYOND_CALENDAR: Final = (
    "{day} is outside the dates scheduled on {mic}, {start}..{end}: {why}; its dates "
    "cannot be known until the library publishes that calendar further"
)
RECORD_DATE_BEYOND_CALENDAR: Final = Message(
    ReasonCode.RECORD_DATE_OUT_OF_CALENDAR_RANGE, _BEYOND_CALENDAR
)
PAYMENT_DATE_BEYOND_CALENDAR: Final = Message(
    ReasonCode.PAYMENT_DATE_OUT_OF_CALENDAR_RANGE, _BEYOND_CALENDAR
)
PAYMENT_BEFORE_RECORD: Final = Message(
    ReasonCode.PAYMENT_BEFORE_RECORD, "payment {payment} is before record date {record_date}"
)
PAYMENT_BEFORE_RESOLUTION: Final = Message(
    ReasonCode.PAYMENT_BEFORE_RESOLUTION,
    "payment {payment} is before the resolution of {resolved_on}",
)
INVALID_DECLARED_UNIT: Final = Message(
    ReasonCode.INVALID_DECLARED_UNIT,
    "unit {unit} is not a power of ten (1, 1000, 1000000, ...)",
)
DUPLICATE_LISTING: Final = Message(ReasonCode.DUPLICATE_LISTING, "{mic} {symbol} is listed twice")
LARGE_DISTRIBUTION_WITHOUT_PAYMENT_DATE: Final = Message(
    ReasonCode.LARGE_DISTRIBUTION_WITHOUT_PAYMENT_DATE,
    "a distribution of 25% or more of the reference price goes ex on {mic} the business "
    "day after payment (FINRA Rule 11140(b)(2)): the payment date is needed to schedule it",
)

DERIVED_AMOUNT_OUT_OF_RANGE: Final = Message(
    ReasonCode.DERIVED_AMOUNT_OUT_OF_RANGE,
    "the {what}, {amount}, has more than {limit} digits at its decimal places (ISO 20022 "
    "totalDigits)",
)

RECORD_DATE_NOT_IN_USE: Final = Message(
    ReasonCode.RECORD_DATE_NOT_IN_USE, "record date {record_date} on {mic}: {why}"
)
RECORD_DATE_NOT_IN_USE_LISTING: Final = Message(
    ReasonCode.RECORD_DATE_NOT_IN_USE,
    "record date {record_date} on {mic}: {why}; this listing has no dates",
)
BOOK_CLOSURE_REVERSED: Final = Message(
    ReasonCode.INVALID_BOOK_CLOSURE,
    "the book closure's first day {first_day} is after its last day {last_day}",
)
BOOK_CLOSURE_WITHOUT_RECORD_DATE: Final = Message(
    ReasonCode.INVALID_BOOK_CLOSURE,
    "the record date {record_date} is outside the book closure {first_day}..{last_day}: "
    "the register closes around its record date",
)

# Warnings.
DECLARED_TOTAL_INCONSISTENT: Final = Message(
    ReasonCode.DECLARED_TOTAL_INCONSISTENT,
    "{shares} is outside {low}..{high}, the range the declared total implies",
)
DECLARED_TOTAL_UNREACHABLE: Final = Message(
    ReasonCode.DECLARED_TOTAL_UNREACHABLE,
    "no whole number of shares at {rate} gives a total that prints as "
    "{amount} x {unit} ({rounding})",
)
RECORD_DATE_OUTSIDE_FISCAL_YEAR: Final = Message(
    ReasonCode.RECORD_DATE_OUTSIDE_FISCAL_YEAR,
    "record date {record_date} is outside the fiscal year ending {fiscal_year_end}",
)
PAYMENT_DATE_NOT_A_SESSION: Final = Message(
    ReasonCode.PAYMENT_DATE_NOT_A_SESSION, "{payment} is not a {mic} session"
)
HISTORY_CURRENCY_MISMATCH: Final = Message(
    ReasonCode.HISTORY_CURRENCY_MISMATCH,
    "history entries not in {currency} were left out of the roll-up",
)
EX_DATE_AFTER_PAYMENT: Final = Message(
    ReasonCode.EX_DATE_AFTER_PAYMENT,
    "{rate} is 25% or more of the reference price {price} ({priced_on}): on {mics} it "
    "goes ex on the first business day after payment {payment} (FINRA Rule 11140(b)(2)); "
    "trades until then carry due bills",
)

LATE_ANNOUNCEMENT: Final = Message(
    ReasonCode.LATE_ANNOUNCEMENT,
    "resolved {resolved_on}, {days} calendar days before the record date {record_date}: "
    "{mic} requires at least {required} ({source})",
)
EX_DATE_BEFORE_ANNOUNCEMENT: Final = Message(
    ReasonCode.EX_DATE_BEFORE_ANNOUNCEMENT,
    "resolved {resolved_on}, after the ex-date {ex_date} on {mic}: the share cannot have "
    "traded ex-dividend on that day",
)
DERIVED_AMOUNT_ROUNDED: Final = Message(
    ReasonCode.DERIVED_AMOUNT_ROUNDED,
    "rate per unit {exact} truncated to {rounded} ({limit} decimals at most, ISO 20022 "
    "ActiveCurrencyAnd13DecimalAmount)",
)


class DomainRejected(ValueError):
    """The resolution breaks a domain rule; `reasons` lists every rule it breaks (never empty)."""

    def __init__(self, reasons: Iterable[Reason]) -> None:
        self.reasons: tuple[Reason, ...] = tuple(reasons)
        if not self.reasons:
            raise ValueError("DomainRejected needs at least one reason")
        super().__init__("; ".join(str(r) for r in self.reasons))
