"""The dividend-forecast contract (inbound, on the board-resolutions topic).

Issuers publish forecasts of their dividends (in Japan, in every quarter's "summary of
financial results": IIJ's of 2016-05-13 forecast FY2016 interim JPY 13.50 and year-end
JPY 13.50). A forecast message carries one disclosure: the forecast per share of one or
more dividends of one fiscal year. It goes on the board-resolutions topic, keyed by the
security like the resolutions (its ISIN, else `MIC:local code`), so a security's
forecasts and resolutions stay in one partition, in order, in one history.

A revision is a later disclosure: per fiscal year and dividend, the forecast with the
latest `disclosed_on` replaces the earlier ones (the same day: the later message). A
resolved dividend always outranks a forecast of the same period. Forecasts never make
events of their own: they enter the security's history and the fiscal roll-up of every
later resolution (`annual_total` = resolved + forecast, `includes_forecast`).
"""

from __future__ import annotations

from typing import Any, Final, Literal

from pydantic import ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from corpactions.contracts.board_resolution import (
    DividendType,
    IsoDate,
    Issuer,
    Money,
    Security,
    _Strict,
)
from corpactions.domain import EntryStatus, PastDividend
from corpactions.domain.forecasts import period_of

__all__ = [
    "FORECAST_MESSAGE_TYPE",
    "DividendForecast",
    "ForecastedDividend",
    "forecast_entries",
]

FORECAST_MESSAGE_TYPE: Final = "dividend_forecast"


class ForecastedDividend(_Strict):
    """One forecast dividend of the fiscal year."""

    dividend_type: DividendType = Field(
        description="interim, year_end, quarterly, regular or special", examples=["year_end"]
    )
    record_date: IsoDate | None = Field(
        default=None,
        description="Expected record date; required for quarterly, regular and special "
        "dividends (it places them in a fiscal quarter)",
        examples=["2017-03-31"],
    )
    amount_per_share: Money = Field(
        ge=0,
        description="Forecast gross dividend per share, as printed (JPY 13.50)",
        examples=["13.50"],
    )

    @model_validator(mode="after")
    def _placed(self) -> ForecastedDividend:
        if self.record_date is None and self.dividend_type not in {
            DividendType.INTERIM,
            DividendType.YEAR_END,
        }:
            raise PydanticCustomError(
                "forecast_record_date_missing",
                "a {kind} forecast needs its record_date (it places it in a fiscal quarter)",
                {"kind": self.dividend_type.value},
            )
        return self


_IIJ_FORECAST: Final[dict[str, Any]] = {
    "message_type": FORECAST_MESSAGE_TYPE,
    "message_id": "iij-3774-fy2016-forecast-2016-05-13",
    "disclosed_on": "2016-05-13",
    "issuer": {"name": "Internet Initiative Japan Inc."},
    "security": {"isin": "JP3152820001", "local_code": "3774", "mic": "XTKS"},
    "fiscal_year_end": "2017-03-31",
    "currency": "JPY",
    "dividends": [
        {"dividend_type": "interim", "amount_per_share": "13.50"},
        {"dividend_type": "year_end", "amount_per_share": "13.50"},
    ],
}


class DividendForecast(_Strict):
    """An issuer's forecast of its dividends for one fiscal year, as disclosed."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        title="DividendForecast",
        json_schema_extra={"examples": [_IIJ_FORECAST]},
    )

    message_type: Literal["dividend_forecast"] = Field(
        description='Always "dividend_forecast": tells a forecast from a board resolution '
        "on the same topic",
        examples=[FORECAST_MESSAGE_TYPE],
    )
    message_id: str = Field(
        min_length=1,
        max_length=128,
        description="Unique per message; a repeated message_id is a duplicate (idempotency)",
        examples=["iij-3774-fy2016-forecast-2016-05-13"],
    )
    disclosed_on: IsoDate = Field(
        description="Date the issuer published the forecast; a later disclosure of the "
        "same dividend replaces an earlier one",
        examples=["2016-05-13"],
    )
    issuer: Issuer = Field(
        description="The issuing company", examples=[{"name": "Internet Initiative Japan Inc."}]
    )
    security: Security = Field(
        description="The share, as in its board resolutions (the same key)",
        examples=[{"isin": "JP3152820001", "local_code": "3774", "mic": "XTKS"}],
    )
    fiscal_year_end: IsoDate = Field(
        description="Last day of the fiscal year the dividends belong to",
        examples=["2017-03-31"],
    )
    currency: str = Field(
        pattern=r"^[A-Z]{3}$",
        description="ISO 4217 alphabetic code of the forecast amounts",
        examples=["JPY"],
    )
    dividends: list[ForecastedDividend] = Field(
        min_length=1,
        max_length=16,
        description="The forecast dividends of the year (each period at most once); a "
        "period left out keeps its earlier forecast",
        examples=[[{"dividend_type": "year_end", "amount_per_share": "13.50"}]],
    )

    @model_validator(mode="after")
    def _each_period_once(self) -> DividendForecast:
        periods = [period_of(e) for e in forecast_entries(self)]
        if len(set(periods)) != len(periods):
            raise PydanticCustomError(
                "forecast_period_repeated",
                "each dividend (type, and fiscal quarter for quarterly/regular/special) may "
                "appear once in a forecast",
            )
        return self

    @property
    def security_key(self) -> str:
        """Kafka key: the ISIN, else MIC + local code (as for board resolutions)."""
        if self.security.isin:
            return self.security.isin
        return f"{self.security.mic}:{self.security.local_code}"


def forecast_entries(forecast: DividendForecast) -> tuple[PastDividend, ...]:
    """The history entries a forecast message makes (one per forecast dividend)."""
    return tuple(
        PastDividend(
            fiscal_year_end=forecast.fiscal_year_end,
            dividend_type=d.dividend_type,
            amount_per_share=d.amount_per_share,
            currency=forecast.currency,
            status=EntryStatus.FORECAST,
            record_date=d.record_date,
            disclosed_on=forecast.disclosed_on,
        )
        for d in forecast.dividends
    )
