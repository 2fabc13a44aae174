"""Fiscal roll-ups: figures from IIJ's release of 2016-11-04 (DOMAIN.md)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from corpactions.contracts.schedule import compute_schedule, to_history_entry
from corpactions.domain import DividendHistory, DividendType, EntryStatus, PastDividend
from corpactions.domain.fiscal import fiscal_quarter, one_year_earlier

from .resolutions import iij

D = Decimal

# FY2015 (year ended 2016-03-31): interim 11.00 + year-end 11.00 = 22.00, both resolved.
# FY2016 year-end forecast 13.50, disclosed 2016-05-13.
HISTORY = DividendHistory(
    entries=(
        PastDividend(
            dt.date(2016, 3, 31), DividendType.INTERIM, D("11.00"), "JPY",
            record_date=dt.date(2015, 9, 30), event_id="iij-fy2015-interim",
        ),
        PastDividend(
            dt.date(2016, 3, 31), DividendType.YEAR_END, D("11.00"), "JPY",
            record_date=dt.date(2016, 3, 31), event_id="iij-fy2015-year-end",
        ),
        PastDividend(
            dt.date(2017, 3, 31), DividendType.YEAR_END, D("13.50"), "JPY",
            status=EntryStatus.FORECAST, disclosed_on=dt.date(2016, 5, 13),
        ),
    )
)  # fmt: skip


def test_iij_fy2016_rolls_up_to_27_00_against_22_00_a_year_earlier() -> None:
    view = compute_schedule(iij(), HISTORY)
    fiscal = view.fiscal
    # FY2016: 13.50 interim (resolved) + 13.50 year-end (forecast) = 27.00
    assert str(fiscal.this_year.annual_total) == "27.00"
    assert str(fiscal.this_year.resolved_total) == "13.50"
    assert str(fiscal.this_year.forecast_total) == "13.50"
    assert fiscal.this_year.includes_forecast
    # FY2015: 11.00 + 11.00 = 22.00
    assert fiscal.prior_year is not None
    assert str(fiscal.prior_year.annual_total) == "22.00"
    assert fiscal.prior_year.fiscal_year_end == dt.date(2016, 3, 31)
    # vs FY2015 interim: 13.50 - 11.00 = +2.50
    same = fiscal.vs_prior_year_same_period
    assert same is not None
    assert (str(same.reference_amount), str(same.change)) == ("11.00", "2.50")
    # vs the latest forecast (13.50, 2016-05-13): 0.00
    vs = fiscal.vs_forecast
    assert vs is not None
    assert (str(vs.change), vs.reference_disclosed_on) == ("0.00", dt.date(2016, 5, 13))
    # annual: 27.00 - 22.00 = 5.00
    annual = fiscal.vs_prior_year_annual
    assert annual is not None
    assert str(annual.change) == "5.00"


def test_year_end_resolution_replaces_its_forecast_in_the_roll_up() -> None:
    year_end = iij(
        event_id="iij-fy2016-year-end",
        dividend_type="year_end",
        record_date="2017-03-31",
        resolved_on="2017-05-12",
        payment_date="2017-06-05",
        declared_total=None,
        forecast_per_share=None,
    )
    interim = to_history_entry(iij())
    history = DividendHistory(entries=(*HISTORY.entries, interim))
    fiscal = compute_schedule(year_end, history).fiscal
    # 13.50 interim + 13.50 year-end, both resolved now: 27.00, no forecast left.
    assert str(fiscal.this_year.annual_total) == "27.00"
    assert not fiscal.this_year.includes_forecast
    # The history's forecast is still the latest forecast of this period: change 0.00.
    assert fiscal.vs_forecast is not None
    assert str(fiscal.vs_forecast.change) == "0.00"
    # vs FY2015 year-end 11.00: +2.50
    assert fiscal.vs_prior_year_same_period is not None
    assert str(fiscal.vs_prior_year_same_period.change) == "2.50"


def test_a_replacement_supersedes_the_stored_entry_of_the_same_event() -> None:
    stored = to_history_entry(iij())  # 13.50, event JP3152820001-DVCA-FY2016-INTERIM
    replacement = iij(function="REPL", version=2, gross_amount_per_share="14.00")
    fiscal = compute_schedule(replacement, DividendHistory(entries=(stored,))).fiscal
    assert [str(c.amount_per_share) for c in fiscal.this_year.components] == ["14.00"]


def test_no_history_gives_this_dividend_alone() -> None:
    fiscal = compute_schedule(iij()).fiscal
    assert str(fiscal.this_year.annual_total) == "13.50"
    assert fiscal.prior_year is None
    assert fiscal.vs_prior_year_same_period is None


def test_history_in_another_currency_is_left_out_with_a_warning() -> None:
    usd = PastDividend(dt.date(2016, 3, 31), DividendType.INTERIM, D("0.10"), "USD")
    view = compute_schedule(iij(), DividendHistory(entries=(usd,)))
    assert view.fiscal.prior_year is None
    assert [w.code.value for w in view.validation.warnings] == ["history_currency_mismatch"]


def test_fiscal_quarter_and_year_arithmetic() -> None:
    # March year end: Apr-Jun Q1, Jul-Sep Q2, Oct-Dec Q3, Jan-Mar Q4.
    fye = dt.date(2017, 3, 31)
    assert [fiscal_quarter(fye, dt.date(2016, m, 28)) for m in (4, 6, 7, 9, 10, 12)] == [
        1, 1, 2, 2, 3, 3,
    ]  # fmt: skip
    assert fiscal_quarter(fye, dt.date(2017, 3, 31)) == 4
    # Feb 29 rolls backward to Feb 28.
    assert one_year_earlier(dt.date(2024, 2, 29)) == dt.date(2023, 2, 28)
