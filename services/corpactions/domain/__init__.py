"""Pure dividend rules: money, calendars, settlement cycles, ex-dates, amounts, roll-ups.

Standard library plus exchange_calendars (pandas only while building a calendar) and
two data packages, iso10383 (MICs) and iso4217 (currencies); no pydantic, Kafka, clock
or I/O beyond reading the package's own data/markets.toml once. Entry points give the
calendar horizon at start-up (`configure_calendars`). The contract's BoardResolution satisfies
`ResolutionLike` structurally, so `schedule_dividend` takes it as it is.
"""

from corpactions.domain.amounts import Consistency, DeclaredRange, DeclaredTotal
from corpactions.domain.calendars import (
    CalendarNotConfigured,
    calendar_index,
    configured_horizon,
    preload,
)
from corpactions.domain.calendars import configure as configure_calendars
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
from corpactions.domain.horizon import FIRST_RECORD_DATE, horizon_for
from corpactions.domain.inputs import (
    BookClosure,
    BookClosureLike,
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
    "FIRST_RECORD_DATE",
    "MINOR_UNITS",
    "Amounts",
    "BookClosure",
    "BookClosureLike",
    "CalendarNotConfigured",
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
    "configure_calendars",
    "configured_horizon",
    "ex_dates",
    "horizon_for",
    "preload",
    "schedule_dividend",
]
