"""The computed dividend schedule (`corporate-actions.dividend-schedule.v1`).

This is what `corpactions schedule FILE` prints and what outbound events embed. Other
teams script against these names: add fields, never rename or remove one.

Money serialises as a plain decimal string ("13.50", "620000001"), never a float and
never exponent notation; dates as ISO 8601 "YYYY-MM-DD".

`compute_schedule` is the one entry point: contract in, domain core, contract out.
Domain-rule violations raise `corpactions.domain.DomainRejected` (its `reasons` each
carry `code`, `field`, `message`).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema
from pydantic_core import to_json

from corpactions.contracts.board_resolution import BoardResolution, Function
from corpactions.domain import (
    Amounts,
    BookClosureLike,
    Change,
    Consistency,
    DividendHistory,
    DividendSchedule,
    DividendType,
    EntryStatus,
    EventType,
    FiscalRollUp,
    FiscalYear,
    ListingRole,
    ListingSchedule,
    PastDividend,
    Reason,
    ReasonCode,
    Rounding,
    schedule_dividend,
)
from corpactions.domain.money import plain

SCHEDULE_CONTRACT: Final = "corporate-actions.dividend-schedule.v1"

DecimalText = Annotated[
    Decimal,
    PlainSerializer(plain, return_type=str),
    WithJsonSchema({"type": "string", "pattern": "^-?[0-9]+(?:\\.[0-9]+)?$"}, mode="serialization"),
]
"""A Decimal that serialises as a plain decimal string: "13.50", never 13.5 or "1E+3"."""


class _View(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ReasonView(_View):
    """One validation finding."""

    code: ReasonCode = Field(
        description="Machine-readable reason code", examples=["payment_before_record"]
    )
    field: str = Field(
        description="Dotted path of the resolution field concerned",
        examples=["payment_date", "other_listings.0.mic"],
    )
    message: str = Field(
        description="Explanation for people",
        examples=["payment 2016-09-01 is before record date 2016-09-30"],
    )


class ValidationView(_View):
    verdict: Literal["valid", "valid_with_warnings"] = Field(
        description="valid, or valid_with_warnings when `warnings` is not empty "
        "(invalid resolutions produce no schedule, only reasons)",
        examples=["valid"],
    )
    warnings: tuple[ReasonView, ...] = Field(
        description="Findings that do not stop the schedule (e.g. declared total "
        "inconsistent with eligible shares)",
        examples=[[]],
    )


class BookClosureView(_View):
    """A register's book closure: closed to transfers from first_day to last_day."""

    first_day: dt.date = Field(description="First day closed", examples=["2017-09-11"])
    last_day: dt.date = Field(description="Last day closed", examples=["2017-09-14"])


