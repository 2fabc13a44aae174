"""Golden last cum-dividend days and ex-dates.

Every expected value is from a published source or worked out by hand beside its row
(sessions counted from the exchanges' published holiday lists); none is computed by
calling the code under test. Notation: "T+3 from 09-27 -> 09-28, 09-29, 09-30" lists
the sessions counted to settlement.
"""

from __future__ import annotations

import datetime as dt

import pytest

from corpactions.domain.calendars import calendar_index, configured_horizon
from corpactions.domain.exdates import compute_ex_dates, ex_dates

D = dt.date.fromisoformat

# (mic, record date, last cum day, ex-date, cycle on the last cum day, why)
# fmt: off
GOLDEN = [
    # --- DOMAIN.md worked checks (published) ---
    ("XTKS", "2016-09-30", "2016-09-27", "2016-09-28", 3,
     "IIJ FY2016 interim (JPX): T+3 from Tue 09-27 -> 09-28, 09-29, 09-30"),
    ("XTKS", "2024-03-31", "2024-03-27", "2024-03-28", 2,
     "Sunday record date counts as Fri 03-29; T+2 from Wed 03-27 -> 03-28, 03-29"),
    ("XTKS", "2023-12-31", "2023-12-27", "2023-12-28", 2,
     "Dec 31 (Sun, TSE holiday) counts as Fri 12-29; T+2 from 12-27 -> 12-28, 12-29"),
    ("XNYS", "2017-09-06", "2017-08-31", "2017-09-01", 3,
     "US switch: 09-04 Labor Day; T+3 from Thu 08-31 -> 09-01, 09-05, 09-06; a trade on "
     "Fri 09-01 (still T+3) settles 09-07, too late"),
    # --- the day after: nothing went ex on 2017-09-05 ---
    ("XNYS", "2017-09-07", "2017-09-05", "2017-09-06", 2,
     "T+2 from Tue 09-05 -> 09-06, 09-07; Fri 09-01 (T+3) also settles 09-07 but is earlier"),
    # --- Tokyo switch to T+2 (JPX: trades from 2019-07-16; 07-15 Marine Day) ---
    ("XTKS", "2019-07-17", "2019-07-11", "2019-07-12", 3,
     "T+3 from Thu 07-11 -> 07-12, 07-16, 07-17; Fri 07-12 (T+3) settles 07-18"),
    ("XTKS", "2019-07-18", "2019-07-16", "2019-07-17", 2,
     "T+2 from Tue 07-16 -> 07-17, 07-18; so no ex-date fell on 07-16"),
    # --- US T+3 era, holiday in the window (NYSE: Mon 2016-07-04 Independence Day) ---
    ("XNYS", "2016-07-06", "2016-06-30", "2016-07-01", 3,
     "T+3 from Thu 06-30 -> Fri 07-01, Tue 07-05, Wed 07-06 (07-04 closed)"),
    ("XNAS", "2016-07-06", "2016-06-30", "2016-07-01", 3,
     "Nasdaq keeps the NYSE holiday list: same as the row above"),
    # --- US T+2 era, Thanksgiving (NYSE: Thu 2019-11-28 closed, Fri 11-29 early close) ---
    ("XNYS", "2019-12-02", "2019-11-27", "2019-11-29", 2,
     "T+2 from Wed 11-27 -> Fri 11-29 (half day is a session), Mon 12-02"),
    # --- US T+1 era (SEC: from 2024-05-28), Good Friday (NYSE: 2025-04-18 closed) ---
    ("XNYS", "2025-04-21", "2025-04-17", "2025-04-21", 1,
     "T+1 from Thu 04-17 -> Mon 04-21 (Fri closed); ex-date = record date"),
    ("XNYS", "2025-04-18", "2025-04-16", "2025-04-17", 1,
     "record date on Good Friday counts as Thu 04-17; T+1 from Wed 04-16 -> 04-17"),
    # --- US T+1 switch (Mon 2024-05-27 Memorial Day) ---
    ("XNYS", "2024-05-28", "2024-05-23", "2024-05-24", 2,
     "T+2 from Thu 05-23 -> Fri 05-24, Tue 05-28; Fri 05-24 (T+2) settles 05-29"),
    ("XNYS", "2024-05-29", "2024-05-28", "2024-05-29", 1,
     "T+1 from Tue 05-28 -> 05-29; no ex-date fell on 05-28"),
    # --- US T+1 era, July 4th (NYSE: Thu 2024-07-04 closed, 07-03 early close) ---
    ("XNAS", "2024-07-05", "2024-07-03", "2024-07-05", 1,
     "T+1 from Wed 07-03 (half day) -> Fri 07-05 (07-04 closed)"),
    # --- Tokyo before 2009-11-16: 5th-day settlement (5日目決済). A trade whose T+3
    # settlement would fall on the record date settled a day later, so the last cum day
    # was the 5th business day before the record date counting it. Abolished from Mon
    # 2009-11-16 (TSE notice of 2009-10-15, 「株券等の5日目決済及び期間売買停止の廃止の
    # 実施日について」). ---
    ("XTKS", "2009-03-31", "2009-03-25", "2009-03-26", 3,
     "published: a Tokyo broker's notice of 2009-03-19 (last cum 03-25, ex 03-26). By hand: "
     "counting the record date, 03-31 (1), 03-30 (2), 03-27 (3), 03-26 (4), 03-25 (5); a "
     "trade on 03-26 would settle 03-27, 03-30, 03-31 = the record date, so on 04-01"),
    # --- after the abolition: month-end record dates, from a business newspaper's table
    # of 2009-10-18 (last cum / ex), each also worked by hand as plain T+3 ---
    ("XTKS", "2009-11-30", "2009-11-25", "2009-11-26", 3,
     "published 11-25 / 11-26. T+3 from Wed 11-25 -> 11-26, 11-27, Mon 11-30 (11-23 holiday)"),
    ("XTKS", "2009-12-31", "2009-12-25", "2009-12-28", 3,
     "published 12-25 / 12-28. 12-31 (TSE holiday) counts as Wed 12-30; T+3 from Fri 12-25 "
     "-> 12-28, 12-29, 12-30"),
    ("XTKS", "2010-01-31", "2010-01-26", "2010-01-27", 3,
     "published 01-26 / 01-27. Sunday record date counts as Fri 01-29; T+3 from Tue 01-26 "
     "-> 01-27, 01-28, 01-29"),
    ("XTKS", "2010-02-28", "2010-02-23", "2010-02-24", 3,
     "published 02-23 / 02-24. Sunday counts as Fri 02-26; T+3 from Tue 02-23 -> 02-24, "
     "02-25, 02-26"),
    ("XTKS", "2010-03-31", "2010-03-26", "2010-03-29", 3,
     "published 03-26 / 03-29. T+3 from Fri 03-26 -> Mon 03-29, 03-30, Wed 03-31"),
    # --- the abolition's edge, by hand. The rule applies by trade date, as cycles do:
    # trades up to Fri 2009-11-13 keep the 5th-day settlement, trades from Mon 11-16 not
    # (11-03 and 11-23 were holidays, outside these windows) ---
    ("XTKS", "2009-11-18", "2009-11-12", "2009-11-13", 3,
     "a trade on Fri 11-13 (old rule) would settle 11-16, 11-17, 11-18 = the record date, "
     "so a day later; Thu 11-12 -> 11-13, 11-16, 11-17 is the last cum day"),
    ("XTKS", "2009-11-19", "2009-11-16", "2009-11-17", 3,
     "T+3 from Mon 11-16 (new rule) -> 11-17, 11-18, 11-19 = the record date, in time; so "
     "no ex-date fell on 11-16"),
    # --- the first record dates of 2000: the calendar is built with room to look back ---
    ("XNYS", "2000-01-05", "1999-12-31", "2000-01-03", 3,
     "NYSE traded Fri 1999-12-31 (New Year's Day was a Saturday; no Friday closure) and "
     "reopened Mon 01-03; T+3 from 12-31 -> 01-03, 01-04, 01-05"),
    ("XNYS", "2000-01-01", "1999-12-28", "1999-12-29", 3,
     "Saturday record date counts as Fri 12-31; T+3 from Tue 12-28 -> 12-29, 12-30, 12-31"),
    ("XTKS", "2000-01-01", "1999-12-24", "1999-12-27", 3,
     "TSE: last session of 1999 Thu 12-30 (12-31 to 01-03 closed; Thu 12-23 Emperor's "
     "Birthday); 5th-day rule: counting 12-30 (1), 12-29, 12-28, 12-27, 12-24 (5)"),
]
# fmt: on


