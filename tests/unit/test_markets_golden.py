"""Golden dates for the markets beyond Tokyo and New York (issue 22).

Every expected value is from the published example named beside it (issuers' dividend
announcements, the exchanges' own transition charts and notices) or worked out by hand
beside its row from the exchanges' holiday lists and the dated rule of the source
named; none is computed by calling the code under test. Notation as in
test_exdates_golden.py: "T+3 from 07-08 -> 07-09, 07-10, 07-11" lists the settlement
days counted.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpactions.contracts.board_resolution import BoardResolution
from corpactions.contracts.schedule import compute_schedule
from corpactions.domain import DomainRejected, schedule_dividend
from corpactions.domain.calendars import calendar_index
from corpactions.domain.exdates import compute_ex_dates
from corpactions.domain.markets import (
    MARKETS,
    MarketDataError,
    UnsupportedMic,
    load_markets,
    market_of,
)

D = dt.date.fromisoformat

# (mic, record date, last cum day, ex-date, cycle on the last cum day, source / by hand)
# fmt: off
GOLDEN = [
    # --- London (XLON): T+3 to 2014-10-03, T+2 from 10-06 (LSE notice N14/13) ---
    ("XLON", "2014-07-11", "2014-07-08", "2014-07-09", 3,
     "published: WS Atkins plc final dividend 2014, ex 07-09, record 07-11. By hand: T+3 "
     "from Tue 07-08 -> 07-09, 07-10, 07-11"),
    ("XLON", "2014-12-05", "2014-12-03", "2014-12-04", 2,
     "published: WS Atkins plc interim dividend 2014, ex 12-04, record 12-05. By hand: T+2 "
     "from Wed 12-03 -> 12-04, 12-05"),
    ("XLON", "2014-05-23", "2014-05-20", "2014-05-21", 3,
     "published: HSBC Holdings first interim 2014, UK register record 05-23, ex 05-21. By "
     "hand: T+3 from Tue 05-20 -> 05-21, 05-22, 05-23"),
    # --- Euronext Paris (XPAR) ---
    ("XPAR", "2014-05-14", "2014-05-09", "2014-05-12", 3,
     "published: ArcelorMittal, ex 2014-05-12, record 05-14. By hand: T+3 from Fri 05-09 "
     "-> Mon 05-12, 05-13, 05-14"),
    # the EU's T+2 switch: trades of Fri 2014-10-03 (T+3) and Mon 10-06 (T+2) both
    # settled Wed 10-08 (Euronext / ESES migration notice)
    ("XPAR", "2014-10-08", "2014-10-06", "2014-10-07", 2,
     "by hand: Mon 10-06 (T+2) -> 10-07, 10-08; Tue 10-07 -> 10-09, late"),
    ("XPAR", "2014-10-07", "2014-10-02", "2014-10-03", 3,
     "by hand: Thu 10-02 (T+3) -> 10-03, 10-06, 10-07; Fri 10-03 (T+3) and Mon 10-06 (T+2) "
     "both settle 10-08, late; so nothing went ex on 10-06"),
    # --- Euronext Amsterdam (XAMS) + Nasdaq: ASML, October 2025, record Wed 10-29 ---
    ("XAMS", "2025-10-29", "2025-10-27", "2025-10-28", 2,
     "published: ASML interim dividend, record 2025-10-29, Euronext Amsterdam ex 10-28. By "
     "hand: T+2 from Mon 10-27 -> 10-28, 10-29"),
    ("XNAS", "2025-10-29", "2025-10-28", "2025-10-29", 1,
     "published: ASML, Nasdaq ex 2025-10-29 (US T+1). By hand: T+1 from Tue 10-28 -> 10-29"),
    # --- Xetra (XETR): Continental AGM Fri 2025-04-25, ex Mon 04-28, record 04-29 ---
    ("XETR", "2025-04-29", "2025-04-25", "2025-04-28", 2,
     "published: Continental AG, AGM 2025-04-25, ex 04-28, record 04-29, paid 04-30. By "
     "hand: T+2 from Fri 04-25 -> Mon 04-28, Tue 04-29"),
    ("XFRA", "2025-04-29", "2025-04-25", "2025-04-28", 2,
     "Börse Frankfurt settles through the same CSD, on the same days: as the row above"),
    # --- SIX Swiss Exchange (XSWX) ---
    ("XSWX", "2014-04-23", "2014-04-16", "2014-04-17", 3,
     "published: GAM Holding, ex 2014-04-17, record 04-23. By hand: SIX closed Good Friday "
     "04-18 and Easter Monday 04-21; T+3 from Wed 04-16 -> Thu 04-17, Tue 04-22, Wed 04-23"),
    ("XSWX", "2015-05-06", "2015-05-04", "2015-05-05", 2,
     "published: GAM Holding, ex 2015-05-05, record 05-06. By hand: T+2 from Mon 05-04 -> "
     "05-05, 05-06"),
    # --- Toronto (XTSE): TMX's own transition charts ---
    ("XTSE", "2017-09-01", "2017-08-29", "2017-08-30", 3,
     "TMX T+2 transition chart: record 2017-09-01, ex 08-30. By hand: T+3 from Tue 08-29 "
     "-> 08-30, 08-31, 09-01"),
    ("XTSE", "2017-09-05", "2017-08-30", "2017-08-31", 3,
     "TMX chart: record 2017-09-05, ex 08-31. By hand: Mon 09-04 Labour Day; T+3 from Wed "
     "08-30 -> 08-31, 09-01, 09-05"),
    ("XTSE", "2017-09-07", "2017-09-05", "2017-09-06", 2,
     "TMX chart: record 2017-09-07, ex 09-06. By hand: T+2 from Tue 09-05 -> 09-06, 09-07"),
    ("XTSE", "2024-05-24", "2024-05-22", "2024-05-23", 2,
     "TMX T+1 transition chart: record 2024-05-24, ex 05-23. By hand: T+2 from Wed 05-22 "
     "-> 05-23, 05-24"),
    ("XTSE", "2024-05-27", "2024-05-23", "2024-05-24", 2,
     "by hand: T+2 from Thu 05-23 -> 05-24, Mon 05-27; Fri 05-24 (T+2) settles 05-28, late"),
    ("XTSE", "2024-05-28", "2024-05-27", "2024-05-28", 1,
     "TMX chart: record 2024-05-28, ex 05-28 (nothing went ex on 05-27). By hand: T+1 from "
     "Mon 05-27 -> 05-28"),
    # Canada's settlement holiday: TSX traded on Fri 2022-09-30 (National Day for Truth
    # and Reconciliation), CDS did not settle (TMX notice)
    ("XTSE", "2022-10-03", "2022-09-28", "2022-09-29", 2,
     "by hand: T+2 from Wed 09-28 -> Thu 09-29, Mon 10-03 (09-30 settles nothing); Thu "
     "09-29 -> 10-03, 10-04, late. Without the holiday the ex-date would be 09-30"),
    ("XTSE", "2022-10-04", "2022-09-30", "2022-10-03", 2,
     "by hand: a trade on Fri 09-30 (a session) -> Mon 10-03, Tue 10-04"),
    # --- ASX (XASX) ---
    ("XASX", "2014-02-21", "2014-02-14", "2014-02-17", 3,
     "published: CBA interim 2014, ex 2014-02-17, record 02-21: the old ex period, ex 4 "
     "business days before the record date (02-20, 02-19, 02-18, 02-17)"),
    ("XASX", "2014-04-17", "2014-04-10", "2014-04-11", 3,
     "K&L Gates, 2014-04-15: record dates on or before 2014-04-17 keep the old timetable. "
     "By hand: 4 business days before Thu 04-17: 04-16, 04-15, 04-14, Fri 04-11"),
    ("XASX", "2014-04-22", "2014-04-15", "2014-04-16", 3,
     "K&L Gates, 2014-04-15: record 2014-04-22 -> ex 04-16 under the new timetable. By "
     "hand: Good Friday 04-18, Easter Monday 04-21 closed; T+3 from Tue 04-15 -> 04-16, "
     "04-17, 04-22"),
    ("XASX", "2015-08-20", "2015-08-17", "2015-08-18", 3,
     "published: CBA final 2015, ex 08-18, record 08-20 (R - 2 under T+3). By hand: T+3 "
     "from Mon 08-17 -> 08-18, 08-19, 08-20"),
    ("XASX", "2015-03-13", "2015-03-10", "2015-03-11", 3,
     "published: BHP Billiton interim 2015, ex 03-11, record 03-13. By hand: T+3 from Tue "
     "03-10 -> 03-11, 03-12, 03-13"),
    ("XASX", "2016-03-08", "2016-03-03", "2016-03-04", 3,
     "ASX T+2 from trades of Mon 2016-03-07. By hand: Thu 03-03 (T+3) -> 03-04, 03-07, "
     "03-08; Fri 03-04 (T+3) settles 03-09 and Mon 03-07 (T+2) 03-09, late"),
    ("XASX", "2016-03-09", "2016-03-07", "2016-03-08", 2,
     "by hand: Mon 03-07 (T+2) -> 03-08, 03-09; so nothing went ex on 03-07 (R - 1 under "
     "T+2 from here on)"),
    # --- Hong Kong (XHKG), T+2 ---
    ("XHKG", "2014-05-22", "2014-05-20", "2014-05-21", 2,
     "published: HSBC Holdings first interim 2014, Hong Kong register record 05-22, ex "
     "05-21 (no book closure). By hand: T+2 from Tue 05-20 -> 05-21, 05-22"),
    # --- Singapore (XSES): T+3 to 2018-12-07, T+2 from 12-10 ---
    ("XSES", "2015-05-13", "2015-05-08", "2015-05-11", 3,
     "published: DBS Group, ex 2015-05-11, record 05-13. By hand: T+3 from Fri 05-08 -> "
     "Mon 05-11, 05-12, 05-13"),
    ("XSES", "2022-05-12", "2022-05-10", "2022-05-11", 2,
     "published: DBS Group, ex 2022-05-11, record 05-12. By hand: T+2 from Tue 05-10 -> "
     "05-11, 05-12"),
    ("XSES", "2018-12-11", "2018-12-06", "2018-12-07", 3,
     "by hand: Thu 12-06 (T+3) -> 12-07, 12-10, 12-11; Fri 12-07 (T+3) and Mon 12-10 (T+2) "
     "settle 12-12, late"),
    ("XSES", "2018-12-12", "2018-12-10", "2018-12-11", 2,
     "by hand: Mon 12-10 (T+2) -> 12-11, 12-12; nothing went ex on 12-10"),
    # --- Korea (XKRX), T+2 ---
    ("XKRX", "2021-12-31", "2021-12-28", "2021-12-29", 2,
     "published: record 2021-12-31, the exchange closed (year-end), last cum 12-28, ex "
     "12-29. By hand: the record day is Thu 12-30; T+2 from Tue 12-28 -> 12-29, 12-30"),
    # --- the EU, UK and Swiss T+1: first trade date on T+1 Mon 2027-10-11 ---
    ("XLON", "2027-10-11", "2027-10-07", "2027-10-08", 2,
     "by hand: Thu 10-07 (T+2) -> 10-08, 10-11; Fri 10-08 (T+2) settles 10-12, late"),
    ("XLON", "2027-10-12", "2027-10-11", "2027-10-12", 1,
     "by hand: Mon 10-11 (T+1) -> 10-12; nothing goes ex on 10-11"),
    ("XPAR", "2027-10-12", "2027-10-11", "2027-10-12", 1,
     "by hand: Mon 10-11 (T+1, ESMA / amended CSDR) -> 10-12"),
    ("XETR", "2027-10-12", "2027-10-11", "2027-10-12", 1,
     "by hand: Mon 10-11 (T+1) -> 10-12"),
    ("XSWX", "2027-10-12", "2027-10-11", "2027-10-12", 1,
     "by hand: Mon 10-11 (T+1, SIX / swissSPTC) -> 10-12"),
    ("XAMS", "2027-10-11", "2027-10-07", "2027-10-08", 2,
     "by hand: Thu 10-07 (T+2) -> 10-08, 10-11"),
]
# fmt: on


@pytest.mark.parametrize(
    ("mic", "record", "last_cum", "ex", "cycle", "why"),
    GOLDEN,
    ids=[f"{r[0]}-{r[1]}" for r in GOLDEN],
)
def test_new_markets_last_cum_day_and_ex_date_match_published_and_hand_worked_dates(
    mic: str, record: str, last_cum: str, ex: str, cycle: int, why: str
) -> None:
    got = compute_ex_dates(calendar_index(mic), D(record))
    assert (got.last_cum_date, got.ex_date, got.settlement_cycle) == (D(last_cum), D(ex), cycle), (
        why
    )


def _resolution(**fields: Any) -> BoardResolution:
    base: dict[str, Any] = {
        "message_id": "m-1",
        "event_id": "e-1",
        "function": "NEWM",
        "version": 1,
        "issuer": {"name": "Issuer"},
        "dividend_type": "interim",
        "source_of_funds": "retained_earnings",
    }
    return BoardResolution.model_validate({**base, **fields})


def test_asml_one_resolution_two_listings_two_ex_dates() -> None:
    # ASML, record Wed 2025-10-29 (published): Euronext Amsterdam ex 10-28 (T+2), Nasdaq
    # ex 10-29 (T+1). The rate and payment date are illustrative.
    view = compute_schedule(
        _resolution(
            resolved_on="2025-10-15",
            security={"isin": "NL0010273215", "local_code": "ASML", "mic": "XAMS"},
            other_listings=[{"mic": "XNGS", "symbol": "ASML", "shares_per_unit": "1"}],
            fiscal_year_end="2025-12-31",
            currency="EUR",
            gross_amount_per_share="1.60",
            record_date="2025-10-29",
            payment_date="2025-11-06",
        )
    )
    assert (view.primary_listing.mic, view.primary_listing.ex_date) == ("XAMS", D("2025-10-28"))
    nasdaq = view.other_listings[0]
    assert (nasdaq.mic, nasdaq.ex_date, nasdaq.settlement_cycle_days) == (
        "XNGS",
        D("2025-10-29"),
        1,
    )
    assert view.validation.verdict == "valid"


def test_hsbc_2014_each_register_has_its_record_date_and_one_ex_date() -> None:
    # HSBC Holdings first interim 2014 (published): UK register record 05-23, Hong Kong
    # register record 05-22, one ex-date 05-21 on both. Rate and payment illustrative.
    view = compute_schedule(
        _resolution(
            resolved_on="2014-05-06",
            dividend_type="quarterly",
            security={"isin": "GB0005405286", "local_code": "HSBA", "mic": "XLON"},
            other_listings=[
                {"mic": "XHKG", "symbol": "5", "shares_per_unit": "1", "record_date": "2014-05-22"}
            ],
            fiscal_year_end="2014-12-31",
            currency="USD",
            gross_amount_per_share="0.10",
            record_date="2014-05-23",
            payment_date="2014-07-10",
        )
    )
    london, hong_kong = view.primary_listing, view.other_listings[0]
    assert (london.record_date, london.ex_date, london.settlement_cycle_days) == (
        D("2014-05-23"),
        D("2014-05-21"),
        3,
    )
    assert (hong_kong.record_date, hong_kong.ex_date, hong_kong.settlement_cycle_days) == (
        D("2014-05-22"),
        D("2014-05-21"),
        2,
    )
    assert view.record_date == D("2014-05-23")  # the resolution's (its events fire on it)


def test_langham_2017_book_closure_moves_the_ex_date_before_the_last_registration_date() -> None:
    # Langham Hospitality Investments 2017 (published): books closed Mon 09-11 to Thu
    # 09-14, record 09-14, ex Thu 2017-09-07. By hand: the last registration date is Fri
    # 09-08 (the business day before the closure); T+2 from Wed 09-06 -> 09-07, 09-08.
    # From the record date alone (T+2 from Tue 09-12 -> 09-13, 09-14) the ex-date would be
    # 09-13. Rate and payment illustrative.
    fields: dict[str, Any] = {
        "resolved_on": "2017-08-08",
        "security": {"local_code": "1270", "mic": "XHKG"},
        "fiscal_year_end": "2017-12-31",
        "currency": "HKD",
        "gross_amount_per_share": "0.13",
        "record_date": "2017-09-14",
        "payment_date": "2017-09-27",
    }
    closed = compute_schedule(
        _resolution(**fields, book_closure={"first_day": "2017-09-11", "last_day": "2017-09-14"})
    )
    primary = closed.primary_listing
    assert (primary.last_cum_date, primary.ex_date, primary.last_cum_settlement_date) == (
        D("2017-09-06"),
        D("2017-09-07"),
        D("2017-09-08"),
    )
    assert primary.book_closure is not None
    assert (primary.book_closure.first_day, primary.book_closure.last_day) == (
        D("2017-09-11"),
        D("2017-09-14"),
    )
    open_books = compute_schedule(_resolution(**fields))
    assert open_books.primary_listing.ex_date == D("2017-09-13")
    assert open_books.primary_listing.book_closure is None


def test_an_other_listing_without_its_own_record_date_shares_the_book_closure() -> None:
    # A Hong Kong primary with a second listing on the same register (no record date of
    # its own): both count from the last registration date, Fri 2017-09-08 (as above).
    s = schedule_dividend(
        _resolution(
            resolved_on="2017-08-08",
            security={"local_code": "1270", "mic": "XHKG"},
            other_listings=[{"mic": "XGEM", "symbol": "8270", "shares_per_unit": "1"}],
            fiscal_year_end="2017-12-31",
            currency="HKD",
            gross_amount_per_share="0.13",
            record_date="2017-09-14",
            book_closure={"first_day": "2017-09-11", "last_day": "2017-09-14"},
        )
    )
    other = s.other_listings[0]
    assert other.dates is not None
    assert other.dates.ex_date == D("2017-09-07")
    assert other.book_closure is not None


@pytest.mark.parametrize(
    ("closure", "message"),
    [
        ({"first_day": "2017-09-15", "last_day": "2017-09-14"}, "is after its last day"),
        ({"first_day": "2017-09-01", "last_day": "2017-09-05"}, "is outside the book closure"),
    ],
)
def test_a_book_closure_that_is_reversed_or_misses_the_record_date_is_refused(
    closure: dict[str, str], message: str
) -> None:
    with pytest.raises(DomainRejected) as info:
        schedule_dividend(
            _resolution(
                resolved_on="2017-08-08",
                security={"local_code": "1270", "mic": "XHKG"},
                fiscal_year_end="2017-12-31",
                currency="HKD",
                gross_amount_per_share="0.13",
                record_date="2017-09-14",
                book_closure=closure,
            )
        )
    [reason] = info.value.reasons
    assert (reason.code.value, reason.field) == ("invalid_book_closure", "book_closure")
    assert message in reason.message


def test_continental_2025_on_xetra_and_its_segment_mic() -> None:
    # Continental AG (published): AGM Fri 2025-04-25, ex Mon 04-28, record Tue 04-29,
    # paid Wed 04-30. XETA is Xetra's regulated-market segment (ISO 10383). Rate
    # illustrative.
    for mic in ("XETR", "XETA", "XFRA"):
        s = schedule_dividend(
            _resolution(
                resolved_on="2025-04-25",
                dividend_type="year_end",
                security={"isin": "DE0005439004", "local_code": "CON", "mic": mic},
                fiscal_year_end="2024-12-31",
                currency="EUR",
                gross_amount_per_share="2.50",
                record_date="2025-04-29",
                payment_date="2025-04-30",
            )
        )
        assert s.primary.dates is not None
        assert (s.primary.dates.last_cum_date, s.ex_date) == (D("2025-04-25"), D("2025-04-28"))


def test_germany_before_2017_has_no_record_date_and_is_refused_not_guessed() -> None:
    fields: dict[str, Any] = {
        "resolved_on": "2016-04-29",
        "dividend_type": "year_end",
        "fiscal_year_end": "2015-12-31",
        "currency": "EUR",
        "gross_amount_per_share": "3.25",
        "record_date": "2016-05-03",
        "payment_date": "2016-05-03",
    }
    with pytest.raises(DomainRejected) as info:
        schedule_dividend(_resolution(**fields, security={"isin": "DE0005439004", "mic": "XETR"}))
    [reason] = info.value.reasons
    assert (reason.code.value, reason.field) == ("record_date_not_in_use", "record_date")
    assert "2017-01-01" in reason.message
    # As an other listing: no dates there, a warning, the primary's schedule stands.
    s = schedule_dividend(
        _resolution(
            **fields,
            security={"isin": "JP3152820001", "mic": "XTKS"},
            other_listings=[{"mic": "XFRA", "symbol": "IJ8", "shares_per_unit": "1"}],
        )
    )
    frankfurt = s.other_listings[0]
    assert frankfurt.dates is None
    assert [(w.code.value, w.field) for w in frankfurt.warnings] == [
        ("record_date_not_in_use", "other_listings.0.mic")
    ]
    # From 2017 on, German record dates are scheduled.
    assert schedule_dividend(
        _resolution(**{**fields, "record_date": "2017-05-03", "payment_date": "2017-05-04"},
                    security={"isin": "DE0005439004", "mic": "XETR"})
    ).primary.dates is not None  # fmt: skip


def test_singapore_beyond_its_calendars_own_end_is_refused_with_that_reason() -> None:
    # exchange_calendars records SGX holidays only to 2026-12-31 (its XSES bound_max):
    # the test horizon is 2036-12-31, Singapore's stops there.
    index = calendar_index("XSES")
    assert index.horizon == D("2026-12-31")
    with pytest.raises(DomainRejected) as info:
        schedule_dividend(
            _resolution(
                resolved_on="2027-02-20",
                security={"isin": "SG1L01001701", "mic": "XSES"},
                fiscal_year_end="2026-12-31",
                currency="SGD",
                gross_amount_per_share="0.60",
                record_date="2027-03-15",
            )
        )
    [reason] = info.value.reasons
    assert reason.code.value == "record_date_out_of_calendar_range"
    assert "2027-03-15" in reason.message
    assert "only to 2026-12-31" in reason.message
    # Another market keeps the configured horizon.
    assert calendar_index("XLON").horizon == D("2036-12-31")


def test_pence_sterling_is_refused_with_what_to_send_instead() -> None:
    with pytest.raises(DomainRejected) as info:
        schedule_dividend(
            _resolution(
                resolved_on="2014-10-01",
                security={"isin": "GB0005405286", "mic": "XLON"},
                fiscal_year_end="2014-12-31",
                currency="GBX",
                gross_amount_per_share="6.2",
                record_date="2014-11-07",
            )
        )
    [reason] = info.value.reasons
    assert reason.code.value == "unknown_currency"
    assert "GBP" in reason.message


@pytest.mark.parametrize(
    ("mic", "market"),
    [
        # ISO 10383 segment -> operating MIC (the `iso10383` package), as the issue names
        ("AIMX", "london"),
        ("XETA", "germany"),
        ("FRAA", "germany"),
        ("XGEM", "hong_kong"),
        ("ALXP", "euronext_paris"),
        ("ALXA", "euronext_amsterdam"),
        ("ALXB", "euronext_brussels"),
        ("ALXL", "euronext_lisbon"),
        ("XKOS", "korea"),
        ("XSCA", "singapore"),
        ("XSWX", "six"),
        ("XTSE", "toronto"),
        ("XASX", "asx"),
    ],
)
def test_segment_mics_map_to_their_operating_market(mic: str, market: str) -> None:
    assert market_of(mic).key == market


@pytest.mark.parametrize("mic", ["XLOD", "XMAT", "XMON", "XEUE", "XSFE", "XKFE", "XSIM", "XSDX"])
def test_derivatives_and_other_non_share_segments_are_refused_with_why(mic: str) -> None:
    with pytest.raises(UnsupportedMic) as info:
        market_of(mic)
    assert info.value.why


def test_every_new_market_rule_names_its_source() -> None:
    for market in MARKETS:
        assert all(c.source.strip() for c in market.cycles), market.key
        assert all(p.source.strip() for p in market.ex_periods), market.key


def test_the_european_t1_date_is_corrected_in_the_data_alone() -> None:
    # If the switch moved a week, changing the row's date (no code) moves every market
    # that shares the row: Euronext's four through `cycles_of`.
    from importlib import resources

    text = resources.files("corpactions.domain").joinpath("data", "markets.toml").read_text()
    assert text.count("from = 2027-10-11") == 4  # London, Euronext Paris, Germany, SIX
    moved = {m.key: m for m in load_markets(text.replace("2027-10-11", "2027-10-18"))}
    for key in ("london", "euronext_paris", "euronext_amsterdam", "germany", "six"):
        assert moved[key].cycle_on(D("2027-10-11")) == 2
        assert moved[key].cycle_on(D("2027-10-18")) == 1
    kept = {m.key: m for m in MARKETS}
    assert kept["euronext_lisbon"].cycle_on(D("2027-10-11")) == 1


def test_markets_data_rules_for_shared_cycles_and_ex_periods() -> None:
    one = """
