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
from collections.abc import Callable, Mapping
from decimal import Decimal
from enum import StrEnum
from functools import partial
from typing import Annotated, Any, Final

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

from corpactions.contracts.native import NativeJson, NativeSchema

# The enums are the domain's own (contracts may use domain types; never the reverse), so
# a decoded resolution is handed to the core as it is.
from corpactions.domain import DividendType, Rounding, SourceOfFunds
from corpactions.domain.money import MAX_RATE_DECIMALS, MAX_TOTAL_DIGITS

__all__ = [
    "BoardResolution",
    "BookClosure",
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
_DIGITS: Final = re.compile(r"[0-9]+")
_ISO_DATE: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

# --- what the published JSON Schema says ---------------------------------------------
#
# The schema must refuse what the service refuses (issue 15): every check below that a
# JSON Schema can express is published with the field, and tests/unit/contracts/
# test_agreement.py holds the schema and the service to the same verdict on a corpus.
#
# Patterns are ECMA-262 (the JSON Schema dialect), written so that engines that differ
# agree: `$` also matches before a final newline in Python's `re` (which the Python
# `jsonschema` package uses) and in Java, so every pattern-checked string that can vary
# in length also carries `"not": {"pattern": "\\n"}`; fixed-length ones a `maxLength`.
NO_NEWLINE: Final[dict[str, Any]] = {"pattern": "\\n"}


def decimal_pattern(*, signed: bool) -> str:
    """A plain decimal string within the ISO 20022 amount limits the service enforces.

    At most `MAX_RATE_DECIMALS` (13) decimals and `MAX_TOTAL_DIGITS` (18) digits,
    counted as the domain counts them (`domain.schedule._precision`): decimals as
    written, integer digits without leading zeros ("0013.50" has 4 digits, "0.2875" 4).
    """
    with_point = []
    for decimals in range(MAX_RATE_DECIMALS + 1):
        more = MAX_TOTAL_DIGITS - decimals - 1  # integer digits after the first non-zero
        fraction = {0: "", 1: "\\.[0-9]"}.get(decimals, f"\\.[0-9]{{{decimals}}}")
        with_point.append(f"[0-9]{{0,{more}}}{fraction}")
    zero_integer = f"0+(?:\\.[0-9]{{1,{MAX_RATE_DECIMALS}}})?"
    core = f"(?:{zero_integer}|0*[1-9](?:{'|'.join(with_point)}))"
    return f"^{'-?' if signed else ''}{core}$"


ZERO_PATTERN: Final = "^-?0+(?:\\.0+)?$"
MONEY_INTEGER_MAX: Final = 10**MAX_TOTAL_DIGITS - 1  # 18 digits


def _money_schema(*, minimum: int, signed: bool, nonzero: bool) -> dict[str, Any]:
    text: dict[str, Any] = {"type": "string", "pattern": decimal_pattern(signed=signed)}
    text["not"] = {"anyOf": [NO_NEWLINE, {"pattern": ZERO_PATTERN}]} if nonzero else NO_NEWLINE
    return {
        "anyOf": [
            text,
            {"type": "integer", "minimum": minimum, "maximum": MONEY_INTEGER_MAX},
        ]
    }


def integer_pattern(low: int, high: int | None) -> str:
    """Digit strings (leading zeros allowed) whose value is in [low, high]; low is 0 or 1."""
    assert low in (0, 1)
    if high is None:
        body = "[0-9]*[1-9][0-9]*" if low else "[0-9]+"
        return f"^{body}$"
    top = str(high)
    alternatives = []
    if len(top) > 1:
        alternatives.append(f"[1-9][0-9]{{0,{len(top) - 2}}}")  # fewer digits than high
    for i, digit in enumerate(top):  # high's length: below high from position i on
        first = 1 if i == 0 else 0
        below = int(digit) - 1
        if below >= first:
            rest = len(top) - i - 1
            tail = {0: "", 1: "[0-9]"}.get(rest, f"[0-9]{{{rest}}}")
            span = str(first) if below == first else f"[{first}-{below}]"
            alternatives.append(f"{top[:i]}{span}{tail}")
    alternatives.append(top)
    nonzero = f"0*(?:{'|'.join(alternatives)})"
    return f"^(?:{nonzero}|0+)$" if low == 0 else f"^{nonzero}$"


def _integer_schema(low: int, high: int | None) -> dict[str, Any]:
    number: dict[str, Any] = {"type": "integer", "minimum": low}
    if high is not None:
        number["maximum"] = high
    text = {"type": "string", "pattern": integer_pattern(low, high), "not": NO_NEWLINE}
    return {"anyOf": [number, text]}


STORED: Final[dict[str, Any]] = {"stored": True}
"""Validation context for a resolution the service accepted earlier and kept in its state:
the forms an earlier contract took and this one refuses (" 12", "+12" and "1_000" for an
integer, a minus sign on a non-negative amount) are read as they were then, so a state
written before them still restores (`BoardResolution.model_validate_json(raw,
context=STORED)`)."""


def _stored(info: ValidationInfo) -> bool:
    return bool(info.context and info.context.get("stored"))


def _money_input(
    value: Any, info: ValidationInfo, *, signed: bool = True, strictly: bool = False
) -> Any:
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
    if isinstance(value, str):
        if not _DECIMAL_TEXT.fullmatch(value):
            raise PydanticCustomError(
                "money_not_decimal_string",
                'money must be a plain decimal string like "13.50" or "1500" '
                "(no exponent, spaces, sign '+' or thousands separators)",
            )
        if not signed and value.startswith("-") and not _stored(info):  # "-0" too: no sign
            code = "greater_than" if strictly else "greater_than_equal"
            raise PydanticCustomError(code, "must not carry a minus sign")
    return value


def _integer_input(value: Any, info: ValidationInfo) -> Any:
    """Accept an integer or a string of ASCII digits; reject floats and booleans."""
    if isinstance(value, bool):
        raise PydanticCustomError("integer_is_bool", "must be an integer, not a boolean")
    if isinstance(value, float):
        raise PydanticCustomError("integer_is_float", "must be an integer, not a JSON float")
    if isinstance(value, str):
        # pydantic's own str -> int also takes " 12", "+12", "1_000" and "12.0"; the
        # published pattern does not, so neither does the service
        if not _DIGITS.fullmatch(value):
            if _stored(info):
                return value  # pydantic's own str -> int, as before
            raise PydanticCustomError(
                "integer_not_digit_string", "an integer given as a string must be digits only"
            )
        return int(value)
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


# The same checks, natively, for a valid message's JSON (contracts/native.py): each
# schema accepts only JSON its function accepts, with the same result. (JSON has no
# dates, so a date is a string; the minus sign of a non-negative amount, accepted only
# from a stored state, and digit strings for integers are left to the functions.)
_JSON_DATE: Final = core_schema.str_schema(strict=True, pattern=f"^{_ISO_DATE.pattern}$")
_JSON_INTEGER: Final = core_schema.int_schema(strict=True)


def _native_date(inner: CoreSchema) -> CoreSchema:
    return core_schema.chain_schema([_JSON_DATE, inner])


def _native_money(inner: CoreSchema, *, signed: bool = True, strictly: bool = False) -> CoreSchema:
    text = _DECIMAL_TEXT.pattern if signed else _DECIMAL_TEXT.pattern.removeprefix("-?")
    return core_schema.union_schema(
        [
            core_schema.chain_schema(
                [core_schema.str_schema(strict=True, pattern=f"^{text}$"), inner]
            ),
            core_schema.chain_schema([_JSON_INTEGER, inner]),
        ]
    )


def _native_integer(inner: CoreSchema) -> CoreSchema:
    return core_schema.chain_schema([_JSON_INTEGER, inner])


NATIVE_JSON: Final[Mapping[Callable[..., Any], NativeSchema]] = {
    _date_input: _native_date,
    _money_input: _native_money,
    _integer_input: _native_integer,
}


Money = Annotated[
    Decimal,
    BeforeValidator(_money_input),
    Field(allow_inf_nan=False),
    WithJsonSchema(_money_schema(minimum=1, signed=False, nonzero=True)),
]
"""A decimal amount: JSON string "13.50" or integer 1500; never a JSON float.

The contract takes any sign (the rate's sign is the domain's rule, `non_positive_rate`,
as are the precision limits); the published schema states them all."""

NonNegativeMoney = Annotated[
    Decimal,
    BeforeValidator(partial(_money_input, signed=False)),
    Field(allow_inf_nan=False, ge=0),
    WithJsonSchema(_money_schema(minimum=0, signed=False, nonzero=False)),
]
PositiveMoney = Annotated[
    Decimal,
    BeforeValidator(partial(_money_input, signed=False, strictly=True)),
    Field(allow_inf_nan=False, gt=0),
    WithJsonSchema(_money_schema(minimum=1, signed=False, nonzero=True)),
]


def _integer(low: int, high: int | None = None) -> Any:
    bounds = Field(ge=low) if high is None else Field(ge=low, le=high)
    return Annotated[
        int, BeforeValidator(_integer_input), bounds, WithJsonSchema(_integer_schema(low, high))
    ]


Version = _integer(1, 2**31 - 1)
Shares = _integer(0, 10**15)
Unit = _integer(1)
IsoDate = Annotated[
    dt.date,
    BeforeValidator(_date_input),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date",
            "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
            "maxLength": 10,
        }
    ),
]
Mic = Annotated[
    str,
    Field(
        pattern=r"^[A-Z0-9]{4}$",
        max_length=4,  # see NO_NEWLINE
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
        max_length=20,
        description="ISO 17442 legal entity identifier, if known (example: format only)",
        examples=["5493001KJTIIGC8Y1R12"],
    )


class Security(_Strict):
    """The share the dividend is paid on, at its primary listing."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        # security_identifier_missing: an isin or a local_code, not null
        json_schema_extra={
            "anyOf": [
                {"required": ["isin"], "properties": {"isin": {"type": "string"}}},
                {"required": ["local_code"], "properties": {"local_code": {"type": "string"}}},
            ]
        },
    )

    isin: str | None = Field(
        default=None,
        pattern=r"^[A-Z]{2}[A-Z0-9]{9}[0-9]$",
        max_length=12,
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


class BookClosure(_Strict):
    """The days a register is closed to transfers (a book closure: Hong Kong, Singapore
    before 2014-04-22...), both inclusive. The record date is one of them (usually the
    last). The ex-date then counts from the last registration date, the business day
    before `first_day`, not from the record date: Langham 2017, books closed 09-11 to
    09-14, record 09-14, ex 09-07."""

    first_day: IsoDate = Field(
        description="First day the register is closed (the day after the last registration date)",
        examples=["2017-09-11"],
    )
    last_day: IsoDate = Field(
        description="Last day the register is closed (usually the record date)",
        examples=["2017-09-14"],
    )


class OtherListing(_Strict):
    """Another market the security trades on, e.g. as ADSs; gets its own ex-date."""

    mic: Mic = Field(description="Market of this listing", examples=["XNAS"])
    symbol: str = Field(
        min_length=1, max_length=12, description="Ticker on that market", examples=["IIJI"]
    )
    shares_per_unit: PositiveMoney = Field(
        description='Shares one traded unit represents: 2 ADS = 1 share is "0.5"; the '
        "per-unit rate is the per-share rate x this",
        examples=["0.5", "1"],
    )
    record_date: IsoDate | None = Field(
        default=None,
        description="This listing's own register's record date, where it differs from "
        "the resolution's (HSBC 2014: Hong Kong register 2014-05-22, UK register 05-23); "
        "null: the resolution's record date (the same register, e.g. an ADS). Its dates "
        "count from it; the date events fire on the resolution's record date",
        examples=[None, "2014-05-23"],
    )
    book_closure: BookClosure | None = Field(
        default=None,
        description="This listing's register's book closure, with its own record_date; "
        "null: none, or with no record_date of its own, the resolution's book_closure",
        examples=[None],
    )


class DeclaredTotal(_Strict):
    """The total dividend as the issuer printed it: amount x unit, after rounding."""

    amount: NonNegativeMoney = Field(
        description="Printed figure, in `unit`s of the currency",
        examples=["620"],
    )
    unit: Unit = Field(  # type: ignore[valid-type]
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

    amount: NonNegativeMoney = Field(description="Forecast per share", examples=["13.50"])
    disclosed_on: IsoDate = Field(
        description="Date the forecast was published", examples=["2016-05-13"]
    )


class ReferencePrice(_Strict):
    """The security's value a distribution is measured against (FINRA Rule 11140)."""

    amount: PositiveMoney = Field(
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
    """A cash dividend resolved by an issuer's board (or AGM), as published to Kafka.

    Money is a decimal string, "13.50" (or a JSON integer, 1500), never a JSON float: at
    most 13 decimals and 18 digits (ISO 20022 ActiveCurrencyAnd13DecimalAmount), no
    exponent, sign "+", spaces or separators; the rate is greater than zero. Dates are
    "YYYY-MM-DD" (`format: date`: turn format assertion on in your validator). A message
    valid against this schema passes the service's message checks, except for these,
    which only the service makes: the ISIN's check digit (`isin_check_digit`); a JSON
    number written with a fraction or an exponent (620.0, 1e2) where money or an integer
    is expected (`money_is_float`, `integer_is_float`; a validator that reads numbers by
    their value cannot see it: parse them losslessly, e.g. Python
    `json.loads(..., parse_float=Decimal)`); JSON that is not I-JSON (RFC 7493: invalid
    UTF-8, lone surrogates, NaN) (`undecodable`); more than 256 KiB (`payload_too_large`);
    a Kafka key other than the security key (`wrong_key`). The dividend's rules are the
    service's too (dead-letter reason `domain_rule`, e.g. `payment_before_record`,
    `unknown_currency`, `unknown_mic`, `derived_amount_out_of_range` for a total, rate x
    eligible shares, past 18 digits), as is the lifecycle: an update of a cancelled
    action (`event_cancelled`) or of one already paid (`event_already_paid`).
    """

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
    version: Version = Field(  # type: ignore[valid-type]
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
        max_length=3,
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
    eligible_shares: Shares | None = Field(  # type: ignore[valid-type]
        default=None,
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
    book_closure: BookClosure | None = Field(
        default=None,
        description="The days the primary register is closed to transfers (a book "
        "closure, e.g. in Hong Kong), inclusive, around the record date; or null. With "
        "it, the last cum-dividend day is the last session whose trades settle by the "
        "last registration date (the business day before first_day), not by the record "
        "date",
        examples=[None, {"first_day": "2017-09-11", "last_day": "2017-09-14"}],
    )

    @property
    def security_key(self) -> str:
        """Kafka key: the ISIN, else MIC + local code, so one security's events stay in order."""
        if self.security.isin:
            return self.security.isin
        return f"{self.security.mic}:{self.security.local_code}"


decode_resolution: Final = NativeJson(BoardResolution, NATIVE_JSON)
"""`BoardResolution.model_validate_json(raw)`: the same resolution, or the same errors;
about twice as fast for a valid one (contracts/native.py)."""