class ListingView(_View):
    """Dates and per-unit amount of one listing (the primary one or e.g. an ADS).

    An other listing on a market whose settlement history the service does not hold
    (e.g. XJSE) is kept without dates: last_cum_date, ex_date, settlement_cycle_days and
    both settlement dates are null, and `warnings` says so (`unsupported_mic`). The
    primary listing always has its dates.
    """

    role: ListingRole = Field(description="primary or other", examples=["primary"])
    mic: str = Field(description="ISO 10383 MIC of the market", examples=["XTKS"])
    symbol: str | None = Field(description="Local code or ticker", examples=["3774"])
    shares_per_unit: DecimalText = Field(
        description="Shares one traded unit represents (ADS ratio)", examples=["1", "0.5"]
    )
    gross_amount_per_unit: DecimalText = Field(
        description="Gross rate per traded unit = rate per share x shares_per_unit, in "
        "`currency` (for ADSs: before conversion and depositary fees)",
        examples=["13.50", "6.75"],
    )
    currency: str = Field(description="ISO 4217 currency of the rate", examples=["JPY"])
    record_date: dt.date = Field(
        description="Record date (RDTE) of this listing's register: the resolution's, or "
        "the listing's own where it gave one",
        examples=["2016-09-30"],
    )
    book_closure: BookClosureView | None = Field(
        default=None,
        description="The register's book closure the dates count from (the last "
        "registration date is the business day before first_day), or null",
        examples=[None],
    )
    payment_date: dt.date | None = Field(
        description="Payment date (PAYD), null while unknown", examples=["2016-12-06"]
    )
    last_cum_date: dt.date | None = Field(
        description="Last trading day a buyer still settles by the record date (権利付最終日); "
        "null on a market not supported (see warnings)",
        examples=["2016-09-27"],
    )
    ex_date: dt.date | None = Field(
        description="First trading day without the dividend (XDTE): session after "
        "last_cum_date; null on a market not supported (see warnings)",
        examples=["2016-09-28"],
    )
    settlement_cycle_days: int | None = Field(
        description="Settlement cycle (T+n settlement days) in force on last_cum_date",
        examples=[3],
    )
    last_cum_settlement_date: dt.date | None = Field(
        description="Settlement date of a trade on last_cum_date (<= record_date)",
        examples=["2016-09-30"],
    )
    ex_date_settlement_date: dt.date | None = Field(
        description="Settlement date of a trade on ex_date (> record_date, or with a "
        "book closure > the last registration date; a day later than its cycle where the "
        "market deferred a trade settling on a record date, as Tokyo did until "
        "2009-11-13; under the ASX's ex period, record dates to 2014-04-17, it may be "
        "earlier); null if past the end of the built calendar",
        examples=["2016-10-03"],
    )
    warnings: tuple[ReasonView, ...] = Field(
        default=(),
        description="Findings about this listing (also in validation.warnings): "
        "unsupported_mic (no dates), derived_amount_rounded (rate per unit truncated)",
        examples=[[]],
    )


class TotalView(_View):
    amount: DecimalText = Field(
        description="rate x eligible_shares, at the currency's minor unit",
        examples=["620000001"],
    )
    currency: str = Field(description="ISO 4217 currency", examples=["JPY"])
    rounding: Rounding = Field(
        description="Rounding applied to reach the minor unit", examples=["truncate"]
    )
    eligible_shares: int = Field(description="Shares the total is for", examples=[45925926])


class DeclaredTotalView(_View):
    amount: DecimalText = Field(description="Printed figure", examples=["620"])
    unit: int = Field(description="Currency units per printed unit", examples=[1000000])
    rounding: Rounding = Field(description="Rounding of the printed figure", examples=["truncate"])
    total_min: DecimalText = Field(
        description="Smallest exact total that prints as `amount` (inclusive)",
        examples=["620000000"],
    )
    total_max_exclusive: DecimalText = Field(
        description="First exact total that no longer prints as `amount`",
        examples=["621000000"],
    )
    eligible_shares_min: int = Field(
        description="Fewest eligible shares consistent with the printed total",
        examples=[45925926],
    )
    eligible_shares_max: int = Field(
        description="Most eligible shares consistent with the printed total (inclusive; "
        "below eligible_shares_min when no whole share count fits)",
        examples=[45999999],
    )


class AmountsView(_View):
    currency: str = Field(description="ISO 4217 currency", examples=["JPY"])
    gross_amount_per_share: DecimalText = Field(
        description="Gross rate per share as resolved", examples=["13.50"]
    )
    total: TotalView | None = Field(description="Total, when eligible_shares is known")
    declared_total: DeclaredTotalView | None = Field(
        description="The printed total and the share range it implies, when given"
    )
    consistency: Consistency = Field(
        description="consistent / inconsistent: eligible_shares inside the declared "
        "total's share range; not_checked when either is unknown",
        examples=["consistent"],
    )


class ComponentView(_View):
    dividend_type: DividendType = Field(examples=["interim"], description="Which dividend")
    quarter: int | None = Field(
        description="Fiscal quarter 1-4 for quarterly/regular/special, else null",
        examples=[None],
    )
    amount_per_share: DecimalText = Field(description="Per share", examples=["13.50"])
    status: EntryStatus = Field(description="resolved or forecast", examples=["resolved"])


