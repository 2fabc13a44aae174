"""The board-resolution contract (`corporate-actions.board-resolutions.v1`, inbound).

Field names are fixed: other teams publish these messages (issue 5 lists them). This
module checks what a message *is* (types, formats, identifiers); whether it makes
sense as a dividend (payment after record date, known currency and MIC, ...) is the
domain's job (`corpactions.domain`), so that rule lives in one place.

Numbers arrive as strings or integers. A JSON float for money is rejected: by the time
it is a float the printed digits are gone ("13.50" vs 13.5, or 0.1 + 0.2).
Error types raised here (pydantic's `type` of each error) are machine-readable:
`money_is_float`, `money_is_bool`, `money_not_decimal_string`, `integer_is_float`,
`integer_is_bool`, `date_not_iso`, `isin_check_digit`, `security_identifier_missing`.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Final

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

# The enums are the domain's own (contracts may use domain types; never the reverse), so
# a decoded resolution is handed to the core as it is.
from corpactions.domain import DividendType, Rounding, SourceOfFunds

__all__ = [
    "BoardResolution",
    "DeclaredTotal",
    "DividendType",
    "Forecast",
    "Function",
    "Issuer",
    "Money",
    "OtherListing",
    "Rounding",
    "Security",
    "SourceOfFunds",
]

_DECIMAL_TEXT: Final = re.compile(r"-?[0-9]+(\.[0-9]+)?")
_ISO_DATE: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _money_input(value: Any) -> Any:
    """Accept a decimal string ("13.50") or an integer; reject floats and booleans."""
    if isinstance(value, bool):  # before int: bool is an int subclass
        raise PydanticCustomError(
            "money_is_bool", "money must be a decimal string or an integer, not a boolean"
        )
    if isinstance(value, float):
        raise PydanticCustomError(
            "money_is_float",
            'money must be a decimal string (e.g. "13.50") or an integer, not a JSON float: '
            "a float has already lost the printed digits",
        )
    if isinstance(value, str) and not _DECIMAL_TEXT.fullmatch(value):
        raise PydanticCustomError(
            "money_not_decimal_string",
            'money must be a plain decimal string like "13.50" or "1500" '
            "(no exponent, spaces, sign '+' or thousands separators)",
        )
    return value


def _integer_input(value: Any) -> Any:
    """Accept an integer or a string of digits; reject floats and booleans."""
    if isinstance(value, bool):
        raise PydanticCustomError("integer_is_bool", "must be an integer, not a boolean")
    if isinstance(value, float):
        raise PydanticCustomError("integer_is_float", "must be an integer, not a JSON float")
    return value


def _date_input(value: Any) -> Any:
    """Accept an ISO 8601 calendar date "YYYY-MM-DD" (or a date); reject timestamps."""
    if isinstance(value, dt.datetime):
        raise PydanticCustomError("date_not_iso", "must be a date, not a date-time")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        return value
    raise PydanticCustomError("date_not_iso", "must be an ISO 8601 date string YYYY-MM-DD")


Money = Annotated[Decimal, BeforeValidator(_money_input), Field(allow_inf_nan=False)]
"""A decimal amount: JSON string "13.50" or integer 1500; never a JSON float."""

Integer = Annotated[int, BeforeValidator(_integer_input)]
IsoDate = Annotated[dt.date, BeforeValidator(_date_input)]
Mic = Annotated[
    str,
    Field(
        pattern=r"^[A-Z0-9]{4}$",
        description="ISO 10383 market identifier code (operating or segment MIC)",
        examples=["XTKS", "XNYS", "XNAS"],
    ),
]


def _isin_check_digit_ok(isin: str) -> bool:
    """ISO 6166 check digit: letters to numbers (A=10 ... Z=35), then Luhn (mod 10)."""
    digits = "".join(str(int(ch, 36)) for ch in isin)
    total = 0
    for position, ch in enumerate(reversed(digits)):
        d = int(ch)
        if position % 2 == 1:
            d *= 2
            d = d - 9 if d > 9 else d
        total += d
    return total % 10 == 0


class Function(StrEnum):
    """ISO 15022 function of the message (MT564 :23G:)."""

    NEWM = "NEWM"  # new
    REPL = "REPL"  # replacement: supersedes the previous version of the same event_id
    CANC = "CANC"  # cancellation by the sender
    WITH = "WITH"  # withdrawn by the issuer


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Issuer(_Strict):
    """The company whose board resolved the dividend."""

    name: str = Field(
        min_length=1,
        max_length=200,
        description="Issuer's legal name as published",
        examples=["Internet Initiative Japan Inc."],
    )
    lei: str | None = Field(
        default=None,
        pattern=r"^[A-Z0-9]{18}[0-9]{2}$",
        description="ISO 17442 legal entity identifier, if known (example: format only)",
        examples=["5493001KJTIIGC8Y1R12"],
    )


class Security(_Strict):
    """The share the dividend is paid on, at its primary listing."""

    isin: str | None = Field(
        default=None,
        pattern=r"^[A-Z]{2}[A-Z0-9]{9}[0-9]$",
        description="ISO 6166 ISIN (check digit verified); the Kafka key when present",
        examples=["JP3152820001"],
    )
    local_code: str | None = Field(
        default=None,
        min_length=1,
        max_length=12,
        description="Exchange-local code (TSE securities code, US ticker)",
        examples=["3774"],
    )
    mic: Mic = Field(
        description="Primary listing's market: its calendar and settlement cycle set the "
        "last cum-dividend day and ex-date",
        examples=["XTKS"],
    )

    @model_validator(mode="after")
    def _identified(self) -> Security:
        if self.isin is None and self.local_code is None:
            raise PydanticCustomError(
                "security_identifier_missing", "give an isin, a local_code, or both"
            )
        if self.isin is not None and not _isin_check_digit_ok(self.isin):
            raise PydanticCustomError(
                "isin_check_digit",
                "ISIN {isin} fails its ISO 6166 check digit",
                {"isin": self.isin},
            )
        return self


class OtherListing(_Strict):
    """Another market the security trades on, e.g. as ADSs; gets its own ex-date."""

    mic: Mic = Field(description="Market of this listing", examples=["XNAS"])
    symbol: str = Field(
        min_length=1, max_length=12, description="Ticker on that market", examples=["IIJI"]
    )
    shares_per_unit: Money = Field(
        gt=0,
        description='Shares one traded unit represents: 2 ADS = 1 share is "0.5"; the '
        "per-unit rate is the per-share rate x this",
        examples=["0.5", "1"],
    )


class DeclaredTotal(_Strict):
    """The total dividend as the issuer printed it: amount x unit, after rounding."""

    amount: Money = Field(
        ge=0,
        description="Printed figure, in `unit`s of the currency",
        examples=["620"],
    )
    unit: Integer = Field(
        ge=1,
        description="Currency units per printed unit: 1, 1000, 1000000 (a power of ten)",
        examples=[1_000_000],
    )
    rounding: Rounding = Field(
        description="How the printed figure was rounded from the exact total "
        "(Japanese releases usually truncate below the unit)",
        examples=["truncate"],
    )


class Forecast(_Strict):
    """The latest forecast of this dividend, as disclosed before the resolution."""

    amount: Money = Field(ge=0, description="Forecast per share", examples=["13.50"])
    disclosed_on: IsoDate = Field(
        description="Date the forecast was published", examples=["2016-05-13"]
    )


class ReferencePrice(_Strict):
    """The security's value a distribution is measured against (FINRA Rule 11140)."""

    amount: Money = Field(
        gt=0,
        description="Closing price per share, in the dividend currency",
        examples=["25.50"],
    )
    priced_on: IsoDate = Field(
        description="Trading day of that close (the declaration date)", examples=["2019-12-05"]
    )