@pytest.mark.parametrize(
    ("mic", "record", "last_cum", "ex", "cycle", "why"),
    GOLDEN,
    ids=[f"{r[0]}-{r[1]}" for r in GOLDEN],
)
def test_last_cum_day_and_ex_date_match_published_and_hand_worked_dates(
    mic: str, record: str, last_cum: str, ex: str, cycle: int, why: str
) -> None:
    index = calendar_index(mic)
    got = compute_ex_dates(index, D(record))
    assert (got.last_cum_date, got.ex_date, got.settlement_cycle) == (D(last_cum), D(ex), cycle), (
        why
    )
    assert got.last_cum_settles_on <= D(record) < (got.ex_date_settles_on or dt.date.max)
    # The memoised path returns the same answer (twice: cold, then warm).
    assert ex_dates(index, D(record)) == got
    assert ex_dates(index, D(record)) == got


def test_calendar_covers_2000_to_the_horizon_with_room_before_it() -> None:
    xtks = calendar_index("XTKS")
    # TSE is closed Jan 1-3; the first session of 2000 was Tue 2000-01-04 (JPX). The
    # sessions of late 1999 are built too, for the first record dates of 2000.
    assert xtks.is_session(dt.date(2000, 1, 4))
    assert not xtks.is_session(dt.date(2000, 1, 3))
    assert xtks.sessions[0] < dt.date(1999, 12, 1)
    # NYSE: Mon 2000-01-03 was the first session of 2000.
    nyse = calendar_index("XNYS")
    assert nyse.is_session(dt.date(2000, 1, 3))
    assert xtks.horizon == nyse.horizon == configured_horizon()
    assert xtks.sessions[-1] > xtks.horizon  # room for the settlement around it


def test_record_dates_outside_2000_to_the_horizon_are_out_of_range_not_guessed() -> None:
    from corpactions.domain.exdates import OutOfCalendarRange

    nyse = calendar_index("XNYS")
    with pytest.raises(OutOfCalendarRange):
        compute_ex_dates(nyse, dt.date(1999, 12, 31))
    with pytest.raises(OutOfCalendarRange) as info:
        compute_ex_dates(nyse, nyse.horizon + dt.timedelta(days=1))
    assert info.value.horizon == nyse.horizon