class FiscalYearView(_View):
    fiscal_year_end: dt.date = Field(description="End of the fiscal year", examples=["2017-03-31"])
    components: tuple[ComponentView, ...] = Field(description="Dividends of the year")
    resolved_total: DecimalText = Field(description="Sum of resolved", examples=["13.50"])
    forecast_total: DecimalText = Field(description="Sum of forecasts", examples=["13.50"])
    annual_total: DecimalText = Field(
        description="Annual dividend per share: resolved + forecast", examples=["27.00"]
    )
    includes_forecast: bool = Field(
        description="True when annual_total still counts forecasts", examples=[True]
    )


class ChangeView(_View):
    reference_amount: DecimalText = Field(description="Compared with", examples=["11.00"])
    change: DecimalText = Field(description="Current minus reference", examples=["2.50"])
    reference_fiscal_year_end: dt.date | None = Field(
        description="Fiscal year of the reference, for year-on-year comparisons",
        examples=["2016-03-31"],
    )
    reference_disclosed_on: dt.date | None = Field(
        description="Disclosure date of the reference forecast", examples=["2016-05-13"]
    )


class FiscalView(_View):
    fiscal_year_end: dt.date = Field(
        description="Fiscal year of the dividend", examples=["2017-03-31"]
    )
    dividend_type: DividendType = Field(description="Which dividend", examples=["interim"])
    quarter: int | None = Field(description="Fiscal quarter, when relevant", examples=[None])
    this_year: FiscalYearView = Field(description="Roll-up of this fiscal year")
    prior_year: FiscalYearView | None = Field(
        description="Roll-up of the prior fiscal year, when the history has it"
    )
    vs_prior_year_same_period: ChangeView | None = Field(
        description="Against the same dividend a year earlier"
    )
    vs_prior_year_annual: ChangeView | None = Field(
        description="This year's annual total against last year's"
    )
    vs_forecast: ChangeView | None = Field(description="Against the latest forecast")


class StatusView(_View):
    complete: bool = Field(
        description="ISO 15022 processing status: complete once the payment date is known",
        examples=[True],
    )
    confirmed: bool = Field(description="false while subject to AGM approval", examples=[True])


class ScheduleView(_View):
    """The schedule of one board-resolved cash dividend."""

    contract: Literal["corporate-actions.dividend-schedule.v1"] = Field(
        description="Name and version of this contract",
        examples=[SCHEDULE_CONTRACT],
    )
    message_id: str = Field(description="message_id of the resolution", examples=["iij-1"])
    event_id: str = Field(description="event_id of the resolution", examples=["JP3152820001-1"])
    function: Function = Field(description="Function of the resolution", examples=["NEWM"])
    version: int = Field(description="Version of the resolution", examples=[1])
    security_key: str = Field(
        description="ISIN, else MIC:local_code (the Kafka key)", examples=["JP3152820001"]
    )
    event_type: EventType = Field(
        description="DVCA cash dividend, CAPD capital distribution", examples=["DVCA"]
    )
    dividend_type: DividendType = Field(description="Which dividend", examples=["interim"])
    resolved_on: dt.date = Field(description="Resolution date (ANOU)", examples=["2016-11-04"])
    record_date: dt.date = Field(description="Record date (RDTE)", examples=["2016-09-30"])
    payment_date: dt.date | None = Field(
        description="Payment date (PAYD), null while unknown", examples=["2016-12-06"]
    )
    primary_listing: ListingView = Field(description="Dates at the primary listing")
    other_listings: tuple[ListingView, ...] = Field(
        description="Dates at each other listing, in the resolution's order"
    )
    amounts: AmountsView = Field(description="Rate, total and declared-total check")
    fiscal: FiscalView = Field(description="Fiscal roll-up and comparisons")
    status: StatusView = Field(description="Processing status")
    validation: ValidationView = Field(description="Verdict and warnings")


