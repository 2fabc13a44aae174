"""The board-resolution contract (`corporate-actions.board-resolutions.v1`, inbound).

Field names are fixed: other teams publish these messages. Money arrives as a decimal
string or an integer, never as a JSON float.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field


def _no_float(value: Any) -> Any:
    """Reject JSON floats for money: a float has already lost the printed digits."""
    if isinstance(value, float):
        raise ValueError("money must be a decimal string or an integer, not a JSON float")
    if isinstance(value, bool):
        raise ValueError("money must be a decimal string or an integer, not a boolean")
    return value


Money = Annotated[Decimal, BeforeValidator(_no_float), Field(allow_inf_nan=False)]


class Function(StrEnum):
    """ISO 15022 function of the message (MT564 :23G:)."""

    NEWM = "NEWM"
    REPL = "REPL"
    CANC = "CANC"
    WITH = "WITH"


class DividendType(StrEnum):
    INTERIM = "interim"
    YEAR_END = "year_end"
    QUARTERLY = "quarterly"
    REGULAR = "regular"
    SPECIAL = "special"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Issuer(_Strict):
    name: str = Field(min_length=1, max_length=200, examples=["Internet Initiative Japan Inc."])
    lei: str | None = Field(default=None, pattern=r"^[A-Z0-9]{18}[0-9]{2}$")


class Security(_Strict):
    isin: str | None = Field(default=None, pattern=r"^[A-Z]{2}[A-Z0-9]{9}[0-9]$")
    local_code: str | None = Field(default=None, min_length=1, max_length=12)
    mic: str = Field(pattern=r"^[A-Z0-9]{4}$", examples=["XTKS"])


class OtherListing(_Strict):
    mic: str = Field(pattern=r"^[A-Z0-9]{4}$", examples=["XNAS"])
    symbol: str = Field(min_length=1, max_length=12, examples=["IIJI"])
    shares_per_unit: Money = Field(gt=0, examples=["0.5"])


class DeclaredTotal(_Strict):
    amount: Money = Field(ge=0, examples=["620"])
    unit: int = Field(ge=1, examples=[1_000_000])
    rounding: str = Field(pattern=r"^(truncate|half_up)$", examples=["truncate"])


class Forecast(_Strict):
    amount: Money = Field(ge=0, examples=["13.50"])
    disclosed_on: dt.date


class BoardResolution(_Strict):
    message_id: str = Field(min_length=1, max_length=128)
    event_id: str = Field(min_length=1, max_length=128)
    function: Function
    version: int = Field(ge=1, le=2**31 - 1)
    resolved_on: dt.date
    subject_to_approval: bool = False
    issuer: Issuer
    security: Security
    other_listings: list[OtherListing] = Field(default_factory=list, max_length=32)
    dividend_type: DividendType
    fiscal_year_end: dt.date
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    gross_amount_per_share: Money
    record_date: dt.date
    payment_date: dt.date | None = None
    eligible_shares: int | None = Field(default=None, ge=0, le=10**15)
    declared_total: DeclaredTotal | None = None
    source_of_funds: str = Field(pattern=r"^(retained_earnings|capital_surplus)$")
    forecast_per_share: Forecast | None = None

    @property
    def security_key(self) -> str:
        """Kafka key: the ISIN, else MIC + local code, so one security's events stay in order."""
        if self.security.isin:
            return self.security.isin
        return f"{self.security.mic}:{self.security.local_code}"
