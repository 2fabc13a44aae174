"""Machine-readable reasons a resolution is rejected or warned about.

Codes are part of the public contract (stderr of `corpactions schedule`, dead-letter
records): other teams match on them, so a code is never renamed, only added.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import NamedTuple


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
    # Warnings: the schedule is computed, but a human should look.
    DECLARED_TOTAL_INCONSISTENT = "declared_total_inconsistent"
    DECLARED_TOTAL_UNREACHABLE = "declared_total_unreachable"
    RECORD_DATE_OUTSIDE_FISCAL_YEAR = "record_date_outside_fiscal_year"
    PAYMENT_DATE_NOT_A_SESSION = "payment_date_not_a_session"
    HISTORY_CURRENCY_MISMATCH = "history_currency_mismatch"
    EX_DATE_AFTER_PAYMENT = "ex_date_after_payment"


class Reason(NamedTuple):
    """One finding: `code` for machines, `field` (dotted path into the resolution, as
    pydantic reports it: "other_listings.0.mic"), `message` for people."""

    code: ReasonCode
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.code.value} {self.field}: {self.message}"


class DomainRejected(ValueError):
    """The resolution breaks a domain rule; `reasons` lists every rule it breaks (never empty)."""

    def __init__(self, reasons: Iterable[Reason]) -> None:
        self.reasons: tuple[Reason, ...] = tuple(reasons)
        if not self.reasons:
            raise ValueError("DomainRejected needs at least one reason")
        super().__init__("; ".join(str(r) for r in self.reasons))
