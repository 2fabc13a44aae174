"""Which MICs the core accepts, what an unsupported listing does, which currencies.

Expected values come from the published lists named beside them (ISO 10383 for MICs,
ISO 4217 List One for minor units) or from hand-worked dates; none from the code under
test.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from corpactions.contracts.schedule import compute_schedule
from corpactions.domain import DomainRejected, schedule_dividend
from corpactions.domain.markets import (
    MARKETS,
    MarketDataError,
    UnknownMic,
    UnsupportedMic,
    load_markets,
    market_of,
)

from .resolutions import iij

D = dt.date.fromisoformat


# ISO 10383 (the registration authority's list): XNGS (Nasdaq Global Select Market),
# XNMS (Nasdaq Global Market) and XNCM (Nasdaq Capital Market) are segment MICs of the
# operating MIC XNAS; XTKS (Tokyo Stock Exchange) is a segment of the operating MIC XJPX
# (Japan Exchange Group); XASE (NYSE American) and ARCX (NYSE Arca) are segments of XNYS;
# BATS (Cboe BZX) of XCBO.
@pytest.mark.parametrize(
    ("mic", "calendar"),
    [
        ("XNAS", "XNYS"),
        ("XNGS", "XNYS"),
        ("XNMS", "XNYS"),
        ("XNCM", "XNYS"),
        ("XNYS", "XNYS"),
        ("XASE", "XNYS"),
        ("ARCX", "XNYS"),
        ("BATS", "XNYS"),
        ("XJPX", "XTKS"),
        ("XTKS", "XTKS"),
    ],
)
def test_operating_and_segment_mics_of_supported_markets_map_to_their_calendar(
    mic: str, calendar: str
) -> None:
    assert market_of(mic).calendar == calendar


def test_a_real_mic_of_a_market_without_settlement_history_is_unsupported() -> None:
    with pytest.raises(UnsupportedMic):
        market_of("XJSE")  # Johannesburg Stock Exchange: ISO 10383 operating MIC, not held here
    with pytest.raises(UnsupportedMic) as info:
        market_of("XOSE")  # a JPX segment, but its derivatives market: excluded, with why
    assert info.value.why
    assert "derivatives" in info.value.why
    with pytest.raises(UnknownMic):
        market_of("ZZZZ")


def test_a_segment_mic_primary_listing_schedules_as_its_market() -> None:
    # IIJ's FY2016 interim with its primary given as the operating MIC XJPX: the Tokyo
    # dates as published (DOMAIN.md): last cum 2016-09-27, ex 09-28.
    s = schedule_dividend(iij(security={"isin": "JP3152820001", "mic": "XJPX"}))
    assert (s.primary.mic, s.primary.dates.last_cum_date, s.primary.dates.ex_date) == (
        "XJPX",
        D("2016-09-27"),
        D("2016-09-28"),
    )


def test_an_ads_on_a_nasdaq_tier_gets_us_dates() -> None:
    # IIJ's ADS given as XNGS (a Nasdaq tier). US T+3 in 2016: record Fri 09-30; T+3 from
    # Tue 09-27 -> 09-28, 09-29, 09-30; last cum 09-27, ex 09-28.
    s = schedule_dividend(
        iij(other_listings=[{"mic": "XNGS", "symbol": "IIJI", "shares_per_unit": "0.5"}])
    )
    ads = s.other_listings[0]
    assert ads.dates is not None
    assert (ads.mic, ads.dates.last_cum_date, ads.dates.ex_date) == (
        "XNGS",
        D("2016-09-27"),
        D("2016-09-28"),
    )


def test_an_other_listing_on_an_unsupported_market_keeps_the_schedule() -> None:
    view = compute_schedule(
        iij(
            other_listings=[
                {"mic": "XNAS", "symbol": "IIJI", "shares_per_unit": "0.5"},
                {"mic": "XJSE", "symbol": "IIJ", "shares_per_unit": "1"},
            ]
        )
    )
    # The primary's schedule as published: last cum 2016-09-27, ex 09-28.
    assert (view.primary_listing.last_cum_date, view.primary_listing.ex_date) == (
        D("2016-09-27"),
        D("2016-09-28"),
    )
    ads, johannesburg = view.other_listings
    assert ads.ex_date == D("2016-09-28")
    assert not ads.warnings
    # The Johannesburg listing: no dates, a warning of its own, and the same in the verdict.
    assert (johannesburg.mic, johannesburg.symbol) == ("XJSE", "IIJ")
    assert johannesburg.last_cum_date is None
    assert johannesburg.ex_date is None
    assert johannesburg.settlement_cycle_days is None
    assert johannesburg.last_cum_settlement_date is None
    assert [(w.code.value, w.field) for w in johannesburg.warnings] == [
        ("unsupported_mic", "other_listings.1.mic")
    ]
    assert view.validation.verdict == "valid_with_warnings"
    assert [(w.code.value, w.field) for w in view.validation.warnings] == [
        ("unsupported_mic", "other_listings.1.mic")
    ]


def test_an_unknown_other_listing_mic_is_still_rejected() -> None:
    # A MIC in no published list is a typo, not a market: reject, as before.
    with pytest.raises(DomainRejected) as info:
        schedule_dividend(
            iij(other_listings=[{"mic": "ZZZZ", "symbol": "IIJI", "shares_per_unit": "0.5"}])
        )
    assert {(r.code.value, r.field) for r in info.value.reasons} == {
        ("unknown_mic", "other_listings.0.mic")
    }


# --- currencies: ISO 4217 List One (SIX Group), column "Minor unit" ---------------------


@pytest.mark.parametrize(
    ("currency", "rate", "shares", "total"),
    [
        # ISK: minor unit 0. 2.5 x 1,001 = 2,502.5 -> truncated to 2502 (no decimals).
        ("ISK", "2.5", 1001, "2502"),
        # JPY: 0. 13.50 x 45,925,926 = 620,000,001 (DOMAIN.md's IIJ figures).
        ("JPY", "13.50", 45925926, "620000001"),
        # KWD: 3. 0.0125 x 3 = 0.0375 -> 0.037.
        ("KWD", "0.0125", 3, "0.037"),
        # CLF (Unidad de Fomento): 4. 0.00001 x 5 = 0.00005 -> 0.0000.
        ("CLF", "0.00001", 5, "0.0000"),
        # CHF: 2. 1.005 x 1 = 1.005 -> 1.00.
        ("CHF", "1.005", 1, "1.00"),
    ],
)
def test_totals_take_the_minor_unit_of_iso_4217_list_one(
    currency: str, rate: str, shares: int, total: str
) -> None:
    view = compute_schedule(
        iij(
            currency=currency,
            gross_amount_per_share=rate,
            eligible_shares=shares,
            declared_total=None,
            forecast_per_share=None,
        )
    )
    assert view.amounts.total is not None
    assert str(view.amounts.total.amount) == total


@pytest.mark.parametrize("currency", ["XAU", "XXX", "XTS", "ABC"])
def test_codes_without_a_numeric_minor_unit_or_not_in_the_list_are_unknown(
    currency: str,
) -> None:
    # XAU (gold), XXX (no currency), XTS (testing): List One's minor unit is "N.A.".
    with pytest.raises(DomainRejected) as info:
        schedule_dividend(iij(currency=currency))
    assert ("unknown_currency", "currency") in {(r.code.value, r.field) for r in info.value.reasons}


# --- the markets file is data, checked when read ---------------------------------------


def _file(**over: Any) -> str:
    rows = {
        "calendar": '"XNYS"',
        "operating_mics": '["XNYS"]',
        "cycle": 'from = 1995-06-07\nsessions = 3\nsource = "SEC Rule 15c6-1"',
    }
    rows.update(over)
    return (
        f"[markets.x]\ncalendar = {rows['calendar']}\noperating_mics = {rows['operating_mics']}"
        f"\n[[markets.x.cycles]]\n{rows['cycle']}\n"
    )


def test_the_markets_file_refuses_an_unsourced_rule() -> None:
    load_markets(_file())
    with pytest.raises(MarketDataError, match="source"):
        load_markets(_file(cycle="from = 1995-06-07\nsessions = 3"))
    with pytest.raises(MarketDataError, match="calendar"):
        load_markets(_file(calendar="3"))


def test_every_rule_held_names_its_source() -> None:
    for m in MARKETS:
        assert all(c.source for c in m.cycles)
        assert all(d.source for d in m.deferrals)
        assert m.large_distribution is None or m.large_distribution.source
        assert m.declaration_notice is None or m.declaration_notice.source