[markets.a]
calendar = "XPAR"
operating_mics = ["XPAR"]
[[markets.a.cycles]]
from = 1999-01-01
sessions = 3
source = "s"
"""
    shared = load_markets(
        one + '[markets.b]\ncalendar = "XAMS"\noperating_mics = ["XAMS"]\ncycles_of = "a"\n'
    )
    assert shared[1].cycles == shared[0].cycles
    with pytest.raises(MarketDataError, match="cycles_of"):
        load_markets(one + '[markets.b]\ncalendar = "XAMS"\ncycles_of = "nope"\n')
    with pytest.raises(MarketDataError, match="source"):
        load_markets(
            one + "[[markets.a.ex_periods]]\nfrom = 1999-01-01\nuntil = 2014-04-18\nsessions = 4\n"
        )
    with pytest.raises(MarketDataError, match="`from` >= `until`"):
        load_markets(
            one + "[[markets.a.ex_periods]]\nfrom = 2015-01-01\nuntil = 2014-04-18\n"
            'sessions = 4\nsource = "s"\n'
        )
    with pytest.raises(MarketDataError, match="say why"):
        load_markets(one + '[markets.a.record_dates_from]\nfrom = 2017-01-01\nsource = "s"\n')


EXAMPLES = Path(__file__).resolve().parents[2] / "schemas" / "examples"


@pytest.mark.parametrize(
    ("name", "dates"),
    [
        # (mic, record date, ex-date) per listing, as published (see the rows above)
        ("hsbc-2014-first-interim", [("XLON", "2014-05-23", "2014-05-21"),
                                     ("XHKG", "2014-05-22", "2014-05-21")]),
        ("langham-2017-interim", [("XHKG", "2017-09-14", "2017-09-07")]),
        ("cba-2014-interim", [("XASX", "2014-02-21", "2014-02-17")]),
    ],
)  # fmt: skip
def test_the_new_market_examples_conform_to_the_schema_and_schedule_as_published(
    name: str, dates: list[tuple[str, str, str]]
) -> None:
    import io
    import json

    from jsonschema import Draft202012Validator

    from corpactions.commands.schedule import print_schedule

    path = EXAMPLES / f"board-resolution.{name}.json"
    schema = json.loads((EXAMPLES.parent / "BoardResolution.schema.json").read_text())
    Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER).validate(
        json.loads(path.read_text())
    )
    out, err = io.StringIO(), io.StringIO()
    assert print_schedule(str(path), out, err) == 0, err.getvalue()
    doc = json.loads(out.getvalue())
    listings = [doc["primary_listing"], *doc["other_listings"]]
    assert [(x["mic"], x["record_date"], x["ex_date"]) for x in listings] == dates
    assert doc["validation"]["verdict"] == "valid"


def test_a_final_dividend_after_the_year_end_is_usual_in_europe_not_in_tokyo() -> None:
    # WS Atkins plc final 2014 (published): fiscal year to 2014-03-31, record 07-11, after
    # the AGM. On London that is the rule for finals, so no warning; a Tokyo year-end
    # dividend's record date is the fiscal year end itself, so there it is still flagged.
    fields: dict[str, Any] = {
        "resolved_on": "2014-06-25",
        "dividend_type": "year_end",
        "fiscal_year_end": "2014-03-31",
        "currency": "GBP",
        "gross_amount_per_share": "0.245",
        "record_date": "2014-07-11",
        "payment_date": "2014-08-20",
    }
    london = schedule_dividend(_resolution(**fields, security={"local_code": "ATK", "mic": "XLON"}))
    assert london.warnings == ()
    tokyo = schedule_dividend(_resolution(**fields, security={"local_code": "9999", "mic": "XTKS"}))
    assert [w.code.value for w in tokyo.warnings] == ["record_date_outside_fiscal_year"]
    # An interim on London outside its fiscal year is still flagged, as is a final more
    # than a year after the end.
    interim = schedule_dividend(
        _resolution(**{**fields, "dividend_type": "interim"},
                    security={"local_code": "ATK", "mic": "XLON"})
    )  # fmt: skip
    assert [w.code.value for w in interim.warnings] == ["record_date_outside_fiscal_year"]
    late = schedule_dividend(
        _resolution(**{**fields, "fiscal_year_end": "2013-03-31"},
                    security={"local_code": "ATK", "mic": "XLON"})
    )  # fmt: skip
    assert [w.code.value for w in late.warnings] == ["record_date_outside_fiscal_year"]


NEW_MICS = ("XLON", "XPAR", "XAMS", "XBRU", "XLIS", "XETR", "XSWX", "XTSE", "XASX", "XHKG",
            "XSES", "XKRX")  # fmt: skip


def _settles(mic: str, trade: dt.date) -> dt.date:
    """An independent oracle: the n-th settlement day after `trade` (n from the data for
    the trade date), settlement days being the sessions less the settlement holidays."""
    days = _settlement_days(mic)
    return days[bisect_right(days, trade) + market_of(mic).cycle_on(trade) - 1]


@cache
def _settlement_days(mic: str) -> list[dt.date]:
    holidays = market_of(mic).settlement_holidays
    return [d for d in calendar_index(mic).sessions if d not in holidays]


@settings(max_examples=300, deadline=None)
@given(mic=st.sampled_from(NEW_MICS), record=st.dates(dt.date(2000, 1, 1), dt.date(2036, 12, 15)))
def test_new_markets_last_cum_day_settles_by_the_record_date_or_follows_the_ex_period(
    mic: str, record: dt.date
) -> None:
    index = calendar_index(mic)
    record = min(record, index.horizon - dt.timedelta(days=60))
    got = compute_ex_dates(index, record)
    sessions = index.sessions
    r = bisect_right(sessions, record) - 1  # the record date's session, or the one before
    assert got.ex_date == sessions[sessions.index(got.last_cum_date) + 1]
    period = index.market.ex_period_on(record)
    if period:  # ASX before 2014-04-18: ex = the record date's session less `period`
        assert got.ex_date == sessions[r - period]
        return
    days = _settlement_days(mic)
    register = days[bisect_right(days, record) - 1]
    assert _settles(mic, got.last_cum_date) <= register
    assert _settles(mic, got.ex_date) > register


@pytest.mark.parametrize(
    ("currency", "minor"),
    # ISO 4217 List One (the maintenance agency's table): the new markets' currencies
    [("GBP", 2), ("EUR", 2), ("CHF", 2), ("CAD", 2), ("AUD", 2), ("HKD", 2), ("SGD", 2),
     ("KRW", 0)],
)  # fmt: skip
def test_the_new_markets_currencies_have_their_iso_4217_minor_units(
    currency: str, minor: int
) -> None:
    from corpactions.domain.money import MINOR_UNITS

    assert MINOR_UNITS[currency] == minor
