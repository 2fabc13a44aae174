"""Pure dividend rules: money, calendars, settlement cycles, ex-dates, amounts, roll-ups.

Standard library plus exchange_calendars only (pandas only while building a calendar);
no pydantic, Kafka, clock or I/O. `contracts/` maps its models onto these types.
"""

from corpactions.domain.amounts import Consistency, DeclaredRange, DeclaredTotal
from corpactions.domain.calendars import CALENDAR_END, CALENDAR_START, calendar_index, preload
from corpactions.domain.exdates import ExDates, ex_dates
from corpactions.domain.fiscal import (
    Change,
    Component,
    DividendHistory,
    DividendKind,
    EntryStatus,
    FiscalRollUp,
    FiscalYear,
    Forecast,
    PastDividend,
)
from corpactions.domain.money import MINOR_UNITS, Rounding
from corpactions.domain.reasons import DomainRejected, Reason, ReasonCode
from corpactions.domain.schedule import (
    Amounts,
    DividendInput,
    DividendSchedule,
    EventType,
    Listing,
    ListingRole,
    ListingSchedule,
    SourceOfFunds,
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
    "DividendHistory",
    "DividendInput",
    "DividendKind",
    "DividendSchedule",
    "DomainRejected",
    "EntryStatus",
    "EventType",
    "ExDates",
    "FiscalRollUp",
    "FiscalYear",
    "Forecast",
    "Listing",
    "ListingRole",
    "ListingSchedule",
    "PastDividend",
    "Reason",
    "ReasonCode",
    "Rounding",
    "SourceOfFunds",
    "TotalAmount",
    "calendar_index",
    "ex_dates",
    "preload",
    "schedule_dividend",
]