# --- domain -> contract ----------------------------------------------------------------
#
# Enums go into the plain data as their values, read as `_value_`: the attribute itself,
# where `.value` is a property (two Python calls per read, a dozen reads a schedule).


def to_history_entry(resolution: BoardResolution) -> PastDividend:
    """What the service stores of a scheduled resolution, for later roll-ups."""
    return PastDividend(
        fiscal_year_end=resolution.fiscal_year_end,
        dividend_type=resolution.dividend_type,
        amount_per_share=resolution.gross_amount_per_share,
        currency=resolution.currency,
        status=EntryStatus.RESOLVED,
        record_date=resolution.record_date,
        event_id=resolution.event_id,
        disclosed_on=resolution.resolved_on,
    )


def _listing(s: ListingSchedule, resolution: BoardResolution) -> dict[str, Any]:
    """A listing's part of the schedule; its dates are null on a market whose settlement
    history is not held (an other listing warned ``unsupported_mic``)."""
    d = s.dates
    return {
        "role": s.role._value_,
        "mic": s.mic,
        "symbol": s.symbol,
        "shares_per_unit": plain(s.shares_per_unit),
        "gross_amount_per_unit": plain(s.gross_amount_per_unit),
        "currency": resolution.currency,
        "record_date": resolution.record_date if s.record_date is None else s.record_date,
        "book_closure": _closure(s.book_closure),
        "payment_date": resolution.payment_date,
        "last_cum_date": None if d is None else d.last_cum_date,
        "ex_date": None if d is None else d.ex_date,
        "settlement_cycle_days": None if d is None else d.settlement_cycle,
        "last_cum_settlement_date": None if d is None else d.last_cum_settles_on,
        "ex_date_settlement_date": None if d is None else d.ex_date_settles_on,
        "warnings": [_reason(w) for w in s.warnings],
    }


def _closure(c: BookClosureLike | None) -> dict[str, dt.date] | None:
    return None if c is None else {"first_day": c.first_day, "last_day": c.last_day}


def _reason(r: Reason) -> dict[str, str]:
    return {"code": r.code._value_, "field": r.field, "message": r.message}


def _year(y: FiscalYear | None) -> dict[str, Any] | None:
    if y is None:
        return None
    return {
        "fiscal_year_end": y.fiscal_year_end,
        "components": [
            {
                "dividend_type": c.dividend_type._value_,
                "quarter": c.quarter,
                "amount_per_share": plain(c.amount_per_share),
                "status": c.status._value_,
            }
            for c in y.components
        ],
        "resolved_total": plain(y.resolved_total),
        "forecast_total": plain(y.forecast_total),
        "annual_total": plain(y.annual_total),
        "includes_forecast": y.includes_forecast,
    }


def _change(c: Change | None) -> dict[str, Any] | None:
    if c is None:
        return None
    return {
        "reference_amount": plain(c.reference_amount),
        "change": plain(c.change),
        "reference_fiscal_year_end": c.reference_fiscal_year_end,
        "reference_disclosed_on": c.reference_disclosed_on,
    }


def _amounts(resolution: BoardResolution, amounts: Amounts) -> dict[str, Any]:
    total = amounts.total
    declared = amounts.declared_total
    rng = amounts.declared_range
    return {
        "currency": resolution.currency,
        "gross_amount_per_share": plain(resolution.gross_amount_per_share),
        "total": (
            None
            if total is None
            else {
                "amount": plain(total.amount),
                "currency": total.currency,
                "rounding": total.rounding._value_,
                "eligible_shares": total.eligible_shares,
            }
        ),
        "declared_total": (
            None
            if declared is None or rng is None
            else {
                "amount": plain(declared.amount),
                "unit": declared.unit,
                "rounding": declared.rounding._value_,
                "total_min": plain(rng.total_min),
                "total_max_exclusive": plain(rng.total_max_exclusive),
                "eligible_shares_min": rng.eligible_shares_min,
                "eligible_shares_max": rng.eligible_shares_max,
            }
        ),
        "consistency": amounts.consistency._value_,
    }