_IIJ_EXAMPLE: Final[dict[str, Any]] = {
    "message_id": "iij-3774-fy2016-interim-msg-1",
    "event_id": "JP3152820001-DVCA-FY2016-INTERIM",
    "function": "NEWM",
    "version": 1,
    "resolved_on": "2016-11-04",
    "issuer": {"name": "Internet Initiative Japan Inc."},
    "security": {"isin": "JP3152820001", "local_code": "3774", "mic": "XTKS"},
    "other_listings": [{"mic": "XNAS", "symbol": "IIJI", "shares_per_unit": "0.5"}],
    "dividend_type": "interim",
    "fiscal_year_end": "2017-03-31",
    "currency": "JPY",
    "gross_amount_per_share": "13.50",
    "record_date": "2016-09-30",
    "payment_date": "2016-12-06",
    "eligible_shares": 45925926,
    "declared_total": {"amount": "620", "unit": 1000000, "rounding": "truncate"},
    "source_of_funds": "retained_earnings",
    "forecast_per_share": {"amount": "13.50", "disclosed_on": "2016-05-13"},
}


class BoardResolution(_Strict):
    """A cash dividend resolved by an issuer's board (or AGM), as published to Kafka."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        title="BoardResolution",
        json_schema_extra={"examples": [_IIJ_EXAMPLE]},
    )

    message_id: str = Field(
        min_length=1,
        max_length=128,
        description="Unique per message; a repeated message_id is a duplicate (idempotency)",
        examples=["iij-3774-fy2016-interim-msg-1"],
    )
    event_id: str = Field(
        min_length=1,
        max_length=128,
        description="Stable across every update of one corporate action (ISO 15022 CORP)",
        examples=["JP3152820001-DVCA-FY2016-INTERIM"],
    )
    official_reference: str | None = Field(
        default=None,
        min_length=1,
        max_length=35,
        description="Official corporate action event reference given by the market's "
        "official body (ISO 15022 COAF), or null. ISO 20022 notifications carry at most 16 "
        "characters of it (market practice): a longer one still gets its JSON events, and "
        "its notification is dead-lettered (iso20022_restriction)",
        examples=[None],
    )
    function: Function = Field(
        description="NEWM new, REPL replacement, CANC cancel, WITH withdrawn by issuer",
        examples=["NEWM"],
    )
    version: Integer = Field(
        ge=1,
        le=2**31 - 1,
        description="1, 2, ...: increases with every message of one event_id",
        examples=[1],
    )
    resolved_on: IsoDate = Field(
        description="Date the board (or AGM) resolved the dividend; may be after the "
        "record date (Japanese interim dividends usually are)",
        examples=["2016-11-04"],
    )
    subject_to_approval: bool = Field(
        default=False,
        strict=True,
        description="true while a board-resolved year-end dividend awaits AGM approval "
        "(the event is unconfirmed until then)",
        examples=[False],
    )
    issuer: Issuer = Field(
        description="The issuing company", examples=[{"name": "Internet Initiative Japan Inc."}]
    )
    security: Security = Field(
        description="The share and its primary listing",
        examples=[{"isin": "JP3152820001", "local_code": "3774", "mic": "XTKS"}],
    )
    other_listings: list[OtherListing] = Field(
        default_factory=list,
        max_length=32,
        description="Other markets the security trades on (e.g. ADSs), each with its "
        "own last cum-dividend day and ex-date",
        examples=[[{"mic": "XNAS", "symbol": "IIJI", "shares_per_unit": "0.5"}]],
    )
    dividend_type: DividendType = Field(
        description="interim, year_end, quarterly, regular or special", examples=["interim"]
    )
    fiscal_year_end: IsoDate = Field(
        description="Last day of the fiscal year the dividend belongs to (IIJ's FY2016 "
        "ends 2017-03-31)",
        examples=["2017-03-31"],
    )
    currency: str = Field(
        pattern=r"^[A-Z]{3}$",
        description="ISO 4217 alphabetic code of the dividend currency",
        examples=["JPY", "USD"],
    )
    gross_amount_per_share: Money = Field(
        description="Gross dividend per share (ISO 15022 GRSS) as printed; may carry more "
        "decimals than the currency (JPY 13.50, USD 0.2875)",
        examples=["13.50", "0.2875", "1500"],
    )
    record_date: IsoDate = Field(
        description="Holders on the register at the end of this day receive the dividend "
        "(RDTE); may be a non-trading day",
        examples=["2016-09-30"],
    )
    payment_date: IsoDate | None = Field(
        default=None,
        description="Payment date (PAYD), or null while unknown (the event is incomplete)",
        examples=["2016-12-06"],
    )
    eligible_shares: Integer | None = Field(
        default=None,
        ge=0,
        le=10**15,
        description="Shares outstanding less treasury shares on the record date, or null",
        examples=[45925926],
    )
    declared_total: DeclaredTotal | None = Field(
        default=None,
        description="The total dividend as printed (e.g. JPY 620 million, truncated), or null",
        examples=[{"amount": "620", "unit": 1000000, "rounding": "truncate"}],
    )
    source_of_funds: SourceOfFunds = Field(
        description="retained_earnings (DVCA) or capital_surplus (a capital distribution, CAPD)",
        examples=["retained_earnings"],
    )
    forecast_per_share: Forecast | None = Field(
        default=None,
        description="The latest forecast of this dividend and when it was disclosed",
        examples=[{"amount": "13.50", "disclosed_on": "2016-05-13"}],
    )
    reference_price: ReferencePrice | None = Field(
        default=None,
        description="Closing price per share on the declaration date, in the dividend "
        "currency, or null. On US markets a distribution of 25% or more of it goes ex on the "
        "first business day after the payment date (FINRA Rule 11140(b)(2)) instead of by "
        "the settlement cycle; without it the general rule applies",
        examples=[{"amount": "25.50", "priced_on": "2019-12-05"}],
    )

    @property
    def security_key(self) -> str:
        """Kafka key: the ISIN, else MIC + local code, so one security's events stay in order."""
        if self.security.isin:
            return self.security.isin
        return f"{self.security.mic}:{self.security.local_code}"
