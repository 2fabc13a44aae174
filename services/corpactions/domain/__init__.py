"""Pure dividend rules: money, calendars, settlement cycles, ex-dates, amounts, roll-ups.

Standard library plus exchange_calendars only (pandas only while building a calendar);
no pydantic, Kafka, clock or I/O. The contract's BoardResolution satisfies
`ResolutionLike` structurally, so `schedule_dividend` takes it as it is.
"""

from corpactions.domain.amounts import Consistency, DeclaredRange, DeclaredTotal
from corpactions.domain.calendars import CALENDAR_END, CALENDAR_START, calendar_index, preload
from corpactions.domain.exdates import ExDates, ex_dates
from corpactions.domain.fiscal import (
    Change,
    Component,
    DividendHistory,
    DividendType,
    EntryStatus,
    FiscalRollUp,
    FiscalYear,
    Forecast,
    ForecastLike,
    PastDividend,
)
from corpactions.domain.inputs import (
    DeclaredTotalLike,
    DividendInput,
    Listing,
    ListingLike,
    ResolutionLike,
    SecurityLike,
    SecurityRef,
    SourceOfFunds,
)
from corpactions.domain.money import MINOR_UNITS, Rounding
from corpactions.domain.reasons import DomainRejected, Reason, ReasonCode
from corpactions.domain.schedule import (
    Amounts,
    DividendSchedule,
    EventType,
    ListingRole,
    ListingSchedule,
    TotalAmount,
    schedule_dividend,
)

__all__ = [
    "CALENDAR_END",
    "CALENDAR_START",
    "MINOR_UNITS",
    "Amounts",
    "Change",
    "Component",
    "Consistency",
    "DeclaredRange",
    "DeclaredTotal",
    "DeclaredTotalLike",
    "DividendHistory",
    "DividendInput",
    "DividendSchedule",
    "DividendType",
    "DomainRejected",
    "EntryStatus",
    "EventType",
    "ExDates",
    "FiscalRollUp",
    "FiscalYear",
    "Forecast",
    "ForecastLike",
    "Listing",
    "ListingLike",
    "ListingRole",
    "ListingSchedule",
    "PastDividend",
    "Reason",
    "ReasonCode",
    "ResolutionLike",
    "Rounding",
    "SecurityLike",
    "SecurityRef",
    "SourceOfFunds",
    "TotalAmount",
    "calendar_index",
    "ex_dates",
    "preload",
    "schedule_dividend",
]