def _fiscal(fiscal: FiscalRollUp) -> dict[str, Any]:
    return {
        "fiscal_year_end": fiscal.fiscal_year_end,
        "dividend_type": fiscal.dividend_type._value_,
        "quarter": fiscal.quarter,
        "this_year": _year(fiscal.this_year),
        "prior_year": _year(fiscal.prior_year),
        "vs_prior_year_same_period": _change(fiscal.vs_prior_year_same_period),
        "vs_prior_year_annual": _change(fiscal.vs_prior_year_annual),
        "vs_forecast": _change(fiscal.vs_forecast),
    }


def _validation(schedule: DividendSchedule) -> dict[str, Any]:
    return {
        "verdict": "valid_with_warnings" if schedule.warnings else "valid",
        "warnings": [_reason(w) for w in schedule.warnings],
    }


def view_data(resolution: BoardResolution, schedule: DividendSchedule) -> dict[str, Any]:
    """A computed schedule as plain data in `ScheduleView`'s field order, with money as
    plain decimal text and enums as their values, as the model serializes them; dates
    stay dates (pydantic-core writes them as the model does). `to_view` validates it,
    `schedule_json` dumps it."""
    return {
        "contract": SCHEDULE_CONTRACT,
        "message_id": resolution.message_id,
        "event_id": resolution.event_id,
        "function": resolution.function._value_,
        "version": resolution.version,
        "security_key": resolution.security_key,
        "event_type": schedule.event_type._value_,
        "dividend_type": resolution.dividend_type._value_,
        "resolved_on": resolution.resolved_on,
        "record_date": resolution.record_date,
        "payment_date": resolution.payment_date,
        "primary_listing": _listing(schedule.primary, resolution),
        "other_listings": [_listing(o, resolution) for o in schedule.other_listings],
        "amounts": _amounts(resolution, schedule.amounts),
        "fiscal": _fiscal(schedule.fiscal),
        "status": {"complete": schedule.complete, "confirmed": schedule.confirmed},
        "validation": _validation(schedule),
    }


def to_view(resolution: BoardResolution, schedule: DividendSchedule) -> ScheduleView:
    """The contract view of a computed schedule, validated against the contract."""
    return ScheduleView.model_validate(view_data(resolution, schedule))


def schedule_json(resolution: BoardResolution, schedule: DividendSchedule) -> bytes:
    """`to_view(...).model_dump_json()`, byte for byte, without building the models.

    The service's hot path: validating the nested view only to serialize it again is
    the costly part (``make bench`` compares the two paths). pydantic-core's own serializer
    writes the plain data (same escaping, dates and field order as the model; faster
    than `json.dumps`). Enums go in as their values: it takes a slow path for str
    subclasses.
    `tests/unit/test_encoding.py` holds the two paths equal.
    """
    return to_json(view_data(resolution, schedule))


def compute_schedule(
    resolution: BoardResolution, history: DividendHistory | None = None
) -> ScheduleView:
    """Schedule `resolution`; raise `DomainRejected` (with every reason) if it breaks a rule.

    `history`: the security's earlier dividends and forecasts, for the fiscal roll-up
    (the service keeps it; `to_history_entry` makes an entry of a scheduled resolution).
    """
    return to_view(resolution, schedule_dividend(resolution, history))


__all__ = [
    "SCHEDULE_CONTRACT",
    "AmountsView",
    "BookClosureView",
    "ChangeView",
    "ComponentView",
    "DeclaredTotalView",
    "FiscalView",
    "FiscalYearView",
    "ListingView",
    "ReasonView",
    "ScheduleView",
    "StatusView",
    "TotalView",
    "ValidationView",
    "compute_schedule",
    "to_history_entry",
    "to_view",
]
