"""What the core reads from a resolution, as structural types (ports).

`corpactions.contracts.BoardResolution` satisfies `ResolutionLike` as it is, so the
service hands its decoded message straight to the core: no copy, no mapping, and the
domain still imports nothing of the project. `DividendInput` is a plain value with the
same shape, for callers and tests without pydantic. Field names follow the contract's
(issue 5), which is also how reasons name fields.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple, Protocol

from corpactions.domain.fiscal import DividendType, Forecast, ForecastLike
from corpactions.domain.money import Rounding


class SourceOfFunds(StrEnum):
    """Where the cash comes from; capital surplus makes it a capital distribution (CAPD)."""

    RETAINED_EARNINGS = "retained_earnings"
    CAPITAL_SURPLUS = "capital_surplus"


class SecurityLike(Protocol):
    @property
    def mic(self) -> str: ...
    @property
    def local_code(self) -> str | None: ...


class BookClosureLike(Protocol):
    """The days a register is closed to transfers (Hong Kong's book closure), inclusive:
    the last registration date is the business day before `first_day`."""

    @property
    def first_day(self) -> dt.date: ...
    @property
    def last_day(self) -> dt.date: ...


class BookClosure(NamedTuple):
    """A book-closure period as a plain value (satisfies BookClosureLike)."""

    first_day: dt.date
    last_day: dt.date


class ListingLike(Protocol):
    @property
    def mic(self) -> str: ...
    @property
    def symbol(self) -> str: ...
    @property
    def shares_per_unit(self) -> Decimal: ...
    @property
    def record_date(self) -> dt.date | None: ...
    @property
    def book_closure(self) -> BookClosureLike | None: ...


class DeclaredTotalLike(Protocol):
    @property
    def amount(self) -> Decimal: ...
    @property
    def unit(self) -> int: ...
    @property
    def rounding(self) -> Rounding: ...


class PriceLike(Protocol):
    @property
    def amount(self) -> Decimal: ...
    @property
    def priced_on(self) -> dt.date: ...


class Price(NamedTuple):
    """A closing price per share in the dividend's currency (satisfies PriceLike)."""

    amount: Decimal
    priced_on: dt.date


class ResolutionLike(Protocol):
    """The fields of a board resolution the core uses."""

    @property
    def event_id(self) -> str: ...
    @property
    def resolved_on(self) -> dt.date: ...
    @property
    def subject_to_approval(self) -> bool: ...
    @property
    def security(self) -> SecurityLike: ...
    @property
    def other_listings(self) -> Sequence[ListingLike]: ...
    @property
    def dividend_type(self) -> DividendType: ...
    @property
    def fiscal_year_end(self) -> dt.date: ...
    @property
    def currency(self) -> str: ...
    @property
    def gross_amount_per_share(self) -> Decimal: ...
    @property
    def record_date(self) -> dt.date: ...
    @property
    def payment_date(self) -> dt.date | None: ...
    @property
    def eligible_shares(self) -> int | None: ...
    @property
    def declared_total(self) -> DeclaredTotalLike | None: ...
    @property
    def source_of_funds(self) -> SourceOfFunds: ...
    @property
    def forecast_per_share(self) -> ForecastLike | None: ...
    @property
    def reference_price(self) -> PriceLike | None: ...
    @property
    def book_closure(self) -> BookClosureLike | None: ...


class SecurityRef(NamedTuple):
    mic: str
    local_code: str | None = None


class Listing(NamedTuple):
    mic: str
    symbol: str
    shares_per_unit: Decimal  # shares one traded unit represents: an IIJ ADS is 0.5
    # this listing's own register: its record date (None: the resolution's) and book
    # closure (None: none; with no record date of its own, the resolution's)
    record_date: dt.date | None = None
    book_closure: BookClosure | None = None


class DividendInput(NamedTuple):
    """A resolution as a plain value (satisfies ResolutionLike)."""

    event_id: str
    resolved_on: dt.date
    security: SecurityRef
    dividend_type: DividendType
    fiscal_year_end: dt.date
    currency: str
    gross_amount_per_share: Decimal
    record_date: dt.date
    payment_date: dt.date | None = None
    other_listings: tuple[Listing, ...] = ()
    eligible_shares: int | None = None
    declared_total: DeclaredTotalLike | None = None
    forecast_per_share: Forecast | None = None
    source_of_funds: SourceOfFunds = SourceOfFunds.RETAINED_EARNINGS
    subject_to_approval: bool = False
    reference_price: Price | None = None
    book_closure: BookClosure | None = None
